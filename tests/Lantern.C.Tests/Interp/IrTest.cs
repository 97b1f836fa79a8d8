using System.Text;
using Lantern.C.Ir;
using Xunit;

namespace Lantern.C.Tests.Interp;

/// <summary>Helpers of the interpreter tests over hand-built IR (see <see cref="Lantern.C.Tests.Ir.IrBuilder"/>).</summary>
internal static class IrTest
{
    /// <summary>Adds a zeroed global buffer.</summary>
    public static void Buffer(IrModule m, string name, int size) =>
        m.Globals.Add(new IrGlobal { Name = name, Size = size, Align = 16 });

    public static IrModule Verified(IrModule m)
    {
        List<string> problems = IrVerifier.Verify(m);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return m;
    }

    /// <summary>Runs main and returns (status, interpreter).</summary>
    public static (int Status, Lantern.C.Interp.Interpreter Interp) Run(IrModule m)
    {
        var it = new Lantern.C.Interp.Interpreter(Verified(m));
        int status = it.Run("test", Array.Empty<string>());
        return (status, it);
    }

    public static unsafe string ReadCString(long address)
    {
        byte* p = (byte*)address;
        int n = 0;
        while (p[n] != 0)
        {
            n++;
        }

        return Encoding.UTF8.GetString(p, n);
    }
}
