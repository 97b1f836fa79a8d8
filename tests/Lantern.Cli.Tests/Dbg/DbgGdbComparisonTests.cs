namespace Lantern.Cli.Tests.Dbg;

/// <summary>
/// The same debugger commands on the same program: gdb on gcc -O0 -g's build, and lantern dbg on both targets.
/// Locals, parameters (struct by pointer, union by value, enum, char, double), bit-fields, arrays, pointers, strings,
/// arithmetic and formats must print the same values (addresses replaced).
/// </summary>
public class DbgGdbComparisonTests
{
    private const string Source = """
        #include <string.h>

        struct inner { short s; char tag[4]; };
        struct rec { int id; double score; struct inner in; int *ptr; const char *name; unsigned flags : 3; int delta : 5; };
        union num { int i; float f; };
        enum mode { OFF, ON = 4, AUTO };

        int g_counter = 7;

        double mix(struct rec *r, int k, char c, double w, enum mode m, union num u)
        {
            int local = k * 2;
            char buf[12] = "";
            long big = -1234567890123L;
            unsigned char bytes[5] = {1, 2, 2, 2, 250};
            float ratio = 0.75f;
            struct rec copy = *r;
            strcpy(buf, "abc");
            copy.id = local + c;
            return r->score * w + copy.id + ratio + big / 1000000000000L + bytes[4] + m + u.i;
        }

        int main(void)
        {
            int values[3] = {4, 5, 6};
            struct rec r = {42, 2.5, {-3, "xy"}, values, "rec-name", 5, -7};
            union num u;
            u.i = 3;
            return (int)mix(&r, 9, 'Q', 0.5, AUTO, u) & 0;
        }
        """;

    private static readonly string[] s_commands =
    [
        "break 20", "run", "p r", "p *r", "p k", "p c", "p w", "p m", "p u", "p local", "p buf", "p big", "p bytes", "p ratio", "p copy",
        "p copy.in", "p r->ptr[1]", "p *r->ptr@3", "p r->name", "p copy.flags", "p copy.delta", "p/x copy.flags", "p local * w", "p (char)local",
        "p &copy.in.tag", "p sizeof copy", "p g_counter + local", "p m == AUTO", "p r->in.tag[0]", "p -r->score", "p bytes[4] + 1", "p/c bytes",
        "p/x bytes", "p buf[1]", "p/d c", "p/t local", "p/o local", "p r->name[3]", "p *r->name@4", "p copy.score / 3", "p (long)ratio", "p ratio * 3",
        "set var local = 99", "p local", "p k > 3 ? r->in.s : -1", "info args", "info locals", "up", "p values", "p r", "p u", "p values[1] * 2",
        "p r.in", "p &r.name", "down", "whatis r", "ptype r", "ptype struct rec", "whatis copy.in", "ptype m", "whatis k + w", "ptype int", "whatis u", "p $rip == $pc", "p nosuch", "p r->nosuch", "p k.x", "p *k", "finish",
    ];

    /// <summary>Typedef'd anonymous structs and unions, and calls with string literals, structs by value (registers and memory) and struct returns.</summary>
    private const string CallsSource = """
        #include <string.h>

        typedef struct { int x, y; } Point;
        typedef union { int i; float f; } Num;
        struct pair { int a; double b; };
        struct big { long a, b, c; };
        struct mixed { float f; int i; };
        struct dd { double x, y; };

        Point origin = {1, 2};
        Num num = {7};

        int length(const char *s) { return (int)strlen(s); }
        int at(const char *s, int i) { return s[i]; }
        int norm1(Point p) { return p.x + p.y; }
        double pairsum(struct pair p) { return p.a + p.b; }
        long bigsum(struct big b) { return b.a + b.b + b.c; }
        Point mkpoint(int x, int y) { Point p = {x, y}; return p; }
        struct pair mkpair(int a, double b) { struct pair p = {a, b}; return p; }
        struct big mkbig(long v) { struct big b = {v, v + 1, v + 2}; return b; }
        struct dd mkdd(double x) { struct dd d = {x, x * 2}; return d; }
        double ddsum(struct dd d) { return d.x + d.y; }
        float mixsum(struct mixed m) { return m.f + m.i; }
        long many(long a, long b, long c, long d, long e, long f, long g, struct big h) { return a + b + c + d + e + f + g + h.c; }
        double fmany(double a, double b, double c, double d, double e, double f, double g, double h, struct dd i, double j) { return a + h + i.x + i.y + j; }

        int main(void)
        {
            Point p = {3, 4};
            struct pair q = {5, 0.5};
            struct big b = {1, 2, 3};
            struct dd d = {1.5, 2.5};
            struct mixed m = {0.5f, 2};
            int r = norm1(p) + length("abc") + (int)pairsum(q) + (int)bigsum(b) + (int)ddsum(d) + (int)mixsum(m);
            return r == 0;
        }
        """;

    private static readonly string[] s_callCommands =
    [
        "break 34", "run", "whatis p", "whatis origin", "p sizeof(Point)", "ptype Point", "whatis num", "p num", "p sizeof(Num)", "p origin",
        "whatis (Point *)0", "p length(\"abc\")", "p at(\"xyz\", 1)", "p length(\"\")", "p norm1(p)", "p norm1(origin)", "p pairsum(q)", "p bigsum(b)",
        "p mkpoint(5, 6)", "p mkpair(1, 0.25)", "p mkbig(10)", "p mkdd(1.5)", "p ddsum(d)", "p mixsum(m)", "p mkpoint(1, 2).y", "p norm1(mkpoint(2, 3))",
        "p bigsum(mkbig(1))", "p many(1, 2, 3, 4, 5, 6, 7, b)", "p fmany(1, 2, 3, 4, 5, 6, 7, 8, d, 10)", "p $", "p norm1(1)", "next", "p r",
    ];

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Values_AreThoseGdbPrints(string target)
    {
        string[] commands = target == "interp" ? s_commands[..^1] : s_commands;
        Compare(target, "locals", Source, commands);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void TypedefNames_And_CallsWithStringsAndStructs_AreThoseOfGdb(string target)
    {
        Compare(target, "calls", CallsSource, s_callCommands);
    }

    private static void Compare(string target, string name, string program, string[] commands)
    {
        string directory = DbgFixture.Directory_;
        string source = Path.Combine(directory, name + ".c");
        string exe = Path.Combine(directory, name + "-gcc");
        File.WriteAllText(source, program + "\n");
        ProcessResult gcc = LanternProcess.RunProcess("gcc", ["-O0", "-g", "-o", exe, source]);
        Assert.True(gcc.ExitCode == 0, gcc.ToString());
        var gdbArgs = new List<string> { "-c", "exec gdb \"$@\" 2>&1", "gdb", "-nx", "-batch" };
        foreach (string c in commands)
        {
            gdbArgs.Add("-ex");
            gdbArgs.Add(c);
        }

        gdbArgs.Add(exe);
        ProcessResult gdb = LanternProcess.RunProcess("sh", gdbArgs, environment: new Dictionary<string, string?> { ["LC_ALL"] = "C" }, workingDirectory: directory);
        ProcessResult ours = DbgFixture.Batch(target, name + ".c", commands);
        Assert.Equal(0, ours.ExitCode);

        // gdb's own lines (threads, libthread_db) and the breakpoint line (gdb shows the pre-relocation address) differ.
        List<string> Lines(string text) => DbgFixture.Normalize(text.Replace(directory + "/", "", StringComparison.Ordinal)).Split('\n')
            .Where(l => !l.StartsWith('[') && !l.Contains("libthread_db", StringComparison.Ordinal) && !l.StartsWith("Breakpoint 1 at ", StringComparison.Ordinal))
            // finish: gdb omits the address when the return address starts a line-table row (gcc emits one there)
            .Select(l => l.StartsWith("ADDR in main ", StringComparison.Ordinal) ? l[8..] : l)
            .ToList();

        List<string> expected = Lines(gdb.Stdout);
        List<string> actual = Lines(ours.Stdout);
        Assert.True(expected.SequenceEqual(actual), $"gdb:\n{string.Join("\n", expected)}\n--- lantern dbg:\n{string.Join("\n", actual)}");
    }
}
