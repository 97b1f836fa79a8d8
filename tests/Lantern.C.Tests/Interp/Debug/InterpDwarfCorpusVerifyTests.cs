using Lantern.C.Interp.Debug;
using Lantern.Observability;
using Xunit;

namespace Lantern.C.Tests.Interp.Debug;

/// <summary>
/// The DWARF of the interpreter target (virtual code addresses, one per decoded instruction) for every c-testsuite
/// program passes <c>llvm-dwarfdump-14 --verify</c> (main is never run).
/// </summary>
public class InterpDwarfCorpusVerifyTests
{
    [Fact]
    public void EveryCorpusProgramVerifies()
    {
        Assert.True(File.Exists(TestTools.Dwarfdump), $"{TestTools.Dwarfdump} is not installed: install the Debian package 'llvm-14'");
        Assert.True(Directory.Exists(TestTools.CorpusDir), TestTools.CorpusDir + " is missing");
        var failures = new List<string>();
        int count = 0;
        foreach (string file in Directory.GetFiles(TestTools.CorpusDir, "*.c").OrderBy(x => x, StringComparer.Ordinal))
        {
            CompileResult r = CCompiler.CompileFile(file, new CompileOptions());
            Assert.True(r.Success, r.Diagnostics.FormatAll());
            InterpDebugTarget target;
            try
            {
                target = new InterpDebugTarget(r.Module!);
            }
            catch (InvalidOperationException)
            {
                continue; // an undefined symbol: the program cannot be loaded (nor run) at all
            }

            using (target)
            {
                (int exitCode, string stdout, string stderr) = TestTools.DwarfdumpVerify(target.Symfile, "lantern-interp-dwarf-");
                count++;
                if (exitCode != 0)
                {
                    failures.Add(Path.GetFileName(file) + ":\n" + stdout + stderr);
                }
            }
        }

        Assert.True(count > 200, $"only {count} programs loaded");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
    }
}
