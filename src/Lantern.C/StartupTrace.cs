using System.Diagnostics;
using System.Globalization;

namespace Lantern.C;

/// <summary>
/// Stopwatch logging of the start-up phases, behind <c>LANTERN_TRACE_STARTUP</c>. Set it to <c>1</c> to print, on
/// stderr, the time of each phase since the process entered <c>Main</c>; set it to the launch time in nanoseconds
/// since the Unix epoch (<c>LANTERN_TRACE_STARTUP=$(date +%s%N) ./lantern run x.c</c>) to also see the time
/// since launch (runtime start-up included). Each line also gives the number of methods the .NET JIT has compiled
/// so far (zero in the NativeAOT build; not zero when the library runs on CoreCLR, as in the tests) and the bytes allocated
/// on the GC heap so far (each new allocation region is cleared and faulted in: start-up time) and the number of garbage
/// collections so far. <c>LANTERN_TRACE_STARTUP=live</c> also collects fully at each mark and prints the bytes still
/// live (what the pipeline keeps, against what it allocates; the phase times leave the collections out, the
/// time since Main does not). Off,
/// <see cref="Mark"/> costs one static field read.
/// </summary>
public static class StartupTrace
{
    private static readonly bool s_enabled;
    private static readonly bool s_live;
    private static readonly long s_launchNs;
    private static readonly long s_start = Stopwatch.GetTimestamp();
    private static long s_last = s_start;

    static StartupTrace()
    {
        string? value = Environment.GetEnvironmentVariable("LANTERN_TRACE_STARTUP");
        s_enabled = value is { Length: > 0 } && value != "0";
        s_live = value == "live";
        if (s_enabled && value!.Length > 6 && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long ns))
        {
            s_launchNs = ns;
        }
    }

    /// <summary>True when <c>LANTERN_TRACE_STARTUP</c> is set.</summary>
    public static bool Enabled => s_enabled;

    /// <summary>Records that <paramref name="phase"/> just ended.</summary>
    public static void Mark(string phase)
    {
        if (s_enabled)
        {
            Write(phase);
        }
    }

    private static void Write(string phase)
    {
        long now = Stopwatch.GetTimestamp();
        double sinceMain = Stopwatch.GetElapsedTime(s_start, now).TotalMilliseconds;
        double phaseMs = Stopwatch.GetElapsedTime(s_last, now).TotalMilliseconds;
        string launch = "";
        if (s_live)
        {
            launch = string.Create(CultureInfo.InvariantCulture, $" live={GC.GetTotalMemory(forceFullCollection: true) / 1024}K");
            now = Stopwatch.GetTimestamp(); // the next phase's time starts after this collection
        }

        s_last = now;
        if (s_launchNs != 0)
        {
            long epochNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
            launch = string.Format(CultureInfo.InvariantCulture, " launch+{0,7:F1}", (epochNs - s_launchNs) / 1e6);
        }

        Console.Error.Write(string.Format(
            CultureInfo.InvariantCulture,
            "lantern-startup: {0,-28} {1,7:F2} ms  main+{2,7:F1}{3}  jitted={4} allocated={5}K (this thread {7}K) gcs={6}\n",
            phase,
            phaseMs,
            sinceMain,
            launch,
            System.Runtime.JitInfo.GetCompiledMethodCount(),
            GC.GetTotalAllocatedBytes() / 1024,
            GC.CollectionCount(0),
            GC.GetAllocatedBytesForCurrentThread() / 1024));
    }
}
