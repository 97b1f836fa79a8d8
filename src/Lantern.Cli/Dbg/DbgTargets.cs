using Lantern.C.Interp.Debug;
using Lantern.C.Ir;
using Lantern.C.Jit.Debug;
using Lantern.Observability.Debugging;

namespace Lantern.Cli.Dbg;

/// <summary>Creates the debug target: the JIT (machine code with patch sites) or the interpreter (<c>--interp</c>).</summary>
internal static class DbgTargets
{
    public static IDebugTarget Create(IrModule module, bool interpret)
        => interpret ? new InterpDebugTarget(module) : JitDebugTarget.Create(module);
}
