using Xunit;

namespace Lantern.C.Tests.Jit;

/// <summary>
/// System V ABI corners, each C program under Jit/abi/ run by the JIT (<c>./lantern run</c>) and compiled by gcc:
/// stdout and exit status must be equal. The cross test links a gcc-compiled library into a JIT program
/// (LD_PRELOAD) so both directions of every struct class meet real gcc code.
/// </summary>
public sealed class AbiTests
{
    private static string AbiDir => Path.Combine(TestTools.RepositoryRoot, "tests", "Lantern.C.Tests", "Jit", "abi");

    public static IEnumerable<object[]> Programs() =>
        Directory.GetFiles(Path.Combine(TestTools.RepositoryRoot, "tests", "Lantern.C.Tests", "Jit", "abi"), "*.c")
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .Select(f => new object[] { f! });

    [Theory]
    [MemberData(nameof(Programs))]
    public void MatchesGcc(string file)
    {
        string source = Path.Combine(AbiDir, file);
        DirectoryInfo temp = Directory.CreateTempSubdirectory("lantern-abi-");
        try
        {
            string exe = Path.Combine(temp.FullName, "prog");
            Result gcc = Run("gcc", new[] { "-O0", "-w", "-o", exe, source, "-lm" });
            Assert.True(gcc.ExitCode == 0, "gcc failed: " + gcc);
            Result expected = Run(exe, Array.Empty<string>());
            Result jit = Run(Path.Combine(TestTools.RepositoryRoot, "lantern"), new[] { "run", source });
            Assert.True(expected.Stdout == jit.Stdout && expected.ExitCode == jit.ExitCode, $"gcc: {expected}\njit: {jit}");
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public void GccLibraryAndJitCodeCallEachOther()
    {
        string dir = Path.Combine(AbiDir, "cross");
        DirectoryInfo temp = Directory.CreateTempSubdirectory("lantern-abi-");
        try
        {
            string lib = Path.Combine(temp.FullName, "libabi.so");
            string exe = Path.Combine(temp.FullName, "caller");
            Result build = Run("gcc", new[] { "-O2", "-shared", "-fPIC", "-o", lib, Path.Combine(dir, "callee.c") });
            Assert.True(build.ExitCode == 0, "gcc failed: " + build);
            build = Run("gcc", new[] { "-O0", "-w", "-o", exe, Path.Combine(dir, "caller.c"), lib, "-Wl,-rpath," + temp.FullName });
            Assert.True(build.ExitCode == 0, "gcc failed: " + build);
            Result expected = Run(exe, Array.Empty<string>());
            Assert.Equal(0, expected.ExitCode);
            Result jit = Run(
                Path.Combine(TestTools.RepositoryRoot, "lantern"),
                new[] { "run", Path.Combine(dir, "caller.c") },
                new Dictionary<string, string?> { ["LD_PRELOAD"] = lib });
            Assert.True(expected.Stdout == jit.Stdout && expected.ExitCode == jit.ExitCode, $"gcc: {expected}\njit: {jit}");
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
    }

    private static Result Run(string program, IEnumerable<string> args, IDictionary<string, string?>? environment = null)
    {
        (int exitCode, string stdout, string stderr) = TestTools.Run(program, args, environment, TestTools.RepositoryRoot);
        return new Result(exitCode, stdout, stderr);
    }
}
