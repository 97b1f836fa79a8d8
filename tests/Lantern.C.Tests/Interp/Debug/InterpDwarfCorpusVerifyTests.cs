using System.Diagnostics;
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
    private const string CorpusDir = "/work/shared/corpus/c-testsuite/single-exec";
    private const string Dwarfdump = "/usr/bin/llvm-dwarfdump-14";

    [Fact]
    public void EveryCorpusProgramVerifies()
    {
        Assert.True(File.Exists(Dwarfdump), $"{Dwarfdump} is not installed: install the Debian package 'llvm-14'");
        Assert.True(Directory.Exists(CorpusDir), CorpusDir + " is missing");
        var failures = new List<string>();
        int count = 0;
        foreach (string file in Directory.GetFiles(CorpusDir, "*.c").OrderBy(x => x, StringComparer.Ordinal))
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
                using TempFile symfile = TempFile.Create(prefix: "lantern-interp-dwarf-", suffix: ".o");
                symfile.WriteAllBytes(target.Symfile);
                symfile.Close();
                var info = new ProcessStartInfo(Dwarfdump) { RedirectStandardOutput = true, RedirectStandardError = true };
                info.ArgumentList.Add("--verify");
                info.ArgumentList.Add(symfile.Path);
                using Process p = Process.Start(info)!;
                Task<string> stderr = p.StandardError.ReadToEndAsync();
                string stdout = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                count++;
                if (p.ExitCode != 0)
                {
                    failures.Add(Path.GetFileName(file) + ":\n" + stdout + stderr.Result);
                }
            }
        }

        Assert.True(count > 200, $"only {count} programs loaded");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
    }
}
