using System.Buffers.Binary;
using Lantern.C.Interp.Debug;
using Lantern.C.Jit.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf;
using Lantern.Observability.Dwarf.Read;
using Xunit;

namespace Lantern.C.Tests.Interp.Debug;

/// <summary>
/// "Two targets, one session": the same debug session scenario on the JIT target and on the interpreter target
/// gives the same sequence of stops (kind, function, file:line) and the same values of every initialized scalar
/// variable in scope at each stop. Each scenario also checks a few absolute facts, so that two equally wrong
/// transcripts cannot pass.
/// </summary>
[Collection("debugger")]
public sealed class TwoTargetSessionTests
{
    private const string Program = """
        int g = 7;
        struct pair { int a; long b; };

        int square(int x)
        {
            int r = x * x;
            return r;
        }

        double scale(double d, int k)
        {
            double out = d * k;
            return out;
        }

        int sum(int n)
        {
            int s = 0;
            for (int i = 0; i < n; i++)
                s += square(i);
            return s;
        }

        int fact(int n)
        {
            if (n <= 1)
                return 1;
            return n * fact(n - 1);
        }

        int main(void)
        {
            int a = 3;
            struct pair p = { 1, 2 };
            g = sum(a);
            p.b = fact(5);
            double d = scale(1.5, a);
            g = g + (int)d + p.a;
            return g - 10;
        }
        """;

    private static DebugSession Open(string kind, string source)
    {
        CompileResult result = CCompiler.CompileText("two.c", source, new CompileOptions());
        Assert.True(result.Success, result.Diagnostics.FormatAll());
        IDebugTarget target = kind == "jit" ? JitDebugTarget.Create(result.Module!) : new InterpDebugTarget(result.Module!);
        return new DebugSession(target, "two");
    }

    /// <summary>One line per stop: kind, function:line, and every initialized scalar variable of frame 0.</summary>
    private static string Describe(DebugSession s, StopEvent e)
    {
        if (e.Frame is null)
        {
            return $"{e.Kind} status={e.ExitStatus}";
        }

        var text = new System.Text.StringBuilder($"{e.Kind} {e.Frame.Function}:{e.Frame.Line}");
        if (e.Kind == StopKind.Signal)
        {
            text.Append(" sig=").Append(e.Signal);
        }

        if (e.ReturnValue is { Rax: ulong rax })
        {
            text.Append(" ret=").Append((int)rax);
        }

        Frame frame = s.Backtrace()[0];
        foreach (ScopedVariable v in s.Variables(frame).OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            // a variable declared on the stop's line (or later) may still hold garbage
            if ((int)(v.Die.GetUnsigned(DwAt.DeclLine) ?? 0) >= e.Frame.Line || v.Type?.GetUnsigned(DwAt.ByteSize) is not ulong size
                || v.Type.Tag != DwTag.BaseType || s.VariableAddress(frame, v, out _) is not ulong address)
            {
                continue;
            }

            var bytes = new byte[size];
            Assert.True(s.ReadMemory(address, bytes));
            string value = v.TypeName == "double" ? BitConverter.ToDouble(bytes).ToString("R")
                : size == 4 ? BinaryPrimitives.ReadInt32LittleEndian(bytes).ToString() : BinaryPrimitives.ReadInt64LittleEndian(bytes).ToString();
            text.Append(' ').Append(v.Name).Append('=').Append(value);
        }

        return text.ToString();
    }

    /// <summary>Runs the commands one by one (each may return null: no stop), describing every stop as it happens.</summary>
    private static List<string> Transcript(string kind, string source, Func<DebugSession, IEnumerable<Func<StopEvent?>>> scenario)
    {
        using DebugSession s = Open(kind, source);
        using IDisposable target = s.Target;
        var lines = new List<string>();
        foreach (Func<StopEvent?> command in scenario(s))
        {
            if (!s.IsLive && lines.Count > 0)
            {
                break;
            }

            if (command() is StopEvent e)
            {
                lines.Add(Describe(s, e));
            }
        }

        if (s.IsLive)
        {
            s.Kill();
        }

        return lines;
    }

    private static List<string> Same(string source, Func<DebugSession, IEnumerable<Func<StopEvent?>>> scenario)
    {
        List<string> jit = Transcript("jit", source, scenario);
        List<string> interp = Transcript("interp", source, scenario);
        Assert.Equal(string.Join('\n', jit), string.Join('\n', interp));
        return interp;
    }

    private static IEnumerable<Func<StopEvent?>> Repeat(DebugSession s, Func<DebugSession, StopEvent> command, int count = 200) =>
        Enumerable.Range(0, count).Select(_ => (Func<StopEvent?>)(() => command(s)));

    [Fact]
    public void StepThroughTheWholeProgram()
    {
        List<string> t = Same(Program, s => new Func<StopEvent?>[] { () => Begin(s) }.Concat(Repeat(s, x => x.Step())));
        Assert.Equal("Breakpoint main:33", t[0]);
        Assert.Contains(t, l => l.StartsWith("EndSteppingRange square:6 ") && l.Contains("x=2"));
        Assert.Contains(t, l => l.StartsWith("EndSteppingRange fact:27") && l.Contains("n=1"));
        Assert.Contains(t, l => l.StartsWith("EndSteppingRange scale:13") && l.Contains("d=1.5") && l.Contains("out=4.5"));
        Assert.Equal("Exited status=0", t[^1]);
    }

    [Fact]
    public void NextFinishUntilAdvance()
    {
        List<string> t = Same(Program, s => new Func<StopEvent?>[]
        {
            () => Begin(s), () => s.Next(), () => s.Next(), () => s.Step(), () => s.Next(), () => s.Next(), () => s.Step(),
            () => s.Finish(), () => s.Until(), () => s.Until(), () => s.Until(), () => s.Next(),
            () => s.Advance("fact"), () => s.Next(), () => s.Step(), () => s.Finish(), () => s.Finish(),
            () => s.Until("two.c:38"), () => s.Next(), () => s.Next(), () => s.Continue(),
        });
        Assert.True(t.Any(l => l.StartsWith("FunctionFinished fact:28 ret=24")), string.Join("\n", t));
        Assert.True(t.Any(l => l.StartsWith("FunctionFinished main:36 ret=120")), string.Join("\n", t));
        Assert.True(t.Any(l => l.StartsWith("FunctionFinished sum:20") && l.Contains("ret=0")), string.Join("\n", t));
        Assert.True(t.Any(l => l.StartsWith("LocationReached fact:26") && l.Contains("n=5")), string.Join("\n", t));
        Assert.True(t.Any(l => l.StartsWith("LocationReached main:38")), string.Join("\n", t));
        Assert.Equal("Exited status=0", t[^1]);
    }

    [Fact]
    public void BreakpointsConditionsBacktraces()
    {
        var frames = new List<string>();
        List<string> t = Same(Program, s =>
        {
            frames.Clear();
            Breakpoint b = s.Break("fact");
            s.SetCondition(b.Number, "n == 2", x => ReadInt(x, "n") == 2);
            Breakpoint r = s.Break("two.c:7");
            s.SetIgnoreCount(r.Number, 1);
            return new Func<StopEvent?>[]
            {
                () => s.Run(),
                () => { frames.AddRange(s.Backtrace().Select(f => $"{f.Function}:{f.Line}")); return null; },
                () => s.Continue(),
                () => { frames.AddRange(s.Backtrace().Select(f => $"{f.Function}:{f.Line}")); return null; },
                () => s.Continue(),
                () => { frames.AddRange(s.Backtrace().Select(f => $"{f.Function}:{f.Line}")); return null; },
                () => s.Continue(),
            };
        });
        Assert.Equal("square:7 sum:20 main:35 square:7 sum:20 main:35 fact:26 fact:28 fact:28 fact:28 main:36", string.Join(' ', frames));
        Assert.Equal(new[] { "Breakpoint square:7 r=1 x=1", "Breakpoint square:7 r=4 x=2", "Breakpoint fact:26 n=2", "Exited status=0" }, t);
        Assert.Equal("Exited status=0", t[^1]);
    }

    [Fact]
    public void CrashStopsAtTheFaultingLineOnBothTargets()
    {
        const string source = "int deref(int *p)\n{\n    int before = 5;\n    return *p + before;\n}\n\nint main(void)\n{\n    int *q = 0;\n    return deref(q);\n}\n";
        List<string> t = Same(source, s => new Func<StopEvent?>[] { () => s.Run(), () => s.Continue() });
        Assert.Equal("Signal deref:4 sig=11 before=5", t[0]);
        Assert.Equal("Exited status=139", t[1]);
    }

    [Fact]
    public void WatchpointStopsOnEveryChange()
    {
        List<string> t = Same(Program, s => new Func<StopEvent?>[]
        {
            () => Begin(s),
            () =>
            {
                ulong address = s.Debug.Info.Units.SelectMany(u => u.Root.Children).Where(d => d.Tag == DwTag.Variable && d.Name == "g")
                    .Select(d => s.Debug.LocationAt(d, 0)!.Value.Address).First();
                s.Watch("g", address, 4);
                return null;
            },
        }.Concat(Repeat(s, x => x.Continue(), 10)));
        Assert.Equal(2, t.Count(l => l.StartsWith("Watchpoint")));
        Assert.Equal("Exited status=0", t[^1]);
    }

    private static StopEvent Begin(DebugSession s)
    {
        s.Break("main", temporary: true);
        return s.Run();
    }

    private static int ReadInt(DebugSession s, string name)
    {
        Frame frame = s.Backtrace()[0];
        ScopedVariable v = s.Variables(frame).First(x => x.Name == name);
        var bytes = new byte[4];
        Assert.True(s.ReadMemory(s.VariableAddress(frame, v, out _)!.Value, bytes));
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }
}
