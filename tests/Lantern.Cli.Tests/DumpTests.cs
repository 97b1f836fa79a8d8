using System.Text.RegularExpressions;
using Lantern.Observability;

namespace Lantern.Cli.Tests;

/// <summary>
/// <c>lantern run --dump=tokens,ir,asm,codeinfo</c> (and <c>lantern compile --dump=</c>): each kind prints what its
/// phase made, in pipeline order, and the program is not run.
/// </summary>
public sealed class DumpTests : IDisposable
{
    private const string Source = """
        #include <stdio.h>
        #define BASE 3
        static int square(int x)
        {
            int y = x * x;
            return y;
        }
        int main(void)
        {
            printf("ran\n");
            return square(BASE);
        }
        """;

    /// <summary>What the program prints when it runs.</summary>
    private static readonly Regex s_ranLine = new("^ran$", RegexOptions.Multiline);

    private readonly TempDirectory _dir = TempDirectory.Create("lantern-dump-test-");

    public DumpTests() => _dir.WriteFile("dump.c", Source);

    public void Dispose() => _dir.Dispose();

    private ProcessResult Lantern(params string[] args) => LanternProcess.Run(args, null, null, _dir.Path);

    [Fact]
    public void Tokens_PrintsThePreprocessedSourceAndDoesNotRun()
    {
        ProcessResult r = Lantern("run", "--dump=tokens", "dump.c");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("returnsquare(3);", Regex.Replace(r.Stdout, @"\s+", ""));
        Assert.DoesNotContain("BASE", r.Stdout);
        Assert.DoesNotMatch(s_ranLine, r.Stdout);
    }

    [Fact]
    public void Ir_PrintsTheFunctionsAndDoesNotRun()
    {
        ProcessResult r = Lantern("run", "--dump=ir", "dump.c");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(new Regex(@"^static func @square ", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^func @main ", RegexOptions.Multiline), r.Stdout);
        Assert.DoesNotMatch(s_ranLine, r.Stdout);
    }

    [Fact]
    public void Asm_PrintsEachFunctionsMachineCodeWithItsLinesAndDoesNotRun()
    {
        ProcessResult r = Lantern("run", "--dump=asm", "dump.c");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(new Regex(@"^square:\n\s+0\s+push rbp\n\s+1\s+mov rbp,rsp\n", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^main:\n\s+0\s+push rbp\n", RegexOptions.Multiline), r.Stdout);
        Assert.Contains("; dump.c:5:", r.Stdout); // the line table: int y = x * x;
        Assert.Matches(new Regex(@"^\s+[0-9a-f]+\s+ret$", RegexOptions.Multiline), r.Stdout);
        Assert.DoesNotMatch(s_ranLine, r.Stdout);
    }

    [Fact]
    public void CodeInfo_PrintsTheFunctionsWithTheirLinesAndVariablesAndDoesNotRun()
    {
        ProcessResult r = Lantern("run", "--dump=codeinfo", "dump.c");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("unit name=dump.c ", r.Stdout);
        Assert.Matches(new Regex(@"^  file f0 dump\.c$", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^  function square .* decl=f0:3 .*external=False", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^  function main .* decl=f0:8 .*external=True", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^      param x t\d+ fbreg\(-\d+\) decl=f0:3 ", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^      var y t\d+ fbreg\(-\d+\) decl=f0:5 ", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^    line \+0x[0-9a-f]+ f0:5:\d+ IsStatement", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^    line \+0x[0-9a-f]+ f0:11:\d+ IsStatement", RegexOptions.Multiline), r.Stdout);
        Assert.DoesNotMatch(s_ranLine, r.Stdout);
    }

    [Fact]
    public void Combined_PrintsEveryKindOnceInPipelineOrder()
    {
        ProcessResult r = Lantern("run", "--dump=codeinfo,asm", "--dump", "ir", "--dump-tokens", "dump.c");

        Assert.True(r.ExitCode == 0, r.ToString());
        int tokens = r.Stdout.IndexOf("int main(void)", StringComparison.Ordinal);
        int ir = r.Stdout.IndexOf("func @main ", StringComparison.Ordinal);
        int asm = r.Stdout.IndexOf("\nmain:\n", StringComparison.Ordinal);
        int codeInfo = r.Stdout.IndexOf("\nunit name=dump.c ", StringComparison.Ordinal);
        Assert.True(tokens >= 0 && tokens < ir && ir < asm && asm < codeInfo, r.ToString());
        Assert.Single(Regex.Matches(r.Stdout, @"^func @main ", RegexOptions.Multiline));
        Assert.Single(Regex.Matches(r.Stdout, @"^main:$", RegexOptions.Multiline));
        Assert.DoesNotMatch(s_ranLine, r.Stdout);
    }

    [Fact]
    public void Compile_DumpsLikeRun()
    {
        ProcessResult r = Lantern("compile", "--dump=ir,asm", "dump.c");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(new Regex(@"^func @main ", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"^square:\n\s+0\s+push rbp\n", RegexOptions.Multiline), r.Stdout);
    }

    [Fact]
    public void ProgramWithErrors_ReportsThemAndDumpsNothingButTheTokens()
    {
        _dir.WriteFile("bad.c", "int main(void) { return undeclared; }\n");

        ProcessResult asm = Lantern("run", "--dump=asm", "bad.c");
        ProcessResult tokens = Lantern("run", "--dump=tokens", "bad.c");

        Assert.Equal(1, asm.ExitCode);
        Assert.Equal("", asm.Stdout);
        Assert.Contains("bad.c:1:25: error: 'undeclared' undeclared", asm.Stderr);
        Assert.True(tokens.ExitCode == 0, tokens.ToString()); // preprocessing only: the parser never sees it
        Assert.Contains("return undeclared;", tokens.Stdout);
    }

    [Theory]
    [InlineData("run", "--dump=tokens,bogus")]
    [InlineData("run", "--dump")]
    [InlineData("compile", "--dump=assembly")]
    public void UnknownKind_IsAUsageErrorListingTheKinds(string command, string option)
    {
        ProcessResult r = option == "--dump" ? Lantern(command, option, "bogus", "dump.c") : Lantern(command, option, "dump.c");

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("unknown dump kind '", r.Stderr);
        Assert.Contains("valid kinds are tokens, ir, asm, codeinfo", r.Stderr);
        Assert.Contains($"Try 'lantern {command} --help'", r.Stderr);
    }

    [Fact]
    public void Help_ShowsTheKindsAndTheAliases()
    {
        ProcessResult r = Lantern("run", "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--dump <KIND[,KIND]>", r.Stdout);
        Assert.Contains("tokens, ir, asm, codeinfo", r.Stdout);
        Assert.Matches(new Regex(@"--dump-tokens\s+Alias of --dump=tokens"), r.Stdout);
        Assert.Matches(new Regex(@"--dump-ir\s+Alias of --dump=ir"), r.Stdout);
    }
}
