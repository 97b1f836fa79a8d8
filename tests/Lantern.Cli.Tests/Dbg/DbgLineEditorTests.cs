namespace Lantern.Cli.Tests.Dbg;

/// <summary>
/// The interactive mode on a real terminal (a pty from script(1), Debian bsdutils, installed by scripts/test): the
/// prompt, line editing (Backspace, Ctrl-A then insert) and history (Up arrow recalls the previous line; the file is
/// the user's alone, mode 0600).
/// </summary>
public class DbgLineEditorTests
{
    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Terminal_EditsLines_AndRecallsHistory(string target)
    {
        string home = Path.Combine(DbgFixture.Directory_, "home-" + target);
        Directory.CreateDirectory(home);
        string history = Path.Combine(home, ".lantern_dbg_history");
        File.Delete(history);
        if (target == "interp")
        {
            // an existing history file readable by others (as earlier versions wrote it) is made the user's alone
            File.WriteAllText(history, "");
            File.SetUnixFileMode(history, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        string keys = Path.Combine(DbgFixture.Directory_, "keys-" + target);
        // "p nn" Backspace → "p n"; Up → "p n" again; "n * 2", Ctrl-A, "p " → "p n * 2"
        File.WriteAllText(keys, "break square\rrun\rp nn\u007f\r\u001b[A\rn * 2\u0001p \rquit\r");
        string command = $"'{LanternProcess.Launcher}' dbg {string.Join(" ", DbgFixture.TargetArgs(target))} '{DbgFixture.PathOf("prog.c")}'";
        ProcessResult r = LanternProcess.RunProcess(
            "sh",
            ["-c", $"(cat '{keys}'; sleep 5) | script -qfec \"{command}\" /dev/null"],
            environment: new Dictionary<string, string?> { ["HOME"] = home },
            timeoutSeconds: 180);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("(lantern) ", r.Stdout);
        Assert.Contains("Breakpoint 1, square (n=3) at prog.c:8", r.Stdout);
        Assert.Contains("$1 = 3\r\n", r.Stdout);
        Assert.Contains("$2 = 3\r\n", r.Stdout);
        Assert.Contains("$3 = 6\r\n", r.Stdout);
        Assert.DoesNotContain("No symbol", r.Stdout);
        Assert.Equal(["break square", "run", "p n", "p n * 2", "quit"], File.ReadAllLines(history));
        // history may hold secrets typed into expressions: only the user reads it
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(history));
    }
}
