using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Lantern.Cli.Tests.Dbg;

/// <summary>Ctrl-C (SIGINT to lantern) stops a running program in the debugger, on both targets; the session goes on.</summary>
public class DbgInterruptTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void CtrlC_StopsTheRunningProgram(string target)
    {
        var info = new ProcessStartInfo(LanternProcess.Launcher)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DbgFixture.Directory_,
        };
        info.ArgumentList.Add("dbg");
        foreach (string a in DbgFixture.TargetArgs(target))
        {
            info.ArgumentList.Add(a);
        }

        info.ArgumentList.Add(DbgFixture.PathOf("spin.c"));
        using Process process = Process.Start(info)!;
        var output = new StringBuilder();
        var spinning = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Append(e.Data).Append('\n');
            }

            if (e.Data.Contains("spinning"))
            {
                spinning.Set();
            }
        };
        process.BeginOutputReadLine();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        try
        {
            process.StandardInput.WriteLine("run");
            process.StandardInput.Flush();
            Assert.True(spinning.Wait(TimeSpan.FromSeconds(120)), "the program did not start: " + output);
            Thread.Sleep(200);
            Assert.Equal(0, kill(process.Id, 2));
            process.StandardInput.WriteLine("bt 1");
            process.StandardInput.WriteLine("print n > 0");
            process.StandardInput.WriteLine("set var stop = 1");
            process.StandardInput.WriteLine("continue");
            process.StandardInput.WriteLine("quit");
            process.StandardInput.Close();
            Assert.True(process.WaitForExit(120_000), "lantern dbg did not exit: " + output);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.WaitForExit();
        string text = DbgFixture.Normalize(output.ToString());
        Assert.Equal(0, process.ExitCode);
        Assert.Equal("", errors.Result);
        Assert.Matches(
            "^Starting program: .*spin.c\nspinning\n\nProgram received signal SIGINT, Interrupt.\n(ADDR in )?main \\(\\) at spin.c:1[01]\n1[01]\t.*\n"
            + "#0  (ADDR in )?main \\(\\) at spin.c:1[01]\n(\\(More stack frames follow...\\)\n)?\\$1 = 1\nContinuing.\n\\[Inferior 1 \\(process PID\\) exited normally\\]\n$",
            text);
    }
}
