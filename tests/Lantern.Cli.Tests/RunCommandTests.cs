using System.Text.RegularExpressions;
using Lantern.Observability;

namespace Lantern.Cli.Tests;

/// <summary>End-to-end tests of <c>lantern run</c>, <c>lantern compile</c> and the global options.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create("lantern-cli-test-");

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes a C file into the test's private directory; returns its name (run with the directory as cwd).</summary>
    private string Program(string name, string source)
    {
        _dir.WriteFile(name, source);
        return name;
    }

    private ProcessResult LanternWithInput(string? stdin, IDictionary<string, string?>? env, params string[] args) =>
        LanternProcess.Run(args, stdin, env, _dir.Path);

    private ProcessResult Lantern(params string[] args) => LanternWithInput(null, null, args);

    [Fact]
    public void Run_Hello_PrintsAndExitsZero()
    {
        ProcessResult r = LanternProcess.Run("run", "examples/hello.c");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Hello from Lantern!\n", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void Run_WithInterp_BehavesTheSame()
    {
        ProcessResult r = LanternProcess.Run("run", "--interp", "examples/hello.c");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Hello from Lantern!\n", r.Stdout);
    }

    [Fact]
    public void Run_PassesEverythingAfterTheFileToTheProgram()
    {
        string prog = Program("args.c", """
            #include <stdio.h>
            int main(int argc, char **argv)
            {
                printf("argc=%d\n", argc);
                for (int i = 0; i < argc; i++)
                    printf("[%s]\n", argv[i]);
                return 0;
            }
            """);

        ProcessResult r = Lantern("run", "--interp", prog, "-x", "--y", "--help", "two words", "");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("argc=6\n[args.c]\n[-x]\n[--y]\n[--help]\n[two words]\n[]\n", r.Stdout);
    }

    [Fact]
    public void Run_OptionsBeforeTheFileAreLanternsAndAfterItTheProgramsOwn()
    {
        string prog = Program("defs.c", """
            #include <stdio.h>
            int main(int argc, char **argv)
            {
            #ifdef GREETING
                printf("%s %d\n", GREETING, argc);
            #else
                printf("none %d\n", argc);
            #endif
                return 0;
            }
            """);

        ProcessResult r = Lantern("run", "-DGREETING=\"hi\"", prog, "-DGREETING=\"no\"");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hi 2\n", r.Stdout);
    }

    [Fact]
    public void Run_ReturnsTheProgramsExitStatus()
    {
        string prog = Program("three.c", "int main(void) { return 3; }\n");

        ProcessResult r = Lantern("run", prog);

        Assert.Equal(3, r.ExitCode);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void Run_ExitStatusIsTruncatedLikeAShell()
    {
        string prog = Program("big.c", "int main(void) { return 258; }\n");

        ProcessResult r = Lantern("run", prog);

        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Run_ProgramReadsStdin()
    {
        string prog = Program("upper.c", """
            #include <stdio.h>
            #include <ctype.h>
            int main(void)
            {
                int c, n = 0;
                while ((c = getchar()) != EOF) {
                    putchar(toupper(c));
                    n++;
                }
                printf("%d\n", n);
                return 0;
            }
            """);

        ProcessResult r = LanternWithInput("hello\nworld\n", null, "run", prog);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("HELLO\nWORLD\n12\n", r.Stdout);
    }

    [Fact]
    public void Run_BadProgram_PrintsDiagnosticsAndExitsOne()
    {
        string prog = Program("bad.c", """
            int main(void)
            {
                int x = ;
                return 0;
            }
            """);

        ProcessResult r = Lantern("run", prog);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Matches(new Regex(@"^bad\.c:3:\d+: error: ", RegexOptions.Multiline), r.Stderr);
        Assert.Contains("    int x = ;", r.Stderr);
        Assert.Contains("^", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no .NET stack trace
        Assert.DoesNotContain("\u001b[", r.Stderr); // stderr is not a terminal: no colour
    }

    [Fact]
    public void Run_ReportsEveryError()
    {
        string prog = Program("two.c", """
            int main(void)
            {
                undeclared_one = 1;
                undeclared_two = 2;
                return 0;
            }
            """);

        ProcessResult r = Lantern("run", prog);

        Assert.Equal(1, r.ExitCode);
        Assert.Matches(new Regex(@"^two\.c:3:\d+: error: .*undeclared_one", RegexOptions.Multiline), r.Stderr);
        Assert.Matches(new Regex(@"^two\.c:4:\d+: error: .*undeclared_two", RegexOptions.Multiline), r.Stderr);
    }

    [Fact]
    public void Run_MissingFile_SaysSoWithoutAStackTrace()
    {
        ProcessResult r = Lantern("run", "no-such-file.c");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("lantern: error: cannot open 'no-such-file.c': No such file or directory\n", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Run_Directory_SaysItIsADirectory()
    {
        ProcessResult r = Lantern("run", ".");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("lantern: error: cannot open '.': Is a directory\n", r.Stderr);
    }

    [Fact]
    public void Run_WithoutFile_IsAUsageError()
    {
        ProcessResult r = Lantern("run");

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("lantern: error: ", r.Stderr);
        Assert.Contains("--help", r.Stderr);
    }

    [Fact]
    public void Run_UnknownOptionBeforeTheFile_IsAUsageError()
    {
        string prog = Program("ok.c", "int main(void) { return 0; }\n");

        ProcessResult r = Lantern("run", "--frobnicate", prog);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unrecognized option '--frobnicate'", r.Stderr);
    }

    [Fact]
    public void UnknownCommand_IsAUsageError()
    {
        ProcessResult r = Lantern("frobnicate");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("frobnicate", r.Stderr);
    }

    [Fact]
    public void Run_DumpIr_PrintsFunctionsAndDoesNotRun()
    {
        string prog = Program("ir.c", """
            #include <stdio.h>
            static int square(int x) { return x * x; }
            int main(void) { printf("ran\n"); return square(3); }
            """);

        ProcessResult r = Lantern("run", "--dump-ir", prog);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("ran", r.Stdout);
        Assert.Matches(new Regex(@"^static func @square ", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^func @main ", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^\.b0\b.*:$", RegexOptions.Multiline), r.Stdout);
        Assert.Contains("extern func printf", r.Stdout);
    }

    [Fact]
    public void Run_DumpTokens_PrintsPreprocessedSourceAndDoesNotRun()
    {
        _dir.WriteFile("inc.h", "#define TWICE(x) ((x) + (x))\n");
        string prog = Program("pp.c", """
            #include "inc.h"
            int main(void) { return TWICE(LIMIT); }
            """);

        ProcessResult r = Lantern("run", "--dump-tokens", "-DLIMIT=21", prog);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("intmain(void){return((21)+(21));}", Regex.Replace(r.Stdout, @"\s+", ""));
        Assert.DoesNotContain("TWICE", r.Stdout);
        Assert.DoesNotContain("#define", r.Stdout);
    }

    [Fact]
    public void Run_IncludePathAndUndefine()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "inc"));
        _dir.WriteFile("inc/config.h", "#define VALUE 7\n");
        string prog = Program("incl.c", """
            #include <config.h>
            int main(void)
            {
            #ifdef EXTRA
                return 100;
            #else
                return VALUE;
            #endif
            }
            """);

        ProcessResult r = Lantern("run", "-I", "inc", "-U", "EXTRA", "-DEXTRA", prog);
        ProcessResult withExtra = Lantern("run", "-Iinc", "-D", "EXTRA", prog);

        Assert.True(r.ExitCode == 7, r.ToString());
        Assert.True(withExtra.ExitCode == 100, withExtra.ToString());
    }

    [Fact]
    public void Run_Timeout_StopsTheProgramWithStatus124()
    {
        string prog = Program("spin.c", "int main(void) { volatile int x = 0; for (;;) x++; return 0; }\n");

        ProcessResult r = Lantern("run", "--timeout", "1", prog);

        Assert.Equal(124, r.ExitCode);
        Assert.StartsWith("lantern: timeout after 1 s\n", r.Stderr); // the JIT then tells where the program was
    }

    [Theory]
    [InlineData("--jit")]
    [InlineData("--interp")]
    public void Run_NoMain_IsTheSameLinkErrorOnBothEngines(string engine)
    {
        string prog = Program("nomain.c", "int f(void) { return 0; }\n");

        ProcessResult r = engine == "--interp" ? Lantern("run", "--interp", prog) : Lantern("run", prog);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("lantern: error: undefined symbol 'main'\n", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("1e9")] // past what a thread join can wait: was an internal error (status 70)
    [InlineData("99999999999999")]
    [InlineData("inf")]
    [InlineData("nan")]
    public void Run_BadTimeout_IsAUsageError(string value)
    {
        string prog = Program("ok2.c", "int main(void) { return 0; }\n");

        ProcessResult r = Lantern("run", "--timeout", value, prog);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"lantern: error: --timeout wants a number of seconds above 0 and at most 2147483 (about 24 days), not '{value}'\n", r.Stderr);
    }

    [Fact]
    public void Run_OutputRedirectedToOneFile_InterleavesWithTheProgramsOutput()
    {
        // The program's stdout (libc) and lantern's stderr share one file (2>&1): lantern must append at the
        // shared offset, not overwrite from its own position.
        string prog = Program("tick.c", """
            #include <stdio.h>
            int main(void)
            {
                printf("tick from the program\n");
                fflush(stdout);
                for (volatile int x = 0;; x++)
                    ;
                return 0;
            }
            """);
        string log = Path.Combine(_dir.Path, "both.log");
        string command = $"'{LanternProcess.Launcher}' run --timeout 1 {prog} >both.log 2>&1";

        ProcessResult r = LanternProcess.RunProcess("bash", new[] { "-c", command }, workingDirectory: _dir.Path);

        Assert.Equal(124, r.ExitCode);
        Assert.StartsWith("tick from the program\nlantern: timeout after 1 s\n", File.ReadAllText(log));
    }

    [Fact]
    public void Run_DeepRecursion_HasABigStack()
    {
        string prog = Program("deep.c", """
            #include <stdio.h>
            static long depth(long n) { return n == 0 ? 0 : 1 + depth(n - 1); }
            int main(void) { printf("%ld\n", depth(100000)); return 0; }
            """);

        ProcessResult r = Lantern("run", prog);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("100000\n", r.Stdout);
    }

    [Fact]
    public void Compile_GoodProgram_ExitsZeroSilently()
    {
        string prog = Program("good.c", "#include <stdio.h>\nint main(void) { printf(\"no\\n\"); return 5; }\n");

        ProcessResult r = Lantern("compile", prog);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void Compile_BadProgram_ExitsOneWithDiagnostics()
    {
        string prog = Program("bad2.c", "int main(void) { return 0 }\n");

        ProcessResult r = Lantern("compile", prog);

        Assert.Equal(1, r.ExitCode);
        Assert.Matches(new Regex(@"^bad2\.c:1:\d+: error: ", RegexOptions.Multiline), r.Stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_ListsTheCommands(string option)
    {
        ProcessResult r = Lantern(option);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("run", r.Stdout);
        Assert.Contains("compile", r.Stdout);
        Assert.Contains("Usage:", r.Stdout);
    }

    [Theory]
    [InlineData("run", "--dump-ir")]
    [InlineData("run", "--timeout")]
    [InlineData("run", "--interp")]
    [InlineData("compile", "--define")]
    public void Help_OfEachCommandDescribesItsOptions(string command, string option)
    {
        ProcessResult r = Lantern(command, "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("lantern " + command, r.Stdout);
        Assert.Contains(option, r.Stdout);
        Assert.DoesNotContain("--bench-frontend", r.Stdout); // hidden
    }

    [Fact]
    public void Version_PrintsNameAndVersion()
    {
        ProcessResult r = Lantern("--version");

        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^lantern \d+\.\d+\.\d+\S*\n$", r.Stdout);
    }

    [Fact]
    public void Color_OnlyOnATerminalAndNeverWithNoColor()
    {
        string prog = Program("colour.c", "int main(void) { return x; }\n");
        string command = $"'{LanternProcess.Launcher}' run {prog}";

        // script(1) gives the child a pseudo-terminal, so stderr is a terminal there.
        ProcessResult tty = LanternProcess.RunProcess("script", new[] { "-qec", command, "/dev/null" }, workingDirectory: _dir.Path);
        ProcessResult noColor = LanternProcess.RunProcess(
            "script",
            new[] { "-qec", command, "/dev/null" },
            environment: new Dictionary<string, string?> { ["NO_COLOR"] = "1" },
            workingDirectory: _dir.Path);

        Assert.Contains("\u001b[1;31merror\u001b[0m", tty.Stdout);
        Assert.Contains("colour.c:1:", noColor.Stdout);
        Assert.Contains(": error: ", noColor.Stdout);
        Assert.DoesNotContain("\u001b[", noColor.Stdout);
    }

    [Fact]
    public void BenchFrontEnd_PrintsThroughput()
    {
        string prog = Program("bench.c", "int f(int x) { return x + 1; }\nint main(void) { return f(1); }\n");

        ProcessResult r = Lantern("compile", "--bench-frontend", "2", prog);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"^lines=2 runs=2 best_seconds=[0-9.]+ mean_seconds=[0-9.]+ lines_per_second=\d+ best_cpu_seconds=[0-9.]+\n$", r.Stdout);
    }
}
