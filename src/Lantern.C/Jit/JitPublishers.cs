using Lantern.Observability;
using Lantern.Observability.Elf;
using Lantern.Observability.Publish;

namespace Lantern.C.Jit;

/// <summary>
/// Tells the system about a compiled module through the publishers switched on by environment variables
/// (set by <c>lantern run --gdb / --perf-map / --jitdump</c>): <c>LANTERN_GDB=1</c> registers one symfile for the whole module
/// with the GDB JIT interface (unregistered on dispose), <c>LANTERN_PERF_MAP=1</c> appends the functions to
/// <c>/tmp/perf-PID.map</c>, <c>LANTERN_JITDUMP=1</c> writes the functions to perf's jit-PID.dump. Unless <c>LANTERN_UNWIND=0</c>, the CFI is
/// registered with libgcc's unwinder (<c>__register_frame</c>), so glibc's <c>backtrace()</c> walks JIT frames.
/// </summary>
public static class JitPublishers
{
    /// <summary>True if the environment variable <paramref name="name"/> is set to something other than "" or "0".</summary>
    public static bool IsOn(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v && v != "0";

    /// <summary>Publishes <paramref name="jit"/>; dispose the result when the code is freed.</summary>
    public static IDisposable Publish(JitModule jit)
    {
        var registrations = new List<IDisposable>();
        bool gdb = IsOn("LANTERN_GDB");
        bool perfMap = IsOn("LANTERN_PERF_MAP");
        bool jitDump = IsOn("LANTERN_JITDUMP");
        bool unwind = Environment.GetEnvironmentVariable("LANTERN_UNWIND") != "0";
        if (!gdb && !perfMap && !jitDump && !unwind)
        {
            return new Registrations(registrations);
        }

        CompilationUnitInfo unit = JitDebugInfo.Build(jit);
        if (perfMap)
        {
            PerfMap.Instance.Add(unit);
        }

        if (unwind)
        {
            registrations.Add(UnwindRegistration.Register(unit));
        }

        if (jitDump)
        {
            JitDump.Instance.Add(unit, f =>
            {
                var bytes = new byte[f.Size];
                System.Runtime.InteropServices.Marshal.Copy((nint)f.Address, bytes, 0, bytes.Length);
                return bytes;
            });
        }

        if (gdb)
        {
            registrations.Add(GdbJitInterface.Instance.Register(ElfWriter.WriteSymfile(unit)));
        }

        return new Registrations(registrations);
    }

    private sealed class Registrations(List<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (IDisposable item in items)
            {
                item.Dispose();
            }

            items.Clear();
        }
    }
}
