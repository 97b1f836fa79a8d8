using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Lantern.Observability.Elf;
using Lantern.Observability.Profiling;

namespace Lantern.Observability.Tests.Profiling;

/// <summary>
/// The sampler's pieces without a C program: the handler's range table from CFI, native symbolization through
/// /proc/self/maps and libc's ELF symbols, and each engine sampling a real thread of this process (a busy thread for
/// the CPU engines, a sleeping one for the wall-clock engine). The C end to end tests are in Lantern.Cli.Tests/Prof.
/// </summary>
[Collection("Sampler")] // one sampler per process at a time
public class SamplerTests
{
    [Fact]
    public void CodeRanges_FromStandardFramePointerCfi_SayWhereTheReturnAddressIs()
    {
        var f = new CodeInfo("f", 0x1000, 0x40);
        // push rbp @0, mov rbp,rsp @1, body @4.., epilogue: mov rsp,rbp @0x30, pop rbp @0x33, ret @0x34, more code after
        f.AddCfi(Cfi.StandardFramePointer(0, 1, 0x33));
        List<CodeRange> ranges = CodeRanges.Build([f]);
        Assert.Equal(
        [
            new CodeRange(0x1000, 0x1001, SamplingHandler.KindReturnAtRsp),
            new CodeRange(0x1001, 0x1004, SamplingHandler.KindReturnAtRsp8),
            new CodeRange(0x1004, 0x1034, SamplingHandler.KindFramePointer),
            new CodeRange(0x1034, 0x1035, SamplingHandler.KindReturnAtRsp),
            new CodeRange(0x1035, 0x1040, SamplingHandler.KindFramePointer),
        ], ranges);
    }

    [Fact]
    public void CodeRanges_AreSortedAcrossFunctions()
    {
        var g = new CodeInfo("g", 0x2000, 0x10);
        g.AddCfi(Cfi.StandardFramePointer(0, 1, 0xE));
        var f = new CodeInfo("f", 0x1000, 0x10);
        f.AddCfi(Cfi.StandardFramePointer(0, 1, 0xE));
        List<CodeRange> ranges = CodeRanges.Build([g, f]);
        Assert.Equal(0x1000UL, ranges[0].Low);
        Assert.Equal(0x2010UL, ranges[^1].High);
        Assert.True(ranges.Zip(ranges.Skip(1)).All(p => p.First.High <= p.Second.Low));
    }

    [Fact]
    public void Symbolizer_NamesALibcFunctionAndItsModule()
    {
        nint libc = NativeLibrary.Load("libc.so.6");
        nint getpid = NativeLibrary.GetExport(libc, "getpid");
        var symbolizer = new Symbolizer([]);
        ProfileFrame leaf = symbolizer.Symbolize((ulong)getpid + 1, isLeaf: true);
        Assert.Contains("getpid", leaf.Function);
        Assert.Equal("libc.so.6", leaf.Module);
        Assert.Null(leaf.File);
        ProfileFrame caller = symbolizer.Symbolize((ulong)getpid + 2, isLeaf: false); // looked up at address - 1
        Assert.Equal(leaf.Function, caller.Function);
        Assert.Equal("[unknown]", symbolizer.Symbolize(8, isLeaf: true).Module);
    }

    [Fact]
    public void Symbolizer_NamesLibcsStaticFunctions_AsElfutilsDoes()
    {
        // addresses spread over libc's code, named by eu-addr2line -S (symbol+offset; it finds libc6-dbg's debug file itself);
        // an alias of the same function (same start: eu-addr2line -S says name+offset) counts as the same name
        const string libcPath = "/lib/x86_64-linux-gnu/libc.so.6";
        ElfFile libc = ElfFile.Load(libcPath);
        ElfSection text = libc.FindSection(".text")!;
        ulong loadBase = File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 6 && p[5].EndsWith("/libc.so.6", StringComparison.Ordinal) && p[2].Trim('0').Length == 0)
            .Select(p => Convert.ToUInt64(p[0].Split('-')[0], 16)).First();
        ulong[] offsets = Enumerable.Range(0, 60).Select(i => text.Address + 0x40 + ((text.Size - 0x80) * (ulong)i / 60)).ToArray();
        var symbolizer = new Symbolizer([]);
        string[] lines = ToolRunner.Run("eu-addr2line", "elfutils", ["-S", "-e", libcPath, .. offsets.Select(o => $"0x{o:x}")])
            .Stdout.Split('\n');
        var starts = (DebugFiles.Find(libcPath, libc) is string debug ? ElfFile.Load(debug).Symbols : libc.Symbols)
            .Where(s => s.Type == ElfConst.SttFunc).ToLookup(s => s.Name, s => s.Value);
        int named = 0, local = 0;
        for (int i = 0; i < offsets.Length; i++)
        {
            Match m = Regex.Match(lines[2 * i], @"^(\S+)\+0x([0-9a-f]+)$");
            Assert.True(m.Success, lines[2 * i]);
            string theirs = m.Groups[1].Value;
            string ours = symbolizer.Symbolize(loadBase + offsets[i], isLeaf: true).Function;
            if (theirs == "()")
            {
                Assert.Equal($"libc.so.6+0x{offsets[i]:x}", ours); // in no symbol's range (between or inside assembly)
                continue;
            }

            ulong start = offsets[i] - Convert.ToUInt64(m.Groups[2].Value, 16);
            Assert.True(ours == theirs || starts[ours].Contains(start), $"0x{offsets[i]:x}: ours {ours}, eu-addr2line {theirs}");
            named++;
            local += libc.Symbols.Any(s => s.Name == ours) ? 0 : 1;
        }

        Assert.True(named >= 40, $"only {named} of {offsets.Length} addresses named by eu-addr2line");
        Assert.True(local >= 10, $"only {local} static functions (not in .dynsym): is libc6-dbg installed?");
    }

    [Theory]
    [InlineData(SamplingEngine.PerfEvent, "perf_event cpu-clock")]
    [InlineData(SamplingEngine.ThreadCpuTimer, "timer_create CLOCK_THREAD_CPUTIME_ID")]
    public void Engine_SamplesABusyThread_AndStatesExpectedAndReceived(SamplingEngine engine, string name)
    {
        using var sampler = new Sampler([], new SamplerOptions { Hz = 200, Engine = engine });
        RunOnThread(() =>
        {
            Assert.True(sampler.StartCurrentThread());
            Spin(TimeSpan.FromMilliseconds(600));
            sampler.Stop();
        });
        RawProfile raw = sampler.Collect();
        Assert.Equal(name, raw.Engine);
        Assert.Equal(200, raw.RequestedHz);
        // 600 ms of thread CPU time at 200 Hz: about 120 samples expected
        Assert.InRange(raw.Expected, 110, 150);
        Assert.Equal(raw.Received, raw.Stacks.Count);
        Assert.Equal(0, raw.Dropped);
        Assert.True(raw.Received >= (engine == SamplingEngine.PerfEvent ? raw.Expected * 7 / 10 : 5), $"received {raw.Received} of {raw.Expected}");
        Assert.All(raw.Stacks, s => Assert.NotEmpty(s));

        // the leaves are in this process's code: the runtime or the managed code it generated
        Profile profile = new Symbolizer([]).BuildProfile(raw, "test");
        Assert.Equal(raw.Received, profile.TotalSamples);
        Assert.All(profile.Stacks, s => Assert.NotEqual("[unknown]", s.Frames[^1].Module));
    }

    [Fact]
    public void PerfEvent_OnlyTheFirstPeriodIsTheRandomFirstExpiry()
    {
        // perf_event's counter keeps the period it was opened with (here the first expiry, 1 ms) until the handler
        // re-arms it: the second period must already be the jittered 20 ms one, or the first samples come in a burst
        using var sampler = new Sampler([], new SamplerOptions { Hz = 50, Engine = SamplingEngine.PerfEvent, FirstExpiryNs = 1_000_000 });
        RunOnThread(() =>
        {
            Assert.True(sampler.StartCurrentThread());
            Spin(TimeSpan.FromMilliseconds(300));
            sampler.Stop();
        });
        RawProfile raw = sampler.Collect();
        // 300 ms at 50 Hz: 15 expected, 1 + 300/20 at most received
        Assert.InRange(raw.Expected, 14, 20);
        Assert.True(raw.Received <= raw.Expected + 2, $"received {raw.Received} of {raw.Expected}");
        Assert.True(raw.Received >= raw.Expected * 7 / 10, $"received {raw.Received} of {raw.Expected}");
    }

    [Fact]
    public void Handler_IgnoresSignalsOnThreadsItDoesNotSample()
    {
        using var sampler = new Sampler([], new SamplerOptions { Hz = 1, Engine = SamplingEngine.PerfEvent, FirstExpiryNs = 10_000_000_000 });
        int other = 0;
        using var otherReady = new ManualResetEventSlim();
        using var otherGo = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            other = Gettid();
            otherReady.Set();
            otherGo.Wait();
        });
        thread.Start();
        otherReady.Wait();
        RunOnThread(() =>
        {
            Assert.True(sampler.StartCurrentThread());
            int self = Gettid();
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(0, Tgkill(Environment.ProcessId, other, 27 /* SIGPROF */));
            }

            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(0, Tgkill(Environment.ProcessId, self, 27));
                Spin(TimeSpan.FromMilliseconds(2));
            }

            sampler.Stop();
        });
        otherGo.Set();
        thread.Join();
        RawProfile raw = sampler.Collect();
        Assert.Equal(5, raw.Received);
        Assert.Equal(5, raw.Stacks.Count);
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int Gettid();

    [DllImport("libc", EntryPoint = "tgkill")]
    private static extern int Tgkill(int tgid, int tid, int sig);

    [Fact]
    public void Wall_SamplesABlockedThreadWithoutCuttingItsSleepShort()
    {
        using var sampler = new Sampler([], new SamplerOptions { Hz = 500, Engine = SamplingEngine.Wall });
        TimeSpan slept = TimeSpan.Zero;
        RunOnThread(() =>
        {
            Assert.True(sampler.StartCurrentThread());
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Usleep(400_000); // one system call: a signal would end it early with EINTR
            slept = clock.Elapsed;
            sampler.Stop();
        });
        RawProfile raw = sampler.Collect();
        Assert.True(raw.Wall);
        Assert.True(slept >= TimeSpan.FromMilliseconds(395), $"slept only {slept}");
        Profile profile = new Symbolizer([]).BuildProfile(raw, "test");
        long inLibc = profile.Stacks.Where(s => s.Frames[^1].Module == "libc.so.6").Sum(s => s.Count);
        Assert.True(inLibc >= 100, $"{inLibc} samples in libc of {raw.Received} ({raw.Expected} expected)");
    }

    [DllImport("libc", EntryPoint = "usleep")]
    private static extern int Usleep(uint microseconds);

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern unsafe int ClockGettime(int clock, long* ts);

    private static unsafe double ThreadCpuSeconds()
    {
        long* ts = stackalloc long[2];
        ClockGettime(3 /* CLOCK_THREAD_CPUTIME_ID */, ts);
        return ts[0] + (ts[1] / 1e9);
    }

    /// <summary>Burns <paramref name="cpu"/> of this thread's CPU time (however loaded the machine is).</summary>
    private static void Spin(TimeSpan cpu)
    {
        double end = ThreadCpuSeconds() + cpu.TotalSeconds;
        double x = 1;
        while (ThreadCpuSeconds() < end)
        {
            for (int i = 0; i < 10000; i++)
            {
                x = (x * 1.0000001) + 1e-9;
            }
        }

        GC.KeepAlive(x);
    }

    private static void RunOnThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException(failure.ToString());
        }
    }
}
