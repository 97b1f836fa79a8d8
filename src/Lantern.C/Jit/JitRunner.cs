using Lantern.C.Ir;

namespace Lantern.C.Jit;

/// <summary>Compiles a module with the baseline x64 JIT and runs its main.</summary>
public static class JitRunner
{
    /// <summary>
    /// Compiles <paramref name="module"/>, runs main(argc, argv) with argv[0] = <paramref name="programName"/> on a
    /// dedicated thread with a 256 MiB stack, flushes stdio, and returns main's value or the status given to exit().
    /// With LANTERN_DUMP_ASM set, prints the disassembly of every function to stderr first.
    /// Throws <see cref="JitLinkException"/> for an undefined data symbol or a missing main.
    /// </summary>
    public static int Run(IrModule module, string programName, IReadOnlyList<string> args, bool onCurrentThread = false)
    {
        using var jit = new JitModule(module);
        StartupTrace.Mark("jit compiled and linked");
        using IDisposable published = JitPublishers.Publish(jit);
        StartupTrace.Mark("published");
        if (Environment.GetEnvironmentVariable("LANTERN_DUMP_ASM") is { Length: > 0 })
        {
            foreach (IrFunction f in module.Functions)
            {
                Console.Error.Write(jit.Disassemble(f.Name));
            }
        }

        return onCurrentThread ? jit.RunMainOnCurrentThread(programName, args) : jit.RunMain(programName, args);
    }
}
