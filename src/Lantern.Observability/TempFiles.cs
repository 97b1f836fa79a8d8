using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Lantern.Observability.Interop;
using Microsoft.Win32.SafeHandles;

namespace Lantern.Observability;

/// <summary>
/// A temporary file created safely: a fresh random name in the temporary directory, opened with
/// <c>O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC</c> and mode 0600, so an attacker who can write to /tmp can neither
/// pre-create the file, nor redirect it through a symbolic link, nor read it. The file is deleted when the
/// object is disposed unless <see cref="Keep"/> is set.
/// </summary>
public sealed class TempFile : IDisposable
{
    private FileStream? _stream;
    private bool _disposed;

    private TempFile(string path, FileStream stream, bool keep)
    {
        Path = path;
        _stream = stream;
        Keep = keep;
    }

    /// <summary>The absolute path of the file.</summary>
    public string Path { get; }

    /// <summary>When true, <see cref="Dispose"/> closes the file but leaves it on disk.</summary>
    public bool Keep { get; set; }

    /// <summary>
    /// The read/write stream on the file descriptor the file was created with. Writing through it (rather than
    /// reopening <see cref="Path"/>) guarantees the bytes go to the file that was created exclusively.
    /// </summary>
    public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(TempFile), "the file was closed");

    /// <summary>
    /// Creates a new empty file named <c>{prefix}{random}{suffix}</c> in <paramref name="directory"/>
    /// (default: <see cref="System.IO.Path.GetTempPath"/>, normally /tmp).
    /// </summary>
    /// <exception cref="IOException">The file could not be created (e.g. the directory does not exist).</exception>
    public static TempFile Create(string prefix = "lantern-", string suffix = "", string? directory = null, bool keep = false)
    {
        ValidateAffix(prefix, nameof(prefix));
        ValidateAffix(suffix, nameof(suffix));
        directory ??= System.IO.Path.GetTempPath();
        const int Attempts = 100;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, prefix + RandomName.Next() + suffix));
            int fd = LibC.Open(path, LibC.ORdwr | LibC.OCreat | LibC.OExcl | LibC.ONofollow | LibC.OCloexec, 0x180 /* 0600 */);
            if (fd >= 0)
            {
                var handle = new SafeFileHandle(fd, ownsHandle: true);
                var stream = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0);
                return new TempFile(path, stream, keep);
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EExist)
            {
                throw new IOException($"cannot create temporary file '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }

        throw new IOException($"cannot create a temporary file in '{directory}': {Attempts} names were taken");
    }

    /// <summary>Creates a temporary file holding <paramref name="text"/> (UTF-8, no BOM) and closes it for writing.</summary>
    public static TempFile CreateWithText(string text, string prefix = "lantern-", string suffix = "", string? directory = null)
    {
        TempFile file = Create(prefix, suffix, directory);
        file.WriteAllText(text);
        return file;
    }

    /// <summary>A prefix or suffix must not contain a directory separator or NUL (it would escape the directory).</summary>
    internal static void ValidateAffix(string affix, string parameterName)
    {
        if (affix.Contains('/') || affix.Contains('\0'))
        {
            throw new ArgumentException("must not contain '/' or NUL", parameterName);
        }
    }

    /// <summary>Replaces the file's contents with <paramref name="text"/> in UTF-8 (no BOM).</summary>
    public void WriteAllText(string text) => WriteAllBytes(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Replaces the file's contents with <paramref name="bytes"/>.</summary>
    public void WriteAllBytes(ReadOnlySpan<byte> bytes)
    {
        FileStream s = Stream;
        s.SetLength(0);
        s.Position = 0;
        s.Write(bytes);
        s.Flush();
    }

    /// <summary>Closes the file descriptor; the file stays on disk until <see cref="Dispose"/>.</summary>
    public void Close()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <summary>Closes the file and deletes it unless <see cref="Keep"/> is set.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Close();
        if (!Keep)
        {
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

/// <summary>
/// A temporary directory created with <c>mkdtemp</c> (a fresh random name, mode 0700, never an existing path).
/// Files made inside it cannot be tampered with by other users. Deleted recursively on dispose unless
/// <see cref="Keep"/> is set.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    private bool _disposed;

    private TempDirectory(string path, bool keep)
    {
        Path = path;
        Keep = keep;
    }

    /// <summary>The absolute path of the directory.</summary>
    public string Path { get; }

    /// <summary>When true, <see cref="Dispose"/> leaves the directory on disk.</summary>
    public bool Keep { get; set; }

    /// <summary>Creates a new directory named <c>{prefix}XXXXXX</c> in <paramref name="parent"/> (default: the temporary directory).</summary>
    public static TempDirectory Create(string prefix = "lantern-", string? parent = null, bool keep = false)
    {
        TempFile.ValidateAffix(prefix, nameof(prefix));
        parent ??= System.IO.Path.GetTempPath();
        string template = System.IO.Path.GetFullPath(System.IO.Path.Combine(parent, prefix + "XXXXXX"));
        byte[] buffer = System.Text.Encoding.UTF8.GetBytes(template + "\0");
        nint result = LibC.Mkdtemp(buffer);
        if (result == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot create temporary directory in '{parent}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        string path = System.Text.Encoding.UTF8.GetString(buffer, 0, buffer.Length - 1);
        return new TempDirectory(path, keep);
    }

    /// <summary>
    /// Creates a file <paramref name="relativeName"/> (no directory separators other than into existing
    /// subdirectories) inside this directory, exclusively and with mode 0600, and writes <paramref name="text"/>.
    /// Returns its full path.
    /// </summary>
    public string WriteFile(string relativeName, string text)
    {
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, relativeName));
        if (!path.StartsWith(Path + "/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{relativeName}' is outside the temporary directory", nameof(relativeName));
        }

        WriteExclusive(path, System.Text.Encoding.UTF8.GetBytes(text));
        return path;
    }

    /// <summary>Creates <paramref name="path"/> with O_EXCL|O_NOFOLLOW and mode 0600 and writes <paramref name="bytes"/>; throws if it exists.</summary>
    internal static void WriteExclusive(string path, ReadOnlySpan<byte> bytes)
    {
        int fd = LibC.Open(path, LibC.OWronly | LibC.OCreat | LibC.OExcl | LibC.ONofollow | LibC.OCloexec, 0x180 /* 0600 */);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot create '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        using var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
        stream.Write(bytes);
    }

    /// <summary>Deletes the directory and everything in it unless <see cref="Keep"/> is set.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!Keep)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

/// <summary>Random file-name parts from a cryptographic generator (names must not be guessable).</summary>
internal static class RandomName
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public static string Next() => RandomNumberGenerator.GetString(Alphabet, 12);
}

/// <summary>
/// A directory only the user can write, for files Lantern writes and then loads (<c>--emit-so DIR</c>): nobody else can
/// replace such a file between the write and the load.
/// </summary>
public static class PrivateDirectory
{
    /// <summary>
    /// Makes sure <paramref name="path"/> is a directory (not a symbolic link) owned by the user and not writable by
    /// group or others; creates it with mode 0700 when missing, only its last component (its parent must exist).
    /// Returns the full path; throws <see cref="IOException"/> saying what is wrong otherwise.
    /// </summary>
    public static string Ensure(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!Exists(full, out _, out _))
        {
            string? parent = System.IO.Path.GetDirectoryName(full.TrimEnd('/'));
            if (parent is not null && !Directory.Exists(parent))
            {
                throw new IOException($"'{parent}' does not exist (only the last component of the directory is created)");
            }

            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (!Exists(full, out uint mode, out uint owner) || (mode & LibC.SIfmt) != LibC.SIfdir)
        {
            throw new IOException($"'{full}' is not a directory");
        }

        if (owner != LibC.GetEuid() || (mode & 0x12 /* 022 */) != 0)
        {
            throw new IOException($"'{full}' must be owned by you and writable by you alone (another user could replace what Lantern writes there)");
        }

        return full;
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="directory"/>/<paramref name="name"/> (a directory
    /// <see cref="Ensure"/> accepted) exclusively, with mode 0600, replacing a regular file of that name; refuses a
    /// directory or a symbolic link there. Returns the file's full path.
    /// </summary>
    public static string WriteFile(string directory, string name, ReadOnlySpan<byte> bytes)
    {
        string path = System.IO.Path.Combine(directory, name);
        if (Exists(path, out uint mode, out _))
        {
            if ((mode & LibC.SIfmt) != LibC.SIfreg)
            {
                throw new IOException($"'{path}' exists and is not a regular file");
            }

            File.Delete(path);
        }

        TempDirectory.WriteExclusive(path, bytes);
        return path;
    }

    private static unsafe bool Exists(string path, out uint mode, out uint owner)
    {
        byte* stat = stackalloc byte[LibC.StatSize];
        if (LibC.Lstat(path, stat) != 0)
        {
            mode = 0;
            owner = 0;
            return false;
        }

        mode = *(uint*)(stat + LibC.StatModeOffset);
        owner = *(uint*)(stat + LibC.StatUidOffset);
        return true;
    }
}
