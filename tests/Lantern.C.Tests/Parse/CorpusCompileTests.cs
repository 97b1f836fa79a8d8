using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Xunit;

namespace Lantern.C.Tests.Parse;

/// <summary>Every c-testsuite program compiles through the whole pipeline without errors and with valid IR.</summary>
public class CorpusCompileTests
{
    private const string CorpusDir = "/work/shared/corpus/c-testsuite/single-exec";

    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        if (Directory.Exists(CorpusDir))
        {
            foreach (string f in Directory.GetFiles(CorpusDir, "*.c").OrderBy(x => x, StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(f));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Compiles(string file)
    {
        CompileResult r = CCompiler.CompileFile(Path.Combine(CorpusDir, file), new CompileOptions());
        Assert.True(r.Success, r.Diagnostics.FormatAll());
        Assert.Empty(IrVerifier.Verify(r.Module!));
        Assert.NotNull(r.Module!.FindFunction("main"));
    }
}
