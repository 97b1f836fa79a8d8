namespace Lantern.Cli;

/// <summary>The <c>lantern</c> command-line entry point.</summary>
public static class Program
{
    public static int Main(string[] args) => LanternCommand.Run(args);
}
