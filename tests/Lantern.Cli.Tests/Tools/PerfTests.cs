using Lantern.Observability;

namespace Lantern.Cli.Tests.Tools;

/// <summary>
/// perf (software event cpu-clock) on a CPU-bound C program: with <c>--perf-map</c> <c>perf report</c> names the
/// JIT functions; with <c>--jitdump</c>, after <c>perf inject --jit</c>, it shows them with their source lines and
/// <c>perf annotate</c> shows their code. CoreCLR's own double-mapped code (memfd:doublemapper) makes perf's
/// srcline lookup give up, so the tests run with <c>DOTNET_EnableWriteXorExecute=0</c>.
/// </summary>
public class PerfTests
{
    private static readonly string s_program = ToolCheck.BurnProgram(rounds: 40, n: 2000000);

    private static readonly Dictionary<string, string?> s_environment = new() { ["DOTNET_EnableWriteXorExecute"] = "0" };

    private static ProcessResult Perf(TempDirectory dir, params string[] args)
    {
        string perf = ToolCheck.Require("perf", "linux-perf");
        ProcessResult r = LanternProcess.RunProcess(perf, args, environment: s_environment, workingDirectory: dir.Path, timeoutSeconds: 300);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [Fact]
    public void Perf_PerfMap_ReportNamesTheCFunctions()
    {
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-perf-");
        string file = dir.WriteFile("spin.c", s_program);
        string data = Path.Combine(dir.Path, "perf.data");
        ProcessResult run = Perf(dir, "record", "-e", "cpu-clock", "-o", data, "--", LanternProcess.Launcher, "run", "--perf-map", file);
        Assert.Contains("159999880", run.Stdout);
        ProcessResult report = Perf(dir, "report", "-i", data, "--sort", "sym", "--stdio");
        Assert.Matches(@"\d+\.\d+% +\[\.\] burn\n", report.Stdout);
    }

    [Fact]
    public void Perf_JitDump_InjectReportShowsNamesAndSourceLinesAndAnnotate()
    {
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-perf-");
        string file = dir.WriteFile("spin.c", s_program);
        string data = Path.Combine(dir.Path, "perf.data");
        string injected = Path.Combine(dir.Path, "perf.jit.data");
        var environment = new Dictionary<string, string?>(s_environment) { ["JITDUMPDIR"] = dir.Path };
        ProcessResult run = LanternProcess.RunProcess(ToolCheck.Require("perf", "linux-perf"),
            ["record", "-k", "1", "-e", "cpu-clock", "-o", data, "--", LanternProcess.Launcher, "run", "--jitdump", file],
            environment: environment, workingDirectory: dir.Path, timeoutSeconds: 300);
        Assert.True(run.ExitCode == 0, run.ToString());
        string dump = Assert.Single(Directory.GetFiles(dir.Path, "jit-*.dump", SearchOption.AllDirectories));
        Assert.Matches(@"jit-\d+\.dump$", dump);
        Perf(dir, "inject", "--jit", "-i", data, "-o", injected);
        Assert.NotEmpty(Directory.GetFiles(Path.GetDirectoryName(dump)!, "jitted-*.so"));
        ProcessResult report = Perf(dir, "report", "-i", injected, "--sort", "sym,srcline", "--stdio");
        Assert.Matches(@"\d+\.\d+% +\[\.\] burn +spin\.c:[56]\n", report.Stdout);
        ProcessResult dso = Perf(dir, "report", "-i", injected, "--sort", "dso,sym", "--stdio");
        Assert.Matches(@"jitted-\d+-\d+\.so +\[\.\] burn", dso.Stdout);
        ProcessResult annotate = Perf(dir, "annotate", "-i", injected, "--stdio", "burn");
        Assert.Matches(@"<burn>:", annotate.Stdout);
        Assert.Matches(@"push +%rbp", annotate.Stdout);
        Assert.Contains("long burn(long n)", annotate.Stdout);
    }
}
