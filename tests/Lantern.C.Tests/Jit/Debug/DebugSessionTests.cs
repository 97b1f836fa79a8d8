using Lantern.C.Jit.Debug;
using Lantern.Observability.Debugging;
using Xunit;

namespace Lantern.C.Tests.Jit.Debug;

/// <summary>The debug session on real C programs compiled by the JIT with patch sites.</summary>
[Collection("debugger")]
public sealed class DebugSessionTests
{
    private const string Program = """
        #include <stdio.h>
        int g;
        int square(int x)
        {
            int r = x * x;
            return r;
        }
        int sum(int n)
        {
            int s = 0;
            for (int i = 0; i < n; i++)
                s += square(i);
            return s;
        }
        int main(void)
        {
            int a = 3;
            g = sum(a);
            printf("%d\n", g);
            g = g + 1;
            return 0;
        }
        """;

    internal static DebugSession Open(string source, string name = "prog.c")
    {
        CompileResult result = CCompiler.CompileText(name, source, new CompileOptions());
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return new DebugSession(JitDebugTarget.Create(result.Module!), name);
    }

    private static string Where(StopEvent e) => $"{e.Kind} {e.Frame?.Function}:{e.Frame?.Line}";

    [Fact]
    public void Break_Continue_Backtrace()
    {
        using DebugSession s = Open(Program);
        using IDisposable target = s.Target;
        Breakpoint bp = s.Break("square");
        StopEvent e = s.Run();
        Assert.Equal("Breakpoint square:5", Where(e));
        Assert.Equal(bp.Number, e.BreakpointNumber);
        IReadOnlyList<Frame> frames = s.Backtrace();
        Assert.Equal(new[] { "square", "sum", "main" }, frames.Select(f => f.Function));
        Assert.Equal(new[] { 5, 12, 18 }, frames.Select(f => f.Line));
        e = s.Continue();
        Assert.Equal("Breakpoint square:5", Where(e));
        Assert.Equal(2, bp.HitCount);
        s.Delete(bp.Number);
        e = s.Continue();
        Assert.Equal(StopKind.Exited, e.Kind);
        Assert.Equal(0, e.ExitStatus);
    }

    [Fact]
    public void Step_Next_Finish_Sequence()
    {
        using DebugSession s = Open(Program);
        using IDisposable target = s.Target;
        s.Break("main");
        Assert.Equal("Breakpoint main:17", Where(s.Run()));
        var lines = new List<string>();
        for (int i = 0; i < 12; i++)
        {
            StopEvent e = s.Step();
            lines.Add($"{e.Frame?.Function}:{e.Frame?.Line}");
        }

        Assert.Equal("main:18 sum:10 sum:11 sum:12 square:5 square:6 square:7 sum:11 sum:12 square:5 square:6 square:7", string.Join(" ", lines));
        StopEvent f = s.Finish();
        Assert.Equal(StopKind.FunctionFinished, f.Kind);
        Assert.Equal("sum", f.Frame?.Function);
        Assert.Equal(12, f.Frame?.Line);
        Assert.Equal(1UL, f.ReturnValue?.Rax & 0xffffffff);
        Assert.Equal("square", f.FinishedFrame?.Function);
        lines.Clear();
        for (int i = 0; i < 6; i++)
        {
            StopEvent e = s.Next();
            lines.Add($"{e.Frame?.Function}:{e.Frame?.Line}");
        }

        Assert.Equal("sum:11 sum:12 sum:11 sum:13 sum:14 main:19", string.Join(" ", lines));
        Assert.Equal("main:20", string.Join(" ", $"{s.Next().Frame?.Function}:{s.LastStop?.Frame?.Line}"));
        Assert.Equal(StopKind.Exited, s.Continue().Kind);
    }
}

/// <summary>Debugger tests share the process-wide signal handler and the program's thread: one at a time.</summary>
[CollectionDefinition("debugger", DisableParallelization = true)]
public sealed class DebuggerCollection
{
}
