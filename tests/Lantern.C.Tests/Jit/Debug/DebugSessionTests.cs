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

    [Theory]
    [InlineData("step")]
    [InlineData("next")]
    public void StepWithCount_EndsWhereSingleStepsEnd(string command)
    {
        string Walk(Func<DebugSession, StopEvent> steps)
        {
            using DebugSession s = Open(Program);
            using IDisposable target = s.Target;
            s.Break("main");
            s.Run();
            StopEvent e = steps(s);
            if (!s.IsLive)
            {
                return Where(e);
            }

            return $"{Where(e)} frames={s.Backtrace().Count} g={BitConverter.ToInt32(Read(s, GlobalAddress(s, "g"), 4))}";
        }

        for (int n = 1; n <= 17; n += command == "step" ? 4 : 1)
        {
            string single = Walk(s =>
            {
                StopEvent last = null!;
                for (int i = 0; i < n && s.IsLive; i++)
                {
                    last = command == "step" ? s.Step() : s.Next();
                }

                return last;
            });
            string counted = Walk(s => command == "step" ? s.Step(n) : s.Next(n));
            Assert.Equal(single, counted);
        }
    }

    private static byte[] Read(DebugSession s, ulong address, int size)
    {
        var bytes = new byte[size];
        Assert.True(s.ReadMemory(address, bytes));
        return bytes;
    }

    [Fact]
    public void Conditions_IgnoreCounts_Temporary_Disable()
    {
        using DebugSession s = Open(Program);
        using IDisposable target = s.Target;
        Breakpoint bp = s.Break("prog.c:5");
        // condition: x == 2, read through the DWARF location of the parameter
        s.SetCondition(bp.Number, "x == 2", session => ReadInt(session, "x") == 2);
        StopEvent e = s.Run();
        Assert.Equal("Breakpoint square:5", Where(e));
        Assert.Equal(2, ReadInt(s, "x"));
        Assert.Equal(1, bp.HitCount);
        s.SetCondition(bp.Number, null, null);
        s.Enable(bp.Number, false);
        Breakpoint t = s.Break("20", temporary: true);
        e = s.Continue();
        Assert.Equal("Breakpoint main:20", Where(e));
        Assert.Equal(t.Number, e.BreakpointNumber);
        Assert.Null(s.FindBreakpoint(t.Number));
        Assert.Equal(StopKind.Exited, s.Continue().Kind);

        // ignore counts, on a new run
        s.Enable(bp.Number, true);
        s.SetIgnoreCount(bp.Number, 1);
        e = s.Run();
        Assert.Equal(1, ReadInt(s, "x"));
        Assert.Equal(3, bp.HitCount);
    }

    internal static long ReadInt(DebugSession s, string name, int size = 4)
    {
        Frame frame = s.SelectedFrame;
        var v = s.Variables(frame).First(v => v.Name == name);
        ulong address = s.VariableAddress(frame, v, out _) ?? throw new InvalidOperationException("no address");
        var bytes = new byte[size];
        Assert.True(s.ReadMemory(address, bytes));
        return size == 4 ? BitConverter.ToInt32(bytes) : BitConverter.ToInt64(bytes);
    }

    [Fact]
    public void Watchpoint_ReportsOldAndNewValue()
    {
        using DebugSession s = Open(Program);
        using IDisposable target = s.Target;
        s.Break("main");
        s.Run();
        ulong g = GlobalAddress(s, "g");
        Breakpoint wp = s.Watch("g", g, 4);
        StopEvent e = s.Continue();
        Assert.Equal(StopKind.Watchpoint, e.Kind);
        Assert.Equal(wp.Number, e.BreakpointNumber);
        Assert.Equal(0, BitConverter.ToInt32(e.OldValue));
        Assert.Equal(5, BitConverter.ToInt32(e.NewValue));
        Assert.Equal("main:19", $"{e.Frame?.Function}:{e.Frame?.Line}");
        e = s.Continue();
        Assert.Equal(6, BitConverter.ToInt32(e.NewValue));
        Assert.Equal("main:21", $"{e.Frame?.Function}:{e.Frame?.Line}");
        Assert.Equal(StopKind.Exited, s.Continue().Kind);
    }

    [Fact]
    public void Watchpoint_OnALocal_EndsWithItsFrame()
    {
        using DebugSession s = Open(Program);
        using IDisposable target = s.Target;
        s.Break("sum");
        s.Run();
        Frame frame = s.SelectedFrame;
        var v = s.Variables(frame).First(v => v.Name == "s");
        Breakpoint wp = s.Watch("s", s.VariableAddress(frame, v, out _)!.Value, 4, frame);
        var values = new List<int>();
        StopEvent e;
        while ((e = s.Continue()).Kind == StopKind.Watchpoint)
        {
            values.Add(BitConverter.ToInt32(e.NewValue));
        }

        // s = 0 (a change only if the stack held something else), s += 0, s += 1, s += 4
        Assert.Equal(new[] { 1, 5 }, values.SkipWhile(x => x == 0));
        Assert.Equal(StopKind.WatchpointScope, e.Kind);
        Assert.Equal(wp.Number, e.BreakpointNumber);
        Assert.Equal("main", e.Frame?.Function);
        Assert.Null(s.FindBreakpoint(wp.Number));
        Assert.Equal(StopKind.Exited, s.Continue().Kind);
    }

    [Fact]
    public void StackOverflow_IsASignalStop()
    {
        const string deep = """
            int down(int n)
            {
                volatile char pad[256];
                pad[0] = (char)n;
                return down(n + 1) + pad[0];
            }
            int main(void)
            {
                return down(0);
            }
            """;
        using DebugSession s = Open(deep, "deep.c");
        using IDisposable target = s.Target;
        StopEvent e = s.Run();
        Assert.Equal(StopKind.Signal, e.Kind);
        Assert.Equal("SIGSEGV", e.SignalName);
        Assert.Equal("down", e.Frame?.Function);
        IReadOnlyList<Frame> frames = s.Backtrace();
        Assert.True(frames.Count > 10_000, $"{frames.Count} frames");
        Assert.Equal(StopKind.Killed, s.Kill().Kind);
    }

    [Fact]
    public void Interrupt_StopsAProgramBlockedInASystemCall()
    {
        const string sleeper = """
            #include <unistd.h>
            int main(void)
            {
                int k = 1;
                k += (int)sleep(60);
                return k;
            }
            """;
        using DebugSession s = Open(sleeper, "sleeper.c");
        using IDisposable target = s.Target;
        var thread = new Thread(() => { Thread.Sleep(300); s.Interrupt(); });
        thread.Start();
        StopEvent e = s.Run();
        thread.Join();
        Assert.Equal(StopKind.Interrupted, e.Kind);
        string bt = string.Join(" ", s.Backtrace().Select(f => $"{f.Function ?? "??"}:{f.Line}@{f.Pc:x}"));
        // stopped inside libc's sleep (no site runs): the signal path, and main's frame found on the stack
        Assert.Null(e.Frame?.Function);
        Assert.True(s.Backtrace().Any(f => f.Function == "main" && f.Line == 5), bt);
        Assert.Equal(StopKind.Killed, s.Kill().Kind);
    }

    [Fact]
    public void Finish_ToAReturnAddressThatIsASite_ThenStep()
    {
        // the call is the last instruction of line 3: the return address is the site of line 4
        const string source = "void voidfn()\n{\n    return;\n}\nint main()\n{\n    voidfn();\n    return 0;\n}\n";
        using DebugSession s = Open(source, "ret.c");
        using IDisposable target = s.Target;
        s.Break("voidfn");
        Breakpoint line8 = s.Break("8");
        Assert.Equal("Breakpoint voidfn:3", Where(s.Run()));
        // finish's int3 and breakpoint 2's armed site are at the same address: one stop, reported as the breakpoint
        StopEvent e = s.Finish();
        Assert.Equal("Breakpoint main:8", Where(e));
        Assert.Equal(line8.Addresses[0], e.Frame!.Pc);
        Assert.Equal("EndSteppingRange main:9", Where(s.Step()));
        var code = new byte[5];
        Assert.True(s.ReadMemory(line8.Addresses[0], code));
        Assert.Equal(new byte[] { 0x0F, 0x1F, 0x44, 0x00, 0x00 }, code);
        Assert.Equal(StopKind.Exited, s.Continue().Kind);
    }

    internal static ulong GlobalAddress(DebugSession s, string name)
    {
        foreach (var unit in s.Debug.Info.Units)
        {
            foreach (var die in unit.Root.Children)
            {
                if (die.Name == name && die.Tag == Lantern.Observability.Dwarf.DwTag.Variable)
                {
                    return s.Debug.LocationAt(die, 0)!.Value.Address;
                }
            }
        }

        throw new InvalidOperationException(name);
    }

    [Fact]
    public void Until_Advance_And_UntilLocation()
    {
        using DebugSession s = Open(Program);
        using IDisposable target = s.Target;
        s.Break("sum");
        s.Run();
        Assert.Equal("EndSteppingRange sum:11", Where(s.Next()));
        Assert.Equal("EndSteppingRange sum:12", Where(s.Next()));
        Assert.Equal("EndSteppingRange sum:11", Where(s.Next()));
        // until at the loop's increment does not go back into the body
        Assert.Equal("EndSteppingRange sum:13", Where(s.Until()));
        Assert.Equal(5, ReadInt(s, "s"));
        // advance also stops when the current frame returns (as gdb)
        Assert.Equal("LocationReached main:18", Where(s.Advance("20")));
        Assert.Equal("LocationReached main:20", Where(s.Advance("20")));
        s.Kill();
        s.Run();
        // until LOCATION stops when the frame returns first
        Assert.Equal("LocationReached main:18", Where(s.Until("prog.c:5")));
        Assert.Equal(StopKind.Exited, s.Continue().Kind);
    }

    [Fact]
    public void StepInstruction_And_NextInstruction()
    {
        using DebugSession s = Open(Program);
        using IDisposable target = s.Target;
        s.Break("sum");
        s.Run();
        ulong pc0 = s.ReadRegister(16);
        StopEvent e = s.StepInstruction();
        Assert.Equal(StopKind.EndSteppingRange, e.Kind);
        Assert.Equal(pc0 + 5, e.Frame!.Pc); // the site itself is one instruction
        int guard = 0;
        // nexti over the call to square: stays in sum
        while (guard++ < 200)
        {
            e = s.NextInstruction();
            Assert.Equal("sum", e.Frame?.Function);
            if (e.Frame!.Line == 11 && guard > 3)
            {
                break;
            }
        }

        Assert.True(guard < 200);
        // stepi into the call: reaches square
        guard = 0;
        while (s.LastStop!.Frame!.Function == "sum" && guard++ < 200)
        {
            s.StepInstruction();
        }

        Assert.Equal("square", s.LastStop!.Frame!.Function);
        Assert.Equal(StopKind.Exited, s.Continue().Kind);
    }

    [Fact]
    public void InstructionBreakpoint_AtAddress()
    {
        using DebugSession s = Open(Program);
        using IDisposable target = s.Target;
        ulong square = s.FunctionAddress("square")!.Value;
        Breakpoint bp = s.Break($"*0x{square + 1:x}"); // mov rbp, rsp: not a site
        Assert.True(bp.IsInstruction);
        StopEvent e = s.Run();
        Assert.Equal(StopKind.Breakpoint, e.Kind);
        Assert.Equal(square + 1, e.Frame!.Pc);
        e = s.Continue();
        Assert.Equal(square + 1, e.Frame!.Pc);
        Assert.Equal(2, bp.HitCount);
        s.Delete(bp.Number);
        Assert.Equal(StopKind.Exited, s.Continue().Kind);
    }

    [Fact]
    public void Crash_StopsAtTheFaultingLine_AndTheSessionSurvives()
    {
        const string crash = """
            int *p;
            int f(int k)
            {
                int v = k + 1;
                return *p + v;
            }
            int main(void)
            {
                return f(4);
            }
            """;
        using DebugSession s = Open(crash, "crash.c");
        using IDisposable target = s.Target;
        StopEvent e = s.Run();
        Assert.Equal(StopKind.Signal, e.Kind);
        Assert.Equal("SIGSEGV", e.SignalName);
        Assert.Equal("f:5", $"{e.Frame?.Function}:{e.Frame?.Line}");
        Assert.Equal(new[] { "f", "main" }, s.Backtrace().Select(f => f.Function));
        Assert.Equal(5, ReadInt(s, "v"));
        e = s.Kill();
        Assert.Equal(StopKind.Killed, e.Kind);
        e = s.Run();
        Assert.Equal(StopKind.Signal, e.Kind);
        e = s.Continue();
        Assert.Equal(StopKind.Exited, e.Kind);
        Assert.Equal(128 + 11, e.ExitStatus);
    }

    [Fact]
    public void Interrupt_StopsARunningLoop_AndCallRunsAFunction()
    {
        const string loop = """
            volatile int stop;
            int twice(int x) { return 2 * x; }
            double half(double x) { return x / 2; }
            int main(void)
            {
                long n = 0;
                while (!stop)
                    n++;
                return twice(21);
            }
            """;
        using DebugSession s = Open(loop, "loop.c");
        using IDisposable target = s.Target;
        var thread = new Thread(() => { Thread.Sleep(300); s.Interrupt(); });
        thread.Start();
        StopEvent e = s.Run();
        thread.Join();
        Assert.Equal(StopKind.Interrupted, e.Kind);
        Assert.Equal("main", e.Frame?.Function);
        Assert.True(ReadInt(s, "n", 8) > 0);
        ulong rax = s.Call(s.FunctionAddress("twice")!.Value, [20], []).Rax;
        Assert.Equal(40UL, rax & 0xffffffff);
        ulong xmm0 = s.Call(s.FunctionAddress("half")!.Value, [], [5.0]).Xmm0;
        Assert.Equal(2.5, BitConverter.UInt64BitsToDouble(xmm0));
        Assert.True(s.WriteMemory(GlobalAddress(s, "stop"), BitConverter.GetBytes(1)));
        e = s.Continue();
        Assert.Equal(StopKind.Exited, e.Kind);
        Assert.Equal(42, e.ExitStatus);
    }
}

/// <summary>Debugger tests share the process-wide signal handler and the program's thread: one at a time.</summary>
[CollectionDefinition("debugger", DisableParallelization = true)]
public sealed class DebuggerCollection
{
}
