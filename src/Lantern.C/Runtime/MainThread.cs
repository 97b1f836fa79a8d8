using Lantern.Observability.Interop;

namespace Lantern.C.Runtime;

/// <summary>
/// The thread a C program's main runs on for <see cref="Interp.Interpreter.Run"/> and
/// <see cref="Jit.JitModule.RunMain"/>: a thread of its own, with a stack as large as the caller asks (C code may
/// recurse deeply), joined before returning.
/// </summary>
internal static class MainThread
{
    /// <summary>
    /// Runs <paramref name="body"/> on a new thread named <paramref name="name"/> with a <paramref name="stackSize"/>-byte
    /// stack and waits for it; returns its result, or 0 with <paramref name="failure"/> set to what it threw.
    /// </summary>
    public static int Run(string name, int stackSize, Func<int> body, out Exception? failure)
    {
        int status = 0;
        Exception? thrown = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    status = body();
                }
                catch (Exception e)
                {
                    thrown = e;
                }
            },
            stackSize);
        thread.Name = name;
        thread.Start();
        thread.Join();
        failure = thrown;
        return status;
    }

    /// <summary>
    /// Ends the process with <paramref name="status"/>, as libc's <c>exit</c> does after its handlers, when it is a
    /// child the C program forked: its pid is not <paramref name="mainPid"/>, the pid main started in. fork copies only
    /// the forking thread, so nothing else of Lantern or of the .NET runtime runs in the child; returning into them
    /// would end the thread, and with it the child, with status 0. The caller has run the atexit handlers and flushed
    /// stdio.
    /// </summary>
    public static void EndForkedChild(int mainPid, int status)
    {
        if (LibC.GetPid() != mainPid)
        {
            LibC.Exit(status);
        }
    }
}
