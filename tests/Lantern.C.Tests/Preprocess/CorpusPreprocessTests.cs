using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Lantern.C.Preprocess;
using Xunit;

namespace Lantern.C.Tests.Preprocess;

/// <summary>Every c-testsuite program preprocesses without error with Lantern's headers; macro-only ones match gcc -E.</summary>
public class CorpusPreprocessTests
{
    internal static string CorpusDirectory
    {
        get
        {
            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "shared", "corpus", "c-testsuite", "single-exec");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("shared/corpus/c-testsuite/single-exec not found above " + AppContext.BaseDirectory);
        }
    }

    internal static string IncludeDirectory
    {
        get
        {
            if (File.Exists(Path.Combine(CCompiler.DefaultIncludeDirectory, "stdio.h")))
            {
                return CCompiler.DefaultIncludeDirectory;
            }

            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "src", "Lantern.C", "include");
                if (File.Exists(Path.Combine(candidate, "stdio.h")))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("Lantern's include directory not found");
        }
    }

    public static IEnumerable<object[]> Programs() =>
        Directory.GetFiles(CorpusDirectory, "*.c").OrderBy(p => p, StringComparer.Ordinal).Select(p => new object[] { Path.GetFileName(p) });

    [Fact]
    public void CorpusIsThere()
    {
        Assert.True(Directory.GetFiles(CorpusDirectory, "*.c").Length >= 200);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void PreprocessesWithoutErrors(string name)
    {
        var options = new PreprocessorOptions { SystemIncludeDirectory = IncludeDirectory };
        var diags = new DiagnosticBag();
        var pp = new Preprocessor(options, diags);
        List<Token> tokens = pp.PreprocessFile(Path.Combine(CorpusDirectory, name));
        Assert.False(diags.HasErrors, diags.FormatAll());
        Assert.Equal(TokenKind.EndOfFile, tokens[^1].Kind);
        Assert.DoesNotContain(tokens, t => t.Kind == TokenKind.Invalid);
        Assert.Equal(0, pp.Files[0].Id);
        for (int i = 0; i < pp.Files.Count; i++)
        {
            Assert.Equal(i, pp.Files[i].Id);
        }
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void MatchesGccForProgramsWithoutIncludes(string name)
    {
        string path = Path.Combine(CorpusDirectory, name);
        string text = File.ReadAllText(path);
        if (text.Contains("#include") || text.Contains("__GNUC__") || !TestTools.GccWorks)
        {
            return;
        }

        var diags = new DiagnosticBag();
        List<Token> ours = new Preprocessor(new PreprocessorOptions(), diags).PreprocessFile(path);
        Assert.False(diags.HasErrors, diags.FormatAll());

        string gccOut = TestTools.Run("gcc", ["-E", "-P", "-std=c11", path]).Stdout;
        List<Token> theirs = Lexer.Tokenize(new SourceFile("gcc.i", gccOut, 0), new DiagnosticBag());
        Assert.Equal(string.Join(" ", theirs.Select(t => t.Text)), string.Join(" ", ours.Select(t => t.Text)));
    }
}
