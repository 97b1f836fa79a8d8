using Lantern.C.Ir;
using Lantern.Observability.Publish;

namespace Lantern.C.Jit;

/// <summary>Compiles a module with the baseline x64 JIT and runs its main.</summary>
public static class JitRunner
{
    /// <summary>
    /// Does, ahead of time, the start-up work of <see cref="Run"/> that does not depend on the program, so that it
    /// can overlap the front end on another thread (<c>lantern run</c> calls it on the program's thread while the main
    /// thread compiles): Iced's encoder tables (a static constructor that builds some 4,000 handler objects, ~2 ms),
    /// the crash reporter's machine code, libc's and libm's handles, and libgcc_s for the unwinder registration.
    /// Thread-safe; whatever fails here is done (and reported) again by <see cref="Run"/>.
    /// </summary>
    public static void Prepare()
    {
        try
        {
            _ = CrashReporter.PthreadCreateWrapper; // assembles the handler and stubs with Iced, resolves libc symbols
            if (Environment.GetEnvironmentVariable("LANTERN_UNWIND") != "0")
            {
                UnwindRegistration.Preload();
            }
        }
        catch (Exception)
        {
            // done again, and reported, on the way to main
        }
    }

    /// <summary>
    /// Compiles <paramref name="module"/>, runs main(argc, argv) with argv[0] = <paramref name="programName"/> on a
    /// dedicated thread with a 256 MiB stack, flushes stdio, and returns main's value or the status given to exit().
    /// Throws <see cref="JitLinkException"/> for an undefined data symbol or a missing main.
    /// </summary>
    public static int Run(IrModule module, string programName, IReadOnlyList<string> args, bool onCurrentThread = false)
    {
        using var jit = new JitModule(module);
        StartupTrace.Mark("jit compiled and linked");
        using IDisposable published = JitPublishers.Publish(jit);
        StartupTrace.Mark("published");
        return onCurrentThread ? jit.RunMainOnCurrentThread(programName, args) : jit.RunMain(programName, args);
    }
}
