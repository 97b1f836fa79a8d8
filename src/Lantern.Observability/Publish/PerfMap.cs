using System.Globalization;
using System.Text;
using Lantern.Observability.Interop;

namespace Lantern.Observability.Publish;

/// <summary>
/// The perf map (tools/perf/Documentation/jit-interface.txt): <c>/tmp/perf-PID.map</c>, one line per function,
/// <c>START SIZE symbolname</c> with START and SIZE in hex. perf reads it when it symbolizes samples in anonymous
/// executable memory of process PID. The file is created with O_EXCL|O_NOFOLLOW (mode 0600) on first use and
/// appended to after; perf expects this exact name, so it is left on disk (as every JIT does).
/// </summary>
public sealed class PerfMap
{
    private static readonly object s_lock = new();
    private static PerfMap? s_instance;
    private readonly FileStream _stream;

    private PerfMap(FileStream stream)
    {
        _stream = stream;
    }

    /// <summary>The map of this process (created at the first call).</summary>
    public static PerfMap Instance
    {
        get
        {
            lock (s_lock)
            {
                if (s_instance is null)
                {
                    string path = PathFor(Environment.ProcessId);
                    // A stale map of an earlier process with the same pid is ours to replace only if it is a regular file we own.
                    if (File.Exists(path) && !File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint))
                    {
                        try
                        {
                            File.Delete(path);
                        }
                        catch (IOException)
                        {
                        }
                        catch (UnauthorizedAccessException)
                        {
                        }
                    }

                    s_instance = new PerfMap(CreateExclusive(path));
                }

                return s_instance;
            }
        }
    }

    /// <summary>Creates <paramref name="path"/> with O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0600.</summary>
    internal static FileStream CreateExclusive(string path)
    {
        int fd = LibC.Open(path, LibC.ORdwr | LibC.OCreat | LibC.OExcl | LibC.ONofollow | LibC.OCloexec, 0x180);
        if (fd < 0)
        {
            throw new IOException($"cannot create '{path}': {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
        }

        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0);
    }

    /// <summary>The map file perf reads for process <paramref name="pid"/>.</summary>
    public static string PathFor(int pid) => $"/tmp/perf-{pid}.map";

    /// <summary>One line per function of <paramref name="unit"/>.</summary>
    public static string Format(CompilationUnitInfo unit)
    {
        var sb = new StringBuilder();
        foreach (CodeInfo f in unit.Functions)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{f.Address:x} {f.Size:x} {f.SymbolName}\n");
        }

        return sb.ToString();
    }

    /// <summary>Appends the functions of <paramref name="unit"/> and flushes.</summary>
    public void Add(CompilationUnitInfo unit)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Format(unit));
        lock (s_lock)
        {
            _stream.Write(bytes);
            _stream.Flush();
        }
    }
}
