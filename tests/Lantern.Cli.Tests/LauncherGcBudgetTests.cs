using Lantern.Observability;

namespace Lantern.Cli.Tests;

/// <summary>
/// The <c>./lantern</c> launcher gives the CLI's GC a 4 MiB gen0 budget (<c>DOTNET_GCgen0size</c>, unless the user set
/// one) so that compiling a program that includes a few headers does not stop for a collection; the CLI removes the
/// variable before the C program runs, so the program and its children see the user's environment.
/// </summary>
public sealed class LauncherGcBudgetTests : IDisposable
{
    private const string Probe = """
        #include <stdio.h>
        #include <stdlib.h>
        int main(void)
        {
            const char *seen = getenv("DOTNET_GCgen0size");
            printf("getenv=%s\n", seen ? seen : "(null)");
            printf("marker=%s\n", getenv("LANTERN_SET_GCGEN0SIZE") ? "set" : "(null)");
            fflush(stdout);
            return system("echo child=${DOTNET_GCgen0size-(unset)}");
        }
        """;

    private readonly TempDirectory _dir = TempDirectory.Create("lantern-gc-budget-test-");

    public LauncherGcBudgetTests() => _dir.WriteFile("probe.c", Probe);

    public void Dispose() => _dir.Dispose();

    private ProcessResult Launch(string? userValue, params string[] args)
    {
        ProcessResult r = LanternProcess.RunWithVariable("DOTNET_GCgen0size", userValue, ["LANTERN_TRACE_STARTUP=1", LanternProcess.Launcher, .. args], _dir.Path);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [Fact]
    public void Unset_ProgramAndChildrenSeeNoVariable()
    {
        ProcessResult r = Launch(null, "run", "probe.c");

        Assert.Equal("getenv=(null)\nmarker=(null)\nchild=(unset)\n", r.Stdout);
    }

    [Fact]
    public void UserValue_IsWhatTheProgramSees()
    {
        ProcessResult r = Launch("800000", "run", "probe.c");

        Assert.Equal("getenv=800000\nmarker=(null)\nchild=800000\n", r.Stdout);
    }

    [Fact]
    public void CompilingNbody_CollectsNothing()
    {
        // bench/programs/nbody.c includes math.h, stdio.h and stdlib.h: about 2.7 MB allocated by the front end and JIT
        string nbody = Path.Combine(LanternProcess.RepositoryRoot, "bench", "programs", "nbody.c");
        ProcessResult r = Launch(null, "run", nbody, "10");

        string exit = r.Stderr.Split('\n').Single(l => l.StartsWith("lantern-startup: exit", StringComparison.Ordinal));
        Assert.EndsWith(" gcs=0", exit);
    }
}
