using System.Runtime.InteropServices;
using Lantern.Observability.Interop;

namespace Lantern.Cli;

/// <summary>
/// <c>lantern gdb [gdb-args] prog.c [args]</c>: replaces this process with the real gdb debugging the real
/// executable (gdb cannot start the <c>./lantern</c> shell script), with the GDB JIT interface switched on
/// (<c>run --gdb</c>), and with CoreCLR's real-time signals passed silently to the program. Everything before
/// the first argument ending in <c>.c</c> goes to gdb (e.g. <c>-batch -ex 'break f' -ex run</c>).
/// </summary>
internal static class GdbCommand
{
    /// <summary>
    /// <c>lantern lldb [lldb-args] prog.c [args]</c>: the same for lldb, with its GDB JIT loader switched on
    /// (<c>settings set plugin.jit-loader.gdb.enable on</c>). lldb can only be told how to handle signals once the
    /// process exists: see the README for the <c>process launch -s</c> / <c>process handle</c> sequence.
    /// </summary>
    public static int RunLldb(string[] args) =>
        Exec("lldb", args, ["-O", "settings set plugin.jit-loader.gdb.enable on"], "--");

    public static int Run(string[] args)
    {
        var options = new List<string>();
        // CoreCLR uses SIG34/SIG35 (real-time signals) for its own purposes; and the runtime's own faults are handled by it.
        foreach (string signal in new[] { "SIG34", "SIG35", "SIG36" })
        {
            options.Add("-ex");
            options.Add($"handle {signal} nostop noprint pass");
        }

        options.Add("-ex");
        options.Add("set breakpoint pending on");
        return Exec("gdb", args, options, "--args");
    }

    /// <summary>
    /// Replaces this process with <c>DEBUGGER OPTIONS [debugger-args] SEPARATOR lantern run --gdb prog.c [args]</c>;
    /// returns only if that fails.
    /// </summary>
    private static int Exec(string debugger, string[] args, List<string> options, string separator)
    {
        int file = Array.FindIndex(args, a => a.EndsWith(".c", StringComparison.Ordinal) && !a.StartsWith('-'));
        if (file < 0 && args is ["--help"] or ["-h"] or ["-?"])
        {
            Terminal.WriteOut(
                $"usage: lantern {debugger} [{debugger}-args] prog.c [args]\n\n" +
                $"Replaces lantern with the real {debugger} debugging `lantern run --gdb prog.c [args]` (the JIT code registered\n" +
                $"with the GDB JIT interface), CoreCLR's own signals passed silently. Every argument before the first one\n" +
                $"ending in .c goes to {debugger}, e.g. lantern {debugger} {(debugger == "gdb" ? "-batch -ex 'break f' -ex run" : "-b -o 'breakpoint set -n f'")} prog.c\n" +
                "(docs/tools.md has the recipes).\n");
            return 0;
        }

        if (file < 0)
        {
            Terminal.Error($"usage: lantern {debugger} [{debugger}-args] prog.c [args] (lantern {debugger} --help)");
            return LanternCommand.ExitUsage;
        }

        var argv = new List<string> { debugger };
        argv.AddRange(options);
        argv.AddRange(args[..file]);
        argv.Add(separator);
        argv.AddRange(SelfCommand());
        argv.Add("run");
        argv.Add("--gdb");
        argv.AddRange(args[file..]);
        Terminal.FlushOut();
        LibC.Execvp(debugger, [.. argv, null]);
        int errno = Marshal.GetLastPInvokeError();
        Terminal.Error($"cannot run {debugger}: {Marshal.GetPInvokeErrorMessage(errno)} (install the Debian package '{debugger}')");
        return 127;
    }

    /// <summary>The command that runs this CLI: the native apphost, or <c>dotnet lantern.dll</c>.</summary>
    internal static string[] SelfCommand()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return [process, Path.Combine(AppContext.BaseDirectory, "lantern.dll")];
        }

        return [process];
    }
}
