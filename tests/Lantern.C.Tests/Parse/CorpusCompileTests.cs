using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Xunit;

namespace Lantern.C.Tests.Parse;

/// <summary>Every c-testsuite program compiles through the whole pipeline without errors and with valid IR.</summary>
public class CorpusCompileTests
{
    public static TheoryData<string> Programs() => TestTools.CorpusPrograms();

    [Theory]
    [MemberData(nameof(Programs))]
    public void Compiles(string file)
    {
        CompileResult r = CCompiler.CompileFile(Path.Combine(TestTools.CorpusDir, file), new CompileOptions());
        Assert.True(r.Success, r.Diagnostics.FormatAll());
        Assert.Empty(IrVerifier.Verify(r.Module!));
        Assert.NotNull(r.Module!.FindFunction("main"));
    }
}
