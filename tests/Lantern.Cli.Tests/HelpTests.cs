namespace Lantern.Cli.Tests;

/// <summary>`--help` on every command, and the top-level help naming every command.</summary>
public class HelpTests
{
    [Fact]
    public void TopLevelHelp_ListsEveryCommand()
    {
        ProcessResult r = LanternProcess.Run("--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string command in new[] { "run", "compile", "dbg", "prof", "gdb", "lldb" })
        {
            Assert.Matches($@"(?m)^\s+{command}\b", r.Stdout);
        }
    }

    [Theory]
    [InlineData("run")]
    [InlineData("compile")]
    [InlineData("dbg")]
    [InlineData("prof")]
    [InlineData("gdb")]
    [InlineData("lldb")]
    public void EveryCommand_HasHelp(string command)
    {
        ProcessResult r = LanternProcess.Run(command, "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("prog.c", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Theory]
    [InlineData("gdb")]
    [InlineData("lldb")]
    public void DebuggerWithoutProgram_IsAUsageErrorPointingAtHelp(string command)
    {
        ProcessResult r = LanternProcess.Run(command);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"lantern: error: usage: lantern {command} [{command}-args] prog.c [args] (lantern {command} --help)\n", r.Stderr);
    }
}
