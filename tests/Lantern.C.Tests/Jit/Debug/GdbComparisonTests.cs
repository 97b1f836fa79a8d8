using System.Text.RegularExpressions;
using Lantern.Observability;
using Lantern.Observability.Debugging;
using Xunit;

namespace Lantern.C.Tests.Jit.Debug;

/// <summary>
/// The stepping sequence of the session on JIT code against gdb's on the same program compiled by gcc -O0 -g, both
/// driven in this test (gdb in batch mode, printing function:line after each command through its Python API).
/// </summary>
[Collection("debugger")]
public sealed class GdbComparisonTests
{
    private const string Source = """
        #include <stdio.h>
        struct acc { long total; int count; };
        static int weight(int v)
        {
            if (v % 3 == 0)
                return 2;
            return 1;
        }
        static void add(struct acc *a, int v)
        {
            a->total += (long)v * weight(v);
            a->count++;
        }
        int fib(int n)
        {
            if (n < 2)
                return n;
            return fib(n - 1) + fib(n - 2);
        }
        int main(void)
        {
            struct acc a = {0, 0};
            for (int i = 1; i <= 4; i++) {
                add(&a, i);
            }
            int f = fib(3);
            printf("%ld %d %d\n", a.total, a.count, f);
            return 0;
        }
        """;

    // The commands compared: stepping into add/weight/fib and out again, next over calls, finish from a recursion.
    private static readonly string[] s_commands =
    [
        "step", "step", "step", "step", "step", "step", "step", "step", "step", "step", "step", "step", "step",
        "next", "next", "next", "next", "next", "next", "step", "step", "step", "finish", "step", "step", "finish",
    ];

    [Fact]
    public void StepNextFinish_MatchGdbOnGccO0()
    {
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-dbg-");
        string file = dir.WriteFile("walk.c", Source);
        string exe = System.IO.Path.Combine(dir.Path, "walk");
        Run("gcc", "-O0", "-g", "-o", exe, file);
        var script = new List<string> { "set pagination off", "break main", "run" };
        foreach (string c in s_commands)
        {
            script.Add(c);
            script.Add("python f = gdb.selected_frame(); print('@%s:%d' % (f.name(), f.find_sal().line))");
        }

        string scriptFile = dir.WriteFile("cmds", string.Join("\n", script) + "\n");
        string output = Run("gdb", "-nx", "-q", "-batch", "-x", scriptFile, exe);
        List<string> gdb = Regex.Matches(output, "^@(.*)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(s_commands.Length, gdb.Count);

        using DebugSession s = DebugSessionTests.Open(Source, "walk.c");
        using IDisposable target = s.Target;
        s.Break("main");
        Assert.Equal(StopKind.Breakpoint, s.Run().Kind);
        var ours = new List<string>();
        foreach (string c in s_commands)
        {
            StopEvent e = c switch
            {
                "step" => s.Step(),
                "next" => s.Next(),
                _ => s.Finish(),
            };
            ours.Add($"{e.Frame?.Function}:{e.Frame?.Line}");
        }

        Assert.Equal(string.Join(" ", gdb), string.Join(" ", ours));
    }

    private static string Run(string program, params string[] args)
    {
        (int exitCode, string output, string err) = TestTools.Run(program, args);
        Assert.True(exitCode == 0, $"{program} failed: {err}");
        return output + err;
    }
}
