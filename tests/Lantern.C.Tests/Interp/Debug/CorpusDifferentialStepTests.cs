using Lantern.C.Interp.Debug;
using Lantern.C.Jit.Debug;
using Lantern.Observability;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;
using Xunit;

namespace Lantern.C.Tests.Interp.Debug;

/// <summary>
/// Differential stepping (Wasmtime's check of debug information): every c-testsuite program that prints nothing is
/// stepped from main, statement by statement, on the JIT target and on the interpreter target; the two sequences
/// of stops (function, file:line, frame depth, parameter values) and the exit statuses must be the same.
/// </summary>
[Collection("debugger")]
public sealed class CorpusDifferentialStepTests
{
    private const int MaxSteps = 300;

    // programs with expected output would write into the test process's stdout
    public static TheoryData<string> Programs() =>
        TestTools.CorpusPrograms(f => File.Exists(f + ".expected") && new FileInfo(f + ".expected").Length == 0);

    [Theory]
    [MemberData(nameof(Programs))]
    public void SameStopsOnBothTargets(string file)
    {
        CompileResult result = CCompiler.CompileFile(Path.Combine(TestTools.CorpusDir, file), new CompileOptions());
        Assert.True(result.Success, result.Diagnostics.FormatAll());
        // 00040.c (eight queens) executes 89 million statements inside one call that the mixed run steps over
        foreach (bool mixed in file == "00040.c" ? new[] { false } : new[] { false, true })
        {
            List<string> jit = Transcript(JitDebugTarget.Create(result.Module!), mixed);
            List<string> interp = Transcript(new InterpDebugTarget(result.Module!), mixed);
            Assert.True(jit.Count > 1, string.Join('\n', jit));
            Assert.Equal(string.Join('\n', jit), string.Join('\n', interp));
        }
    }

    /// <summary>
    /// The stops of a run from main: <c>step</c> after <c>step</c>, or (<paramref name="mixed"/>) a mix of step, next
    /// and finish chosen from the stop count and the frame depth, so both targets take the same path while they agree.
    /// </summary>
    private static List<string> Transcript(IDebugTarget target, bool mixed)
    {
        using IDisposable owner = target;
        using var s = new DebugSession(target, "prog");
        var lines = new List<string>();
        s.Break("main", temporary: true);
        StopEvent e = s.Run();
        for (int i = 0; i < MaxSteps && s.IsLive; i++)
        {
            lines.Add(Describe(s, e));
            if (!mixed || i % 3 == 0)
            {
                e = s.Step();
            }
            else if (i % 3 == 1 || s.Backtrace().Count == 1)
            {
                e = s.Next();
            }
            else
            {
                e = s.Finish();
            }
        }

        if (s.IsLive)
        {
            lines.Add(Describe(s, e));
            e = s.Continue();
        }

        lines.Add($"{e.Kind} {e.ExitStatus}");
        if (s.IsLive)
        {
            s.Kill();
        }

        return lines;
    }

    private static string Describe(DebugSession s, StopEvent e)
    {
        if (e.Frame is null)
        {
            return e.Kind.ToString();
        }

        IReadOnlyList<Frame> frames = s.Backtrace();
        var text = new System.Text.StringBuilder($"{e.Kind} {e.Frame.Function}:{e.Frame.Line} depth={frames.Count}");
        foreach (ScopedVariable v in s.Variables(frames[0]).Where(v => v.IsParameter))
        {
            // base types only: pointers differ between the targets (their stacks and data live at different addresses)
            int size = (int)(v.Type?.GetUnsigned(Observability.Dwarf.DwAt.ByteSize) ?? 0);
            if (v.Type?.Tag != Observability.Dwarf.DwTag.BaseType || size is < 1 or > 8 || s.VariableAddress(frames[0], v, out _) is not ulong address)
            {
                continue;
            }

            var bytes = new byte[8];
            Assert.True(s.ReadMemory(address, bytes.AsSpan(0, size)));
            text.Append(' ').Append(v.Name).Append('=').Append(BitConverter.ToUInt64(bytes));
        }

        return text.ToString();
    }
}
