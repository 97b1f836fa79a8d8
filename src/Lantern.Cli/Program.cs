namespace Lantern.Cli;

/// <summary>The <c>lantern</c> command-line entry point.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        LauncherEnvironment.Restore();
        Lantern.C.StartupTrace.Mark("main");
        int status = LanternCommand.Run(args);
        Lantern.C.StartupTrace.Mark("exit");
        return status;
    }
}
