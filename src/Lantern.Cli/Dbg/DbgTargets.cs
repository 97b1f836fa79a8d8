using Lantern.C.Ir;
using Lantern.Observability.Debugging;

namespace Lantern.Cli.Dbg;

/// <summary>Creates the JIT debug target (machine code with patch sites).</summary>
internal static class DbgTargets
{
    public static IDebugTarget CreateJit(IrModule module)
    {
        Type? type = typeof(Lantern.C.CCompiler).Assembly.GetType("Lantern.C.Jit.Debug.JitDebugTarget");
        if (type?.GetMethod("Create", [typeof(IrModule)]) is not System.Reflection.MethodInfo create)
        {
            throw new InvalidOperationException("the JIT debug target is not available yet; use --interp");
        }

        try
        {
            return (IDebugTarget)create.Invoke(null, [module])!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
