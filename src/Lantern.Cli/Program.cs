namespace Lantern.Cli;

/// <summary>The <c>lantern</c> command-line entry point.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        LauncherEnvironment.Restore();
        Lantern.C.StartupTrace.Mark("main");
        if (args.Length > 0 && args[0] is "run" or "dbg" or "prof")
        {
            long populated = HeapPretouch.Run();
            if (Lantern.C.StartupTrace.Enabled)
            {
                Lantern.C.StartupTrace.Mark($"heap pre-touched ({populated >> 10} KiB)");
            }
        }

        int status = LanternCommand.Run(args);
        Lantern.C.StartupTrace.Mark("exit");
        return status;
    }
}
