using System.Buffers.Binary;
using Lantern.C.Ir;
using Xunit;

namespace Lantern.C.Tests.Parse;

/// <summary>Helpers to compile C text through the whole pipeline (preprocessor, parser, lowering, verifier).</summary>
internal static class FrontEndTestUtil
{
    public static CompileResult Compile(string src, string name = "test.c") =>
        CCompiler.CompileText(name, src, new CompileOptions());

    /// <summary>Compiles and asserts success and a well-formed module.</summary>
    public static IrModule CompileOk(string src)
    {
        CompileResult r = Compile(src);
        Assert.True(r.Success, r.Diagnostics.FormatAll());
        List<string> problems = IrVerifier.Verify(r.Module!);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return r.Module!;
    }

    public static IrGlobal Global(IrModule m, string name)
    {
        IrGlobal? g = m.Globals.Find(x => x.Name == name);
        Assert.True(g is not null, "no global " + name);
        return g!;
    }

    /// <summary>The initial value of a global array of 8-byte integers.</summary>
    public static long[] Longs(IrModule m, string name)
    {
        IrGlobal g = Global(m, name);
        byte[] b = g.Init ?? new byte[g.Size];
        var r = new long[g.Size / 8];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(i * 8));
        }

        return r;
    }

    public static long Long(IrModule m, string name) => Longs(m, name)[0];

    public static double Double(IrModule m, string name) =>
        BinaryPrimitives.ReadDoubleLittleEndian((Global(m, name).Init ?? new byte[8]).AsSpan());
}
