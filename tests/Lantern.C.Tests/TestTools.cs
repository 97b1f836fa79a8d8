using System.Diagnostics;
using System.Text;
using Iced.Intel;
using Lantern.C.Describe;
using Lantern.Observability;
using Xunit;

namespace Lantern.C.Tests;

/// <summary>
/// What tests of several folders share: the repository root, the c-testsuite corpus, external programs, the decoded
/// code of a compiled function.
/// </summary>
internal static class TestTools
{
    /// <summary>The c-testsuite programs (NNNNN.c) that the corpus tests compile.</summary>
    public const string CorpusDir = "/work/shared/corpus/c-testsuite/single-exec";

    /// <summary>The DWARF verifier (Debian package llvm-14).</summary>
    public const string Dwarfdump = "/usr/bin/llvm-dwarfdump-14";

    private static readonly Lazy<string> s_repositoryRoot = new(() =>
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Lantern.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("repository root not found");
    });

    private static readonly Lazy<bool> s_gccWorks = new(() =>
    {
        try
        {
            return Run("gcc", ["--version"]).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>The repository root (the directory holding Lantern.slnx), found upwards from the test assembly.</summary>
    public static string RepositoryRoot => s_repositoryRoot.Value;

    /// <summary>True when gcc is installed and runs (the tests that compare with it pass without it).</summary>
    public static bool GccWorks => s_gccWorks.Value;

    /// <summary>
    /// The file names of the corpus programs (those whose path <paramref name="include"/> accepts, when given) in
    /// ordinal order; none when the corpus is missing.
    /// </summary>
    public static TheoryData<string> CorpusPrograms(Func<string, bool>? include = null)
    {
        var data = new TheoryData<string>();
        if (Directory.Exists(CorpusDir))
        {
            foreach (string f in Directory.GetFiles(CorpusDir, "*.c").OrderBy(x => x, StringComparer.Ordinal))
            {
                if (include is null || include(f))
                {
                    data.Add(Path.GetFileName(f));
                }
            }
        }

        return data;
    }

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="args"/> and an empty stdin, reading stdout and stderr
    /// (UTF-8) side by side; an <paramref name="environment"/> entry whose value is null removes that variable.
    /// Throws <see cref="TimeoutException"/> after five minutes.
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(
        string program,
        IEnumerable<string> args,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach ((string key, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        using Process p = Process.Start(info)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs the installed <paramref name="tool"/> (a full path); a missing one fails naming its Debian package.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunTool(string tool, string package, params string[] args)
    {
        Assert.True(File.Exists(tool), $"{tool} is not installed: install the Debian package '{package}'");
        return Run(tool, args);
    }

    /// <summary>Writes <paramref name="symfile"/> to a temporary object file and runs <c>llvm-dwarfdump-14 --verify</c> on it.</summary>
    public static (int ExitCode, string Stdout, string Stderr) DwarfdumpVerify(byte[] symfile, string tempPrefix)
    {
        using TempFile file = TempFile.Create(prefix: tempPrefix, suffix: ".o");
        file.WriteAllBytes(symfile);
        file.Close();
        return RunTool(Dwarfdump, "llvm-14", "--verify", file.Path);
    }

    /// <summary>Decodes a compiled function with Iced.</summary>
    public static List<Instruction> Decode(FunctionLayout info)
    {
        var bytes = new byte[info.Size];
        System.Runtime.InteropServices.Marshal.Copy(info.Start, bytes, 0, info.Size);
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes), (ulong)info.Start);
        var list = new List<Instruction>();
        while (decoder.IP < (ulong)info.Start + (ulong)info.Size)
        {
            list.Add(decoder.Decode());
        }

        return list;
    }
}
