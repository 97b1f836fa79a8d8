using Lantern.Observability;

namespace Lantern.Cli.Tests.Tools;

/// <summary>
/// The GDB JIT interface under the real gdb in batch mode, started through <c>lantern gdb</c>: breakpoints by
/// name and by file:line set before <c>run</c>, <c>bt</c> through the JIT frames to main, arguments and locals,
/// <c>print</c> of integers, doubles, pointers, struct members and array elements, <c>finish</c>, <c>next</c>,
/// <c>step</c>, <c>info frame</c>.
/// </summary>
public class GdbTests
{
    internal const string Program = """
        #include <stdio.h>
        struct point { int x; int y; };
        typedef struct point point_t;
        static double scale(double v, int k)
        {
            double r = v * k;
            return r;
        }
        int sum(int *a, int n)
        {
            int s = 0;
            for (int i = 0; i < n; i++) {
                s += a[i];
            }
            return s;
        }
        int work(point_t *p, int k)
        {
            int arr[4] = {1, 2, 3, 4};
            int t = sum(arr, 4);
            double d = scale(1.5, k);
            p->x += t;
            p->y = (int)d;
            return p->x + p->y;
        }
        int main(void)
        {
            point_t pt = {10, 20};
            int r = work(&pt, 3);
            printf("result %d\n", r);
            return 0;
        }
        """;

    private static string RunGdb(params string[] commands)
    {
        ToolCheck.Require("gdb", "gdb");
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-gdb-");
        string file = dir.WriteFile("points.c", Program);
        var args = new List<string> { "gdb", "-nx", "-batch" };
        foreach (string c in commands)
        {
            args.Add("-ex");
            args.Add(c);
        }

        args.Add(file);
        ProcessResult r = LanternProcess.Run(args, timeoutSeconds: 180);
        string transcript = ToolCheck.Clean(r);
        Assert.True(r.ExitCode == 0, transcript);
        return transcript;
    }

    [Fact]
    public void Gdb_BreakByNameBeforeRun_BacktraceArgumentsLocalsAndPrint()
    {
        string t = RunGdb("break sum", "run", "bt", "info args", "print a[2]", "print *a@4", "up", "print p->x", "print *p", "print arr[3]", "info locals", "continue");
        ToolCheck.Has(t, @"Breakpoint 1, sum \(a=0x[0-9a-f]+, n=4\) at .*points\.c:11");
        ToolCheck.Has(t, @"#0 +sum \(a=0x[0-9a-f]+, n=4\) at .*points\.c:11");
        ToolCheck.Has(t, @"#1 +0x[0-9a-f]+ in work \(p=0x[0-9a-f]+, k=3\) at .*points\.c:20");
        ToolCheck.Has(t, @"#2 +0x[0-9a-f]+ in main \(\) at .*points\.c:29");
        ToolCheck.Has(t, @"a = 0x[0-9a-f]+\nn = 4");
        ToolCheck.HasText(t, "$1 = 3");
        ToolCheck.HasText(t, "$2 = {1, 2, 3, 4}");
        ToolCheck.HasText(t, "$3 = 10");
        ToolCheck.HasText(t, "$4 = {x = 10, y = 20}");
        ToolCheck.HasText(t, "$5 = 4");
        ToolCheck.Has(t, @"arr = \{1, 2, 3, 4\}");
        ToolCheck.HasText(t, "result 24");
    }

    [Fact]
    public void Gdb_FinishNextStepFollowSourceLines()
    {
        string t = RunGdb("break work", "run", "next", "step", "bt 1", "finish", "next", "step", "info args", "finish", "next", "print d");
        ToolCheck.Has(t, @"Breakpoint 1, work \(p=0x[0-9a-f]+, k=3\) at .*points\.c:19");
        ToolCheck.Has(t, @"\n20\t +int t = sum\(arr, 4\);");
        ToolCheck.Has(t, @"sum \(a=0x[0-9a-f]+, n=4\) at .*points\.c:11");
        ToolCheck.HasText(t, "Value returned is $1 = 10");
        ToolCheck.Has(t, @"\n21\t +double d = scale\(1\.5, k\);");
        ToolCheck.Has(t, @"scale \(v=1\.5, k=3\) at .*points\.c:6");
        ToolCheck.HasText(t, "Value returned is $2 = 4.5");
        ToolCheck.HasText(t, "$3 = 4.5");
    }

    [Fact]
    public void Gdb_BreakFileLineBeforeRun_InfoFrameAndLocalsInNestedScope()
    {
        string t = RunGdb("break points.c:13", "run", "info locals", "info frame", "continue", "print i", "print s");
        ToolCheck.Has(t, @"Breakpoint 1, sum \(a=0x[0-9a-f]+, n=4\) at .*points\.c:13");
        ToolCheck.Has(t, @"i = 0\ns = 0");
        ToolCheck.Has(t, @"Stack level 0, frame at 0x[0-9a-f]+:\n rip = 0x[0-9a-f]+ in sum \(.*points\.c:13\); saved rip = 0x[0-9a-f]+");
        ToolCheck.Has(t, @"called by frame at 0x[0-9a-f]+");
        ToolCheck.Has(t, @"rbp at 0x[0-9a-f]+, rip at 0x[0-9a-f]+");
        ToolCheck.HasText(t, "$1 = 1");
        ToolCheck.HasText(t, "$2 = 1");
    }
}
