using Lantern.C.Describe;
using Lantern.C.Jit;
using Lantern.Observability;
using Lantern.Observability.Elf;
using Xunit;

namespace Lantern.C.Tests.Jit;

/// <summary>
/// The GDB symfile of every JIT-linked c-testsuite program (main is never run) passes
/// <c>llvm-dwarfdump-14 --verify</c> and <c>readelf --debug-dump=info,line,frames</c> without warnings.
/// </summary>
public class DwarfCorpusVerifyTests
{
    private const string Readelf = "/usr/bin/readelf";

    public static TheoryData<string> Programs() => TestTools.CorpusPrograms();

    private static TempFile WriteSymfile(string file)
    {
        CompileResult r = CCompiler.CompileFile(Path.Combine(TestTools.CorpusDir, file), new CompileOptions());
        Assert.True(r.Success, r.Diagnostics.FormatAll());
        using var jit = new JitModule(r.Module!);
        CompilationUnitInfo unit = CodeInfoBuilder.Build(jit);
        TempFile symfile = TempFile.Create(prefix: "lantern-dwarfcorpus-", suffix: ".o");
        symfile.WriteAllBytes(ElfWriter.WriteSymfile(unit));
        symfile.Close();
        return symfile;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void LlvmDwarfdumpVerify(string file)
    {
        using TempFile symfile = WriteSymfile(file);
        (int code, string stdout, string stderr) = TestTools.RunTool(TestTools.Dwarfdump, "llvm-14", "--verify", symfile.Path);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("No errors.", stdout);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void ReadelfDebugDump(string file)
    {
        using TempFile symfile = WriteSymfile(file);
        (int code, string stdout, string stderr) = TestTools.RunTool(Readelf, "binutils", "--debug-dump=info,line,frames", symfile.Path);
        Assert.True(code == 0, stderr);
        string[] bad = stderr.Split('\n').Where(l => l.Contains("Warning", StringComparison.OrdinalIgnoreCase) || l.Contains("Error", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.True(bad.Length == 0, string.Join("\n", bad));
        Assert.Contains(".debug_info", stdout);
    }
}
