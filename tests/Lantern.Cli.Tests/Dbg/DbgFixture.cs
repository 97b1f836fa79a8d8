using System.Text.RegularExpressions;

namespace Lantern.Cli.Tests.Dbg;

/// <summary>
/// Runs the real <c>lantern dbg</c> (through ./lantern) on small C programs written to a private directory, with
/// stdout and stderr on one pipe (so the transcript keeps gdb's interleaving of output and error messages), and
/// compares transcripts after replacing addresses and the process id.
/// </summary>
public static class DbgFixture
{
    public const string Prog = """
        #include <stdio.h>

        struct point { int x, y; };
        int counter = 0;

        int square(int n)
        {
            int r = n * n;
            return r;
        }

        int sum(int *a, int n)
        {
            int s = 0;
            for (int i = 0; i < n; i++)
                s += a[i];
            return s;
        }

        int main(int argc, char **argv)
        {
            int values[4] = {1, 2, 3, 4};
            struct point p = {3, 4};
            int total = sum(values, 4);
            counter = square(p.x) + total;
            printf("counter=%d\n", counter);
            return 0;
        }
        """;

    public const string Loop = """
        int g;

        int f(int x)
        {
            return x + 1;
        }

        int main(void)
        {
            int i;
            for (i = 0; i < 3; i++)
                g += f(i);
            g = g * 2;
            return g - 12;
        }
        """;

    public const string Crash = """
        #include <stdio.h>

        int deref(int *p)
        {
            return *p;
        }

        int main(void)
        {
            int *p = 0;
            printf("before\n");
            return deref(p);
        }
        """;

    public const string Divide = """
        int divide(int a, int b)
        {
            return a / b;
        }

        int main(int argc, char **argv)
        {
            return divide(10, argc - 1);
        }
        """;

    public const string Spin = """
        #include <stdio.h>

        volatile int stop;

        int main(void)
        {
            long n = 0;
            printf("spinning\n");
            fflush(stdout);
            while (!stop)
                n++;
            return 0;
        }
        """;

    private static readonly Lazy<string> s_directory = new(() =>
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("lantern-dbg-tests-");
        File.WriteAllText(Path.Combine(dir.FullName, "prog.c"), Prog + "\n");
        File.WriteAllText(Path.Combine(dir.FullName, "loop.c"), Loop + "\n");
        File.WriteAllText(Path.Combine(dir.FullName, "crash.c"), Crash + "\n");
        File.WriteAllText(Path.Combine(dir.FullName, "divide.c"), Divide + "\n");
        File.WriteAllText(Path.Combine(dir.FullName, "spin.c"), Spin + "\n");
        return dir.FullName;
    });

    /// <summary>The directory holding prog.c, loop.c, crash.c, divide.c, spin.c.</summary>
    public static string Directory_ => s_directory.Value;

    public static string PathOf(string file) => Path.Combine(s_directory.Value, file);

    /// <summary>The options that select a target: none for the JIT, <c>--interp</c> for the interpreter.</summary>
    public static string[] TargetArgs(string target) => target == "interp" ? ["--interp"] : [];

    /// <summary><c>lantern dbg [--interp] --batch -ex C1 -ex C2 ... FILE</c>: exit code and the merged stdout+stderr.</summary>
    public static ProcessResult Batch(string target, string file, params string[] commands)
    {
        var args = new List<string> { "-c", "exec \"$0\" \"$@\" 2>&1", LanternProcess.Launcher, "dbg" };
        args.AddRange(TargetArgs(target));
        args.Add("--batch");
        foreach (string c in commands)
        {
            args.Add("-ex");
            args.Add(c);
        }

        args.Add(PathOf(file));
        return LanternProcess.RunProcess("sh", args, workingDirectory: s_directory.Value, timeoutSeconds: 180);
    }

    /// <summary>Addresses become ADDR, the process id PID.</summary>
    public static string Normalize(string text)
    {
        text = Regex.Replace(text, "0x[0-9a-f]{6,}", "ADDR");
        return Regex.Replace(text, @"\(process \d+\)", "(process PID)");
    }

    /// <summary>
    /// Asserts that the transcript matches <paramref name="expected"/> (after <see cref="Normalize"/>); in
    /// <paramref name="expected"/>, <c>[ADDR in ]</c> is an optional <c>ADDR in </c> (a frame stopped in mid-line on
    /// one target, at a line start on the other).
    /// </summary>
    public static void AssertTranscript(string expected, ProcessResult result)
    {
        string actual = Normalize(result.Stdout);
        string pattern = "^" + Regex.Escape(expected.Replace("\r", "")).Replace(Regex.Escape("[ADDR in ]"), "(?:ADDR in )?") + "$";
        Assert.True(Regex.IsMatch(actual, pattern), $"expected:\n{expected}\n--- actual:\n{actual}\n--- raw:\n{result}");
        Assert.Equal(0, result.ExitCode);
    }
}
