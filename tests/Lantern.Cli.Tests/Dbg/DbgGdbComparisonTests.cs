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
        "p r.in", "p &r.name", "down", "p $rip == $pc", "p nosuch", "p r->nosuch", "p k.x", "p *k", "finish",
    ];

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Values_AreThoseGdbPrints(string target)
    {
        string directory = DbgFixture.Directory_;
        string source = Path.Combine(directory, "locals.c");
        string exe = Path.Combine(directory, "locals-gcc");
        File.WriteAllText(source, Source + "\n");
        ProcessResult gcc = LanternProcess.RunProcess("gcc", ["-O0", "-g", "-o", exe, source]);
        Assert.True(gcc.ExitCode == 0, gcc.ToString());
        string[] commands = target == "interp" ? s_commands[..^1] : s_commands;
        var gdbArgs = new List<string> { "-c", "exec gdb \"$@\" 2>&1", "gdb", "-nx", "-batch" };
        foreach (string c in commands)
        {
            gdbArgs.Add("-ex");
            gdbArgs.Add(c);
        }

        gdbArgs.Add(exe);
        ProcessResult gdb = LanternProcess.RunProcess("sh", gdbArgs, environment: new Dictionary<string, string?> { ["LC_ALL"] = "C" }, workingDirectory: directory);
        ProcessResult ours = DbgFixture.Batch(target, "locals.c", commands);
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
