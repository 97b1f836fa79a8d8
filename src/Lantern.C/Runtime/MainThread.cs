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
}
