using Lantern.Observability;

namespace Lantern.Cli.Tests.Tools;

/// <summary>
/// valgrind on the real executable (the apphost ./lantern execs): callgrind with <c>--emit-so</c> attributes the
/// cost to the C function of the emitted shared object, named by callgrind_annotate with its source file.
/// </summary>
public class ValgrindTests
{
    private static readonly string s_program = ToolCheck.BurnProgram(rounds: 20, n: 100000);

    /// <summary>The native executable behind ./lantern (valgrind, like gdb, cannot follow the shell script usefully).</summary>
    internal static string Executable()
    {
        ProcessResult build = LanternProcess.Run("--version");
        Assert.True(build.ExitCode == 0, build.ToString());
        return Path.Combine(LanternProcess.RepositoryRoot, ".build", "lantern", "lantern");
    }

    [Fact]
    public void Callgrind_EmitSo_AnnotateNamesTheCFunctions()
    {
        string valgrind = ToolCheck.Require("valgrind", "valgrind");
        string annotate = ToolCheck.Require("callgrind_annotate", "valgrind");
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-valgrind-");
        string file = dir.WriteFile("burner.c", s_program);
        string output = Path.Combine(dir.Path, "callgrind.out");
        ProcessResult run = LanternProcess.RunProcess(valgrind,
            ["--tool=callgrind", "--callgrind-out-file=" + output, Executable(), "run", "--emit-so", Path.Combine(dir.Path, "so"), file],
            timeoutSeconds: 600);
        Assert.True(run.ExitCode == 0, run.ToString());
        ToolCheck.HasText(run.Stdout, "3999980");
        ProcessResult report = LanternProcess.RunProcess(annotate, [output]);
        Assert.True(report.ExitCode == 0, report.ToString());
        ToolCheck.Has(report.Stdout, @"[\d,]+ \(\s*\d+\.\d+%\)\s+\S*burner\.c:burn \[.*/so/burner\.so\]");
        ToolCheck.Has(report.Stdout, @"=> \S*burner\.c:burn \(20x\)");
    }

    /// <summary>When the module's code is freed, VALGRIND_DISCARD_TRANSLATIONS is issued for it (valgrind -v -v -v reports client requests, the address in upper-case hex).</summary>
    [Fact]
    public void Valgrind_DiscardTranslationsWhenCodeIsFreed()
    {
        string valgrind = ToolCheck.Require("valgrind", "valgrind");
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-valgrind-");
        string file = dir.WriteFile("points.c", GdbTests.Program);
        ProcessResult run = LanternProcess.RunProcess(valgrind, ["--tool=none", "-v", "-v", "-v", Executable(), "run", file], timeoutSeconds: 600);
        Assert.True(run.ExitCode == 0, run.Stderr.Length > 4000 ? run.Stderr[^4000..] : run.ToString());
        ToolCheck.HasText(run.Stdout, "result 24");
        ToolCheck.Has(run.Stderr, @"client request: DISCARD_TRANSLATIONS, addr 0x[0-9a-fA-F]+, +len [1-9]\d*\n");
    }
}
