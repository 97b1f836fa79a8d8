using System.Runtime.InteropServices;
using Xunit;

namespace Lantern.C.Tests.Interp;

/// <summary>
/// Captures what native code writes to file descriptor 1 (C programs print with libc, not Console) by
/// pointing fd 1 at a temporary file around the run.
/// </summary>
internal static partial class NativeStdout
{
    private const int OWronly = 1;
    private const int OCreat = 0x40;
    private const int OTrunc = 0x200;

    [LibraryImport("libc", EntryPoint = "dup")]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2")]
    private static partial int Dup2(int fd, int fd2);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fflush")]
    private static partial int Fflush(nint stream);

    public static (int Status, string Output) Capture(Func<int> run)
    {
        Console.Out.Flush();
        Fflush(0);
        string path = Path.Combine(Path.GetTempPath(), $"lantern-stdout-{Environment.ProcessId}-{Guid.NewGuid():N}");
        int fd = Open(path, OWronly | OCreat | OTrunc, Convert.ToInt32("600", 8));
        Assert.True(fd >= 0, "cannot open " + path);
        int saved = Dup(1);
        Dup2(fd, 1);
        Close(fd);
        int status;
        try
        {
            status = run();
        }
        finally
        {
            Fflush(0);
            Dup2(saved, 1);
            Close(saved);
        }

        string text = File.ReadAllText(path);
        File.Delete(path);
        return (status, text);
    }
}

/// <summary>Tests that redirect the process's fd 1 must not run in parallel with each other.</summary>
[CollectionDefinition("native stdout", DisableParallelization = true)]
public sealed class NativeStdoutCollection
{
}
