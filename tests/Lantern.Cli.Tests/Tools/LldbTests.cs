using Lantern.Observability;

namespace Lantern.Cli.Tests.Tools;

/// <summary>
/// lldb's GDB JIT loader (<c>settings set plugin.jit-loader.gdb.enable on</c>, set by <c>lantern lldb</c>):
/// breakpoint by name set before the code exists, <c>bt</c> through the JIT frames to main, <c>frame variable</c>.
/// </summary>
public class LldbTests
{
    [Fact]
    public void Lldb_BreakpointByNameBacktraceAndFrameVariable()
    {
        ToolCheck.Require("lldb", "lldb");
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-lldb-");
        string file = dir.WriteFile("points.c", GdbTests.Program);
        ProcessResult r = LanternProcess.Run(
            [
                "lldb", "-b",
                "-o", "breakpoint set -n sum",
                "-o", "process launch -s",
                "-o", "process handle -p true -s false -n false SIGRTMIN SIGRTMIN+1",
                "-o", "continue",
                "-o", "bt 4",
                "-o", "frame variable",
                "-o", "finish",
                "-o", "frame variable p k arr",
                "-o", "continue",
                file,
            ],
            timeoutSeconds: 180);
        string t = r.Stdout + r.Stderr;
        Assert.True(r.ExitCode == 0, t);
        ToolCheck.Has(t, @"stop reason = breakpoint 1\.1");
        ToolCheck.Has(t, @"frame #0: 0x[0-9a-f]+ JIT\(0x[0-9a-f]+\)`sum\(a=0x[0-9a-f]+, n=4\) at points\.c:11");
        ToolCheck.Has(t, @"frame #1: 0x[0-9a-f]+ JIT\(0x[0-9a-f]+\)`work\(p=0x[0-9a-f]+, k=3\) at points\.c:20");
        ToolCheck.Has(t, @"frame #2: 0x[0-9a-f]+ JIT\(0x[0-9a-f]+\)`main at points\.c:29");
        ToolCheck.Has(t, @"\(int \*\) a = 0x[0-9a-f]+\n\(int\) n = 4\n");
        ToolCheck.HasText(t, "Return value: (int) $0 = 10");
        ToolCheck.Has(t, @"\(point_t \*\) p = 0x[0-9a-f]+\n\(int\) k = 3\n\(int\[4\]\) arr = \(\[0\] = 1, \[1\] = 2, \[2\] = 3, \[3\] = 4\)");
        ToolCheck.HasText(t, "result 24");
    }
}
