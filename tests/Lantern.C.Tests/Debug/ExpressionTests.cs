using System.Text.RegularExpressions;
using Lantern.C.Debug;
using Lantern.Observability;
using Xunit;

namespace Lantern.C.Tests.Debug;

/// <summary>
/// The C expression evaluator and gdb-style formatter on a real linked JIT module's globals (no frame), checked
/// against fixed gdb output and against gdb itself on the same program built by gcc -O0 -g.
/// </summary>
public class ExpressionTests
{
    internal const string Program = """
        #include <stdbool.h>
        struct P { int x, y; };
        struct N { struct P p; int a[3]; char name[8]; double d; };
        union U { int i; float f; };
        enum Color { RED, GREEN = 5, BLUE };
        struct Bits { unsigned a : 3; int b : 5; char c; };
        typedef struct P Point;
        typedef int myint;
        myint mi = 3;
        int g = 42; char c = 'a'; signed char sc = -1; unsigned char uc = 200; double d = 0.1; float f = 0.1f; double big = 1e20; double one = 1.0;
        bool b = true; long l = -5; unsigned u = 3000000000u; short sh = -3;
        int arr[3] = {1, 2, 3}; int zeros[16]; int mixed[15] = {1, 2}; int ten[10]; int eleven[11]; int grid[2][3] = {{1, 2, 3}, {4, 5, 6}};
        char buf[20] = "hello"; char s6[6] = "hello"; const char *str = "world"; char *nul = 0;
        struct P pt = {1, 2}; struct N n = {{3, 4}, {5, 6, 7}, "ab", 2.5}; union U un = {1}; enum Color col = BLUE; enum Color col2 = 7;
        struct Bits bits = {5, -3, 'z'}; struct P pts[2] = {{1, 2}, {3, 4}};
        Point tp = {7, 8}; int *ip = &g; int (*fp)(int, int); void *vp = &g; struct P *pp = &pt;
        char esc[4] = "\n\t\\"; double nd = -0.0; float ff = 1.5f;
        int add(int a, int b) { return a + b; }
        int twice(int x) { return 2 * x; }
        int main(void) { fp = add; return add(1, 2) + twice(0); }
        """;

    /// <summary>Expressions printed by both gdb (on gcc's build, stopped at main) and Lantern (on the linked JIT module).</summary>
    internal static readonly string[] Expressions =
    [
        "g", "c", "sc", "uc", "d", "f", "big", "one", "b", "l", "u", "sh", "arr", "zeros", "mixed", "ten", "eleven", "grid", "grid[1]", "grid[1][2]",
        "buf", "s6", "str", "nul", "pt", "n", "un", "col", "col2", "bits", "bits.b", "pts", "pts[1].y", "tp", "ip", "vp", "pp", "esc", "nd", "ff",
        "add", "main", "&g", "&arr[1]", "*pp", "pp->x", "pp.y", "arr[1] + 2.5", "10/3", "1.0/3", "sizeof(int)", "sizeof(struct N)", "'a'", "\"hi\"",
        "foo", "&1", "*nul", "g = 5", "g", "(char)g", "*ip", "$1", "$", "$$2", "add(2,3)", "twice(g)", "-g", "!g", "~g", "g > 3 && g < 10", "g ? 1 : 2",
        "1.5f", "1e10", "100000000000", "4294967295", "'a' + 1", "u + 1", "-5 / 2", "-5 % 2", "1.0 == 1", "*(struct P *)vp", "sizeof pt",
        "sizeof(myint)", "(myint)2.5", "mi", "(myint *)ip", "RED", "BLUE + 1", "(enum Color)0", "n.a", "&n.a", "&n", "n.name", "*&n.p", "pt.z", "g.x", "1 +",
        "0x10", "010", "1.0f", "3.0", "1e-5", "123456789.0", "0.5", "(float)1/3", "\"a\" \"b\"", "'A' == 65", "arr[1]@2", "*arr@3", "str[1]",
        "*str", "g++", "g", "--g", "g += 10", "g *= 2", "g", "sc + uc", "u > -1", "(unsigned char)300", "(short)-1", "(unsigned)-1", "(long)-1",
        "1 ? 2 : 3", "0 || 0", "5 & 3", "5 | 3", "5 ^ 3", "1 << 4", "-16 >> 2", "3 % 0", "&pts[1]", "pts[1]", "&pp->y", "*&*&g", "1/0",
        "sizeof arr", "sizeof(arr)/sizeof(arr[0])", "(long)sizeof(char)", "sizeof(grid[0])", "bits.b = 7", "bits", "pt = tp", "pt", "arr[0] = 100", "arr",
        "undefined_thing + 1", "(struct Nope *)0", "l * u", "sh * 2",
    ];

    [Fact]
    public void Print_MatchesKnownGdbOutput()
    {
        using var ctx = new JitValueContext(Program);
        Assert.Equal("42", ctx.Print("g"));
        Assert.Equal("97 'a'", ctx.Print("c"));
        Assert.Equal("-1 '\\377'", ctx.Print("sc"));
        Assert.Equal("200 '\\310'", ctx.Print("uc"));
        Assert.Equal("0.10000000000000001", ctx.Print("d"));
        Assert.Equal("0.100000001", ctx.Print("f"));
        Assert.Equal("1e+20", ctx.Print("big"));
        Assert.Equal("true", ctx.Print("b"));
        Assert.Equal("{0 <repeats 16 times>}", ctx.Print("zeros"));
        Assert.Equal("{1, 2, 0 <repeats 13 times>}", ctx.Print("mixed"));
        Assert.Equal("{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}", ctx.Print("ten"));
        Assert.Equal("{0 <repeats 11 times>}", ctx.Print("eleven"));
        Assert.Equal("\"hello\", '\\000' <repeats 14 times>", ctx.Print("buf"));
        Assert.Equal("{p = {x = 3, y = 4}, a = {5, 6, 7}, name = \"ab\\000\\000\\000\\000\\000\", d = 2.5}", ctx.Print("n"));
        Assert.Equal("{i = 1, f = 1.40129846e-45}", ctx.Print("un"));
        Assert.Equal("BLUE", ctx.Print("col"));
        Assert.Equal("7", ctx.Print("col2"));
        Assert.Equal("{a = 5, b = -3, c = 122 'z'}", ctx.Print("bits"));
        Assert.Matches("^\\(int \\*\\) 0x[0-9a-f]+ <g>$", ctx.Print("ip"));
        Assert.Matches("^0x[0-9a-f]+ \"world\"$", ctx.Print("str"));
        Assert.Equal("0x0", ctx.Print("nul"));
        Assert.Matches("^\\{int \\(int, int\\)\\} 0x[0-9a-f]+ <add>$", ctx.Print("add"));
        Assert.Matches("^\\(int \\(\\*\\)\\[3\\]\\) 0x[0-9a-f]+ <n\\+8>$", ctx.Print("&n.a"));
        Assert.Equal("error: No symbol \"foo\" in current context.", ctx.Print("foo"));
        Assert.Equal("error: Attempt to take address of value not located in memory.", ctx.Print("&1"));
        Assert.Equal("error: Cannot access memory at address 0x0", ctx.Print("*nul"));
        Assert.Equal("error: A syntax error in expression, near `'.", ctx.Print("1 +"));
        Assert.Equal("error: There is no member named z.", ctx.Print("pt.z"));
        Assert.Equal("5", ctx.Print("g = 5"));
        Assert.Equal("5", ctx.Print("g"));
        Assert.Equal("5", ctx.Print("add(2, 3)"));
        Assert.Equal("10", ctx.Print("twice(g)"));
        Assert.Equal("0x2a", ctx.Print("42", 'x'));
        Assert.Equal("0xffffffff", ctx.Print("-1", 'x'));
        Assert.Equal("1010", ctx.Print("10", 't'));
        Assert.Equal("65 'A'", ctx.Print("65", 'c'));
        Assert.Equal("010", ctx.Print("8", 'o'));
        Assert.Equal("{0x1, 0x2, 0x3}", ctx.Print("arr", 'x'));
        Assert.Equal("97", ctx.Print("c", 'd'));
    }

    [Fact]
    public void Print_AgreesWithGdbOnGccBuild()
    {
        using var ctx = new JitValueContext(Program);
        List<string> ours = Expressions.Select(e => Normalize(ctx.Print(e))).ToList();
        List<string> gdb = RunGdb(Program, Expressions).Select(Normalize).ToList();
        Assert.Equal(Expressions.Length, gdb.Count);
        var mismatches = new List<string>();
        for (int i = 0; i < Expressions.Length; i++)
        {
            if (ours[i] != gdb[i])
            {
                mismatches.Add($"p {Expressions[i]}\n  gdb:     {gdb[i]}\n  lantern: {ours[i]}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    /// <summary>Addresses differ between the two builds; gdb's "warning:" lines are dropped.</summary>
    private static string Normalize(string s) => Regex.Replace(s, "0x[0-9a-f]{5,}", "0xADDR");

    /// <summary>Builds <paramref name="source"/> with gcc -O0 -g and prints each expression with gdb at main; one result per expression.</summary>
    internal static List<string> RunGdb(string source, IReadOnlyList<string> expressions)
    {
        using TempFile c = TempFile.CreateWithText(source, "lantern-dbg-", ".c");
        using TempFile exeFile = TempFile.Create("lantern-dbg-", ".out");
        exeFile.Close();
        string exe = exeFile.Path;
        {
            Run("gcc", ["-O0", "-g", "-w", "-o", exe, c.Path]);
            var args = new List<string> { "-nx", "-batch", "-ex", "set confirm off", "-ex", "break main", "-ex", "run" };
            foreach (string e in expressions)
            {
                args.Add("-ex");
                args.Add("echo @@@\\n");
                args.Add("-ex");
                args.Add("print " + e);
            }

            args.Add("-ex");
            args.Add("echo @@@\\n");
            args.Add(exe);
            string output = Run("sh", ["-c", "exec gdb \"$@\" 2>&1", "gdb", .. args]);
            string[] parts = output.Split("@@@\n");
            var results = new List<string>();
            for (int i = 1; i < parts.Length - 1; i++)
            {
                string text = string.Join("\n", parts[i].Split('\n').Where(l => l.Length > 0 && !l.StartsWith("warning:", StringComparison.Ordinal)));
                Match m = Regex.Match(text, @"^\$\d+ = (.*)$", RegexOptions.Singleline);
                results.Add(m.Success ? m.Groups[1].Value : "error: " + text);
            }

            return results;
        }
    }

    private static string Run(string file, IReadOnlyList<string> args)
    {
        // gdb prints bytes >= 0x80 of char arrays as octal escapes, as we do
        (int exitCode, string output, string err) = TestTools.Run(file, args, new Dictionary<string, string?> { ["LC_ALL"] = "C" });
        Assert.True(exitCode == 0, $"{file} failed: {err}");
        return output;
    }
}
