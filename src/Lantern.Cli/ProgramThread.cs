namespace Lantern.Cli;

/// <summary>
/// The thread that runs the C program (<c>lantern run</c>, <c>lantern prof</c>): a 256 MiB stack, since C code may
/// recurse deeply; named <c>lantern-program</c>; a background thread, so that the process ends with the command's
/// exit status even if the program's thread is still stuck (a timeout).
/// </summary>
internal static class ProgramThread
{
    /// <summary>Stack of the thread that runs the C program.</summary>
    public const int StackSize = 256 * 1024 * 1024;

    /// <summary>Creates and starts the program's thread running <paramref name="body"/>.</summary>
    public static Thread Start(ThreadStart body)
    {
        var thread = new Thread(body, StackSize) { Name = "lantern-program", IsBackground = true };
        thread.Start();
        return thread;
    }
}
