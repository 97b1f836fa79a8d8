using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lantern.Cli.Tests.Tools;
using Lantern.Observability;

namespace Lantern.Cli.Tests.Prof;

/// <summary>
/// <c>lantern prof</c> end to end: the real CLI samples real C programs. The stack walk must be right wherever the
/// signal lands (a storm of tiny functions), the shares of calibrated work must come out (70/20/10 within 3
/// points) and agree with perf through jitdump (within 5 points), and a crash, a timeout or bad arguments behave.
/// </summary>
public sealed class ProfCommandTests : IDisposable
{
    /// <summary>Per round, a() runs 7 units of the same loop, b() 2 units, c() 1 unit: 70/20/10 of the time.</summary>
    public const string Shares = """
        static volatile unsigned long sink;

        void a(void)
        {
            unsigned long x = sink;
            for (unsigned long i = 0; i < 7 * 20000; i++)
                x = x * 6364136223846793005UL + 1442695040888963407UL;
            sink = x;
        }

        void b(void)
        {
            unsigned long x = sink;
            for (unsigned long i = 0; i < 2 * 20000; i++)
                x = x * 6364136223846793005UL + 1442695040888963407UL;
            sink = x;
        }

        void c(void)
        {
            unsigned long x = sink;
            for (unsigned long i = 0; i < 1 * 20000; i++)
                x = x * 6364136223846793005UL + 1442695040888963407UL;
            sink = x;
        }

        int main(void)
        {
            for (int round = 0; round < 4000; round++)
            {
                a();
                b();
                c();
            }
            return 0;
        }
        """;

    /// <summary>Tiny functions: at a high rate many signals land on first instructions, prologues and epilogues.</summary>
    private const string Storm = """
        static int f0(int x) { return x + 1; }
        static int f1(int x) { return f0(x) ^ 3; }
        static int f2(int x) { return f1(x) + f0(x); }
        static int f3(int x) { return f2(x) - f1(x); }
        int main(void)
        {
            int s = 0;
            for (int i = 0; i < 8000000; i++)
                s += f3(i);
            return s == 12345 ? 1 : 0;
        }
        """;

    private readonly TempDirectory _dir = TempDirectory.Create("lantern-prof-test-");

    public void Dispose() => _dir.Dispose();

    private ProcessResult Lantern(params string[] args) => LanternProcess.Run(args, workingDirectory: _dir.Path, timeoutSeconds: 300);

    private static JsonElement Json(ProcessResult r)
    {
        string line = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonDocument.Parse(line).RootElement;
    }

    /// <summary>Self samples per function name, from the --json summary.</summary>
    private static Dictionary<string, long> SelfCounts(JsonElement json)
        => json.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("self").GetInt64());

    [Fact]
    public void Prof_SignalStormOnTinyFunctions_EveryJitStackUnwindsToMain()
    {
        _dir.WriteFile("storm.c", Storm);
        ProcessResult r = Lantern("prof", "-F", "20000", "--json", "--format", "folded", "-o", "storm", "storm.c");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonElement json = Json(r);
        long samples = json.GetProperty("samples").GetInt64();
        Assert.True(samples >= 500, r.ToString());

        // every stack: root first; a stack whose leaf is JIT code must start at main and contain only JIT frames
        string[] folded = File.ReadAllLines(Path.Combine(_dir.Path, "storm.folded"));
        long jitLeaf = 0, other = 0;
        var jitNames = new HashSet<string> { "main", "f0", "f1", "f2", "f3" };
        foreach (string line in folded)
        {
            int space = line.LastIndexOf(' ');
            string[] frames = line[..space].Split(';');
            long count = long.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            if (!jitNames.Contains(frames[^1]))
            {
                other += count;
                continue;
            }

            jitLeaf += count;
            Assert.True(frames[0] == "main" && frames.All(jitNames.Contains), $"stack does not unwind to main: {line}\n{string.Join('\n', folded)}");
            // the call structure holds: f0 is called by f1 or f2, f1 by f2 or f3, f2 by f3, f3 by main
            for (int i = 1; i < frames.Length; i++)
            {
                string expectedCaller = frames[i] switch { "f3" => "main", "f2" => "f3", "f1" => "f2|f3", "f0" => "f1|f2", _ => "?" };
                Assert.True(expectedCaller.Split('|').Contains(frames[i - 1]), $"impossible caller in {line}");
            }
        }

        // a few samples may land in the runtime (thread start); almost all are in the program
        Assert.True(other * 50 <= jitLeaf, $"{other} samples outside JIT code, {jitLeaf} in it");
        foreach (string f in new[] { "f0", "f1", "f2", "f3" })
        {
            Assert.True(SelfCounts(json).GetValueOrDefault(f) > 0, $"no sample in {f}: {r.Stdout}");
        }
    }

    [Fact]
    public void Prof_CalibratedShares_ComeOutWithinThreePoints()
    {
        _dir.WriteFile("shares.c", Shares);
        // 4 kHz: ~4,300 samples in the one-second run. The share of a() measured on this VM: 68.4-71.2% over eight
        // runs at 4 kHz (sd 1.1 point); 66.9-72.4% over ten at 2 kHz (sd 1.4), where the 3-point band failed in CI
        ProcessResult r = Lantern("prof", "-F", "4000", "--json", "shares.c");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonElement json = Json(r);
        Assert.Equal("perf_event cpu-clock", json.GetProperty("engine").GetString());
        Dictionary<string, long> self = SelfCounts(json);
        double total = self["a"] + self["b"] + self["c"];
        Assert.True(total >= 2000, r.ToString());
        AssertShare(70, self["a"] / total, r);
        AssertShare(20, self["b"] / total, r);
        AssertShare(10, self["c"] / total, r);

        // the profile states what it measured: samples received close to the expected count
        long expected = json.GetProperty("expected").GetInt64();
        long received = json.GetProperty("received").GetInt64();
        Assert.True(received >= expected * 0.8 && received <= expected * 1.1, $"received {received}, expected {expected}");
        Assert.Equal(0, json.GetProperty("dropped").GetInt64());
    }

    private static void AssertShare(double expectedPercent, double share, ProcessResult r)
        => Assert.True(Math.Abs(share * 100 - expectedPercent) <= 3, $"share {share * 100:F1}% instead of {expectedPercent}%\n{r}");

    [Fact]
    public void Prof_AgreesWithPerfThroughJitDump_WithinFivePoints()
    {
        string perf = ToolCheck.Require("perf", "linux-perf");
        _dir.WriteFile("shares.c", Shares);
        ProcessResult ours = Lantern("prof", "-F", "2000", "--json", "shares.c");
        Assert.True(ours.ExitCode == 0, ours.ToString());
        Dictionary<string, long> self = SelfCounts(Json(ours));

        var environment = new Dictionary<string, string?> { ["DOTNET_EnableWriteXorExecute"] = "0", ["JITDUMPDIR"] = _dir.Path };
        string data = Path.Combine(_dir.Path, "perf.data");
        string injected = Path.Combine(_dir.Path, "perf.jit.data");
        ProcessResult record = LanternProcess.RunProcess(perf,
            ["record", "-k", "1", "-F", "2000", "-e", "cpu-clock", "-o", data, "--", LanternProcess.Launcher, "run", "--jitdump", "shares.c"],
            environment: environment, workingDirectory: _dir.Path, timeoutSeconds: 300);
        Assert.True(record.ExitCode == 0, record.ToString());
        ProcessResult inject = LanternProcess.RunProcess(perf, ["inject", "--jit", "-i", data, "-o", injected], environment: environment, workingDirectory: _dir.Path);
        Assert.True(inject.ExitCode == 0, inject.ToString());
        ProcessResult report = LanternProcess.RunProcess(perf, ["report", "-i", injected, "--sort", "sym", "--stdio"], environment: environment, workingDirectory: _dir.Path);
        Assert.True(report.ExitCode == 0, report.ToString());
        var perfShares = new Dictionary<string, double>();
        foreach (Match m in Regex.Matches(report.Stdout, @"^\s*(\d+\.\d+)%\s+\[\.\]\s+(a|b|c)\s*$", RegexOptions.Multiline))
        {
            perfShares[m.Groups[2].Value] = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        Assert.True(perfShares.Count == 3, report.Stdout);
        double perfTotal = perfShares.Values.Sum();
        double ourTotal = self["a"] + self["b"] + self["c"];
        foreach (string f in new[] { "a", "b", "c" })
        {
            double theirs = 100 * perfShares[f] / perfTotal;
            double mine = 100 * self[f] / ourTotal;
            Assert.True(Math.Abs(theirs - mine) <= 5, $"{f}: perf {theirs:F1}%, lantern prof {mine:F1}%\n{report.Stdout}\n{ours.Stdout}");
        }
    }

    [Fact]
    public void Prof_TimerEngine_StillSamples()
    {
        _dir.WriteFile("shares.c", Shares);
        ProcessResult r = Lantern("prof", "--engine", "timer", "-F", "100", "--json", "shares.c");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonElement json = Json(r);
        Assert.Equal("timer_create CLOCK_THREAD_CPUTIME_ID", json.GetProperty("engine").GetString());
        Assert.True(json.GetProperty("received").GetInt64() >= 20, r.ToString());
        Assert.True(SelfCounts(json).GetValueOrDefault("a") > 0, r.ToString());
    }

    [Fact]
    public void Prof_Wall_CountsBlockedTime_WithoutCuttingTheSleepShort()
    {
        _dir.WriteFile("sleepy.c", """
            #include <stdio.h>
            #include <time.h>
            #include <unistd.h>
            static volatile unsigned long sink;
            void burn(void) { for (unsigned long i = 0; i < 20000000; i++) sink += i; }
            void nap(void) { usleep(600000); }
            int main(void)
            {
                struct timespec t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                burn();
                nap();
                clock_gettime(CLOCK_MONOTONIC, &t1);
                printf("%.3f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
                return 0;
            }
            """);
        ProcessResult r = Lantern("prof", "--wall", "-F", "500", "--json", "sleepy.c");
        Assert.True(r.ExitCode == 0, r.ToString());
        double elapsed = double.Parse(r.Stdout.Split('\n')[0], CultureInfo.InvariantCulture);
        Assert.True(elapsed >= 0.6, $"the program's sleep was cut short: {elapsed} s\n{r}");
        JsonElement json = Json(r);
        Assert.True(json.GetProperty("wall").GetBoolean());
        // 0.6 s asleep at 500 Hz: about 300 samples in nap (blocked in libc), none of which a CPU profiler sees
        long napSamples = json.GetProperty("stacks").EnumerateArray()
            .Where(s => s.GetProperty("frames").EnumerateArray().Select(f => f.GetString()).SequenceEqual(["main", "nap", .. s.GetProperty("frames").EnumerateArray().Skip(2).Select(f => f.GetString())])
                && s.GetProperty("frames").GetArrayLength() >= 3)
            .Sum(s => s.GetProperty("count").GetInt64());
        Assert.True(napSamples >= 200, $"{napSamples} samples in main;nap;...\n{r.Stdout}");
        Assert.True(SelfCounts(json).GetValueOrDefault("burn") > 0, r.Stdout);
    }

    [Fact]
    public void Prof_ThreadsTheProgramCreates_AreSampledToo()
    {
        _dir.WriteFile("threads.c", """
            #include <pthread.h>
            #include <stdio.h>
            static volatile unsigned long sink1, sink2;
            void *worker(void *arg)
            {
                for (unsigned long i = 0; i < 200000000; i++) sink1 += i;
                return arg;
            }
            void mainwork(void)
            {
                for (unsigned long i = 0; i < 100000000; i++) sink2 += i;
            }
            int main(void)
            {
                pthread_t t;
                pthread_create(&t, 0, worker, 0);
                mainwork();
                pthread_join(t, 0);
                printf("done\n");
                return 0;
            }
            """);
        ProcessResult r = Lantern("prof", "--json", "--format", "folded", "-o", "threads", "threads.c");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("done\n", r.Stdout);
        string folded = File.ReadAllText(Path.Combine(_dir.Path, "threads.folded"));
        // the worker's stacks start at its start routine, the main thread's at main
        ToolCheck.Has(folded, @"(?m)^worker \d+$");
        ToolCheck.Has(folded, @"(?m)^main;mainwork \d+$");
        Dictionary<string, long> self = SelfCounts(Json(r));
        Assert.True(self["worker"] > self["mainwork"], r.Stdout); // twice the work
    }

    [Fact]
    public void Prof_DefaultOutputs_TextSummaryOnStdoutAndAFlameGraphFile()
    {
        _dir.WriteFile("shares.c", Shares);
        ProcessResult r = Lantern("prof", "shares.c");
        Assert.True(r.ExitCode == 0, r.ToString());
        ToolCheck.Has(r.Stdout, @"engine: +perf_event cpu-clock");
        ToolCheck.Has(r.Stdout, @"Top functions by self samples");
        ToolCheck.Has(r.Stdout, @"\d+\.\d+%? +a\b");
        ToolCheck.Has(r.Stderr, @"lantern prof: \d+ samples \(\d+ expected, 0 dropped(, \d+ outside the program)?\).*; wrote shares\.prof\.svg");
        string svg = File.ReadAllText(Path.Combine(_dir.Path, "shares.prof.svg"));
        ToolCheck.HasText(svg, "<svg");
        ToolCheck.HasText(svg, ">a");
    }

    [Fact]
    public void Prof_ProgramThatCrashes_StillWritesItsProfile_AndExitsWithTheSignal()
    {
        _dir.WriteFile("crash.c", """
            static volatile unsigned long sink;
            static void spin(unsigned long n) { for (unsigned long i = 0; i < n; i++) sink += i; }
            static void boom(int *p) { spin(40000000); *p = 1; }
            int main(void) { boom(0); return 0; }
            """);
        ProcessResult r = Lantern("prof", "--format", "folded", "-o", "crash", "crash.c");
        Assert.True(r.ExitCode == 139, r.ToString());
        ToolCheck.HasText(r.Stderr, "SIGSEGV");
        string folded = File.ReadAllText(Path.Combine(_dir.Path, "crash.folded"));
        ToolCheck.Has(folded, @"(?m)^main;boom;spin \d+$");
    }

    [Fact]
    public void Prof_Timeout_StopsTheProgram_AndStillWritesItsProfile()
    {
        _dir.WriteFile("forever.c", """
            static volatile unsigned long sink;
            void spin(void) { for (;;) sink++; }
            int main(void) { spin(); return 0; }
            """);
        ProcessResult r = Lantern("prof", "--timeout", "2", "--format", "folded,text", "-o", "forever", "forever.c");
        Assert.True(r.ExitCode == 124, r.ToString());
        ToolCheck.HasText(r.Stderr, "timeout after 2 s");
        ToolCheck.Has(File.ReadAllText(Path.Combine(_dir.Path, "forever.folded")), @"(?m)^main;spin \d+$");
        ToolCheck.Has(File.ReadAllText(Path.Combine(_dir.Path, "forever.txt")), @"spin");
    }

    [Fact]
    public void Prof_ExitStatus_IsTheProgramsStatus()
    {
        _dir.WriteFile("seven.c", "int main(void) { return 7; }");
        ProcessResult r = Lantern("prof", "--format", "folded", "-o", "seven", "seven.c");
        Assert.True(r.ExitCode == 7, r.ToString());
        Assert.True(File.Exists(Path.Combine(_dir.Path, "seven.folded")));
    }

    [Theory]
    [InlineData("--format", "gif", "unknown profile format 'gif'")]
    [InlineData("-F", "0", "bad sampling rate '0'")]
    [InlineData("--rate", "fast", "bad sampling rate 'fast'")]
    [InlineData("-F", "1e9", "bad sampling rate '1e9'")]
    [InlineData("--timeout", "-1", "--timeout wants a number of seconds above 0")]
    [InlineData("--timeout", "1e9", "--timeout wants a number of seconds above 0 and at most 2147483")]
    public void Prof_BadArguments_ClearErrorAndExitTwo(string option, string value, string message)
    {
        _dir.WriteFile("seven.c", "int main(void) { return 7; }");
        ProcessResult r = Lantern("prof", option, value, "seven.c");
        Assert.True(r.ExitCode == 2, r.ToString());
        ToolCheck.HasText(r.Stderr, message);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Prof_UnknownOptionOrNoProgram_ExitTwo()
    {
        ProcessResult unknown = Lantern("prof", "--bogus", "x.c");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        ToolCheck.HasText(unknown.Stderr, "unrecognized option '--bogus'");
        ProcessResult none = Lantern("prof");
        Assert.True(none.ExitCode == 2, none.ToString());
        ToolCheck.HasText(none.Stderr, "no program file given");
    }
}
