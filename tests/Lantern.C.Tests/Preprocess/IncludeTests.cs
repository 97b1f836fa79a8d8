using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Lantern.C.Preprocess;
using Xunit;

namespace Lantern.C.Tests.Preprocess;

public sealed class IncludeTests : IDisposable
{
    private readonly string _root;

    public IncludeTests()
    {
        _root = Path.Combine(Path.GetTempPath(), "lantern-pp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Write(string relative, string text)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private (string Text, Preprocessor Pp, DiagnosticBag Diags) Run(string mainRelative, Action<PreprocessorOptions>? configure = null)
    {
        var options = new PreprocessorOptions();
        configure?.Invoke(options);
        var diags = new DiagnosticBag();
        var pp = new Preprocessor(options, diags);
        List<Token> toks;
        try
        {
            toks = pp.PreprocessFile(Path.Combine(_root, mainRelative));
        }
        catch (CompilationAbortedException)
        {
            return ("<aborted>", pp, diags);
        }

        return (string.Join(" ", toks.SkipLast(1).Select(t => t.Text)), pp, diags);
    }

    [Fact]
    public void QuotedIncludeSearchesIncluderDirectoryFirst()
    {
        Write("main.c", "#include \"sub/a.h\"\nmain_end");
        Write("sub/a.h", "#include \"b.h\"\na_end");
        Write("sub/b.h", "in_sub_b");
        Write("b.h", "wrong_b");
        (string text, Preprocessor pp, DiagnosticBag d) = Run("main.c");
        Assert.False(d.HasErrors, d.FormatAll());
        Assert.Equal("in_sub_b a_end main_end", text);
        Assert.Equal(3, pp.Files.Count);
        Assert.EndsWith(Path.Combine("sub", "b.h"), pp.Files[2].Path);
    }

    [Fact]
    public void AngleIncludeUsesIncludePathsThenSystemDirectory()
    {
        Write("main.c", "#include <x.h>\n#include <y.h>\n#include \"y.h\"");
        Write("inc1/x.h", "x_from_inc1");
        Write("sys/x.h", "x_from_sys");
        Write("sys/y.h", "y_from_sys");
        Write("y.h", "y_local");
        (string text, _, DiagnosticBag d) = Run("main.c", o =>
        {
            o.IncludePaths.Add(Path.Combine(_root, "inc1"));
            o.SystemIncludeDirectory = Path.Combine(_root, "sys");
        });
        Assert.False(d.HasErrors, d.FormatAll());
        Assert.Equal("x_from_inc1 y_from_sys y_local", text);
    }

    [Fact]
    public void IncludeNextContinuesTheSearch()
    {
        Write("main.c", "#include <n.h>");
        Write("i1/n.h", "first\n#include_next <n.h>");
        Write("i2/n.h", "second");
        (string text, _, DiagnosticBag d) = Run("main.c", o =>
        {
            o.IncludePaths.Add(Path.Combine(_root, "i1"));
            o.IncludePaths.Add(Path.Combine(_root, "i2"));
        });
        Assert.False(d.HasErrors, d.FormatAll());
        Assert.Equal("first second", text);
    }

    [Fact]
    public void ComputedInclude()
    {
        Write("main.c", "#define HDR \"c.h\"\n#define SYS <c.h>\n#include HDR\n#include SYS");
        Write("c.h", "c");
        (string text, _, DiagnosticBag d) = Run("main.c", o => o.IncludePaths.Add(_root));
        Assert.False(d.HasErrors, d.FormatAll());
        Assert.Equal("c c", text);
    }

    [Fact]
    public void IncludeGuardAndPragmaOnce()
    {
        Write("main.c", "#include \"g.h\"\n#include \"g.h\"\n#include \"o.h\"\n#include \"o.h\"\n#include \"p.h\"\n#include \"p.h\"\nCOUNT");
        Write("g.h", "#ifndef G_H\n#define G_H\nguarded\n#endif\n");
        Write("o.h", "#pragma once\nonce");
        Write("p.h", "plain");
        (string text, Preprocessor pp, DiagnosticBag d) = Run("main.c");
        Assert.False(d.HasErrors, d.FormatAll());
        Assert.Equal("guarded once plain plain COUNT", text);
        Assert.Equal(4, pp.Files.Count); // each file is read once
    }

    [Fact]
    public void GuardIsNotAssumedWhenCodeFollowsEndif()
    {
        Write("main.c", "#include \"h.h\"\n#include \"h.h\"");
        Write("h.h", "#ifndef H\n#define H\nonce\n#endif\nalways");
        (string text, _, _) = Run("main.c");
        Assert.Equal("once always always", text);
    }

    [Fact]
    public void GuardWithElseIsNotAnIncludeGuard()
    {
        Write("main.c", "#include \"h.h\"\n#include \"h.h\"");
        Write("h.h", "#ifndef H\n#define H\nfirst\n#else\nagain\n#endif\n");
        (string text, _, _) = Run("main.c");
        Assert.Equal("first again", text);
    }

    [Fact]
    public void FileAndIncludeLevelInHeaders()
    {
        Write("main.c", "__INCLUDE_LEVEL__ __FILE__\n#include \"d/l.h\"");
        Write("d/l.h", "__INCLUDE_LEVEL__ __FILE__ __BASE_FILE__ __LINE__");
        (string text, _, DiagnosticBag d) = Run("main.c");
        Assert.False(d.HasErrors, d.FormatAll());
        string main = Path.Combine(_root, "main.c");
        string header = Path.Combine(_root, "d", "l.h");
        Assert.Equal($"0 \"{main}\" 1 \"{header}\" \"{main}\" 1", text);
    }

    [Fact]
    public void HasInclude()
    {
        Write("main.c", "#if __has_include(\"e.h\") && !__has_include(<nope.h>)\nyes\n#else\nno\n#endif");
        Write("e.h", "");
        (string text, _, DiagnosticBag d) = Run("main.c");
        Assert.False(d.HasErrors, d.FormatAll());
        Assert.Equal("yes", text);
    }

    [Fact]
    public void ErrorInHeaderPointsIntoHeader()
    {
        Write("main.c", "#include \"bad.h\"\nint ok;");
        Write("bad.h", "int a;\n#if 1\nint @;\n");
        (_, _, DiagnosticBag d) = Run("main.c");
        Assert.Equal(2, d.ErrorCount);
        string all = d.FormatAll();
        Assert.Contains(Path.Combine(_root, "bad.h") + ":3:5: error: stray '@' in program\nint @;\n    ^\n", all);
        Assert.Contains(Path.Combine(_root, "bad.h") + ":2:2: error: unterminated #if\n", all);
    }

    [Fact]
    public void MissingHeaderInHeaderIsFatal()
    {
        Write("main.c", "#include \"a.h\"\nint after;");
        Write("a.h", "  #include \"gone.h\"\n");
        (string text, _, DiagnosticBag d) = Run("main.c");
        Assert.Equal("<aborted>", text);
        Assert.Equal(1, d.ErrorCount);
        Assert.StartsWith(Path.Combine(_root, "a.h") + ":1:12: error: gone.h: No such file or directory", d.Items[0].Format());
    }

    [Fact]
    public void MissingMainFile()
    {
        var diags = new DiagnosticBag();
        var pp = new Preprocessor(new PreprocessorOptions(), diags);
        Assert.Throws<CompilationAbortedException>(() => pp.PreprocessFile(Path.Combine(_root, "none.c")));
        Assert.Contains("none.c: No such file or directory", diags.FormatAll());
    }

    [Fact]
    public void RecursiveIncludeStopsAtDepthLimit()
    {
        Write("main.c", "#include \"r.h\"");
        Write("r.h", "#include \"r.h\"");
        (string text, _, DiagnosticBag d) = Run("main.c");
        Assert.Equal("<aborted>", text);
        Assert.Contains("#include nested depth 200 exceeds maximum of 200", d.FormatAll());
    }

    [Fact]
    public void LantersHeadersAllPreprocessTogether()
    {
        string dir = CorpusPreprocessTests.IncludeDirectory;
        var sb = new System.Text.StringBuilder();
        foreach (string h in Directory.GetFiles(dir, "*.h", SearchOption.AllDirectories).OrderBy(p => p, StringComparer.Ordinal))
        {
            string rel = Path.GetRelativePath(dir, h).Replace('\\', '/');
            sb.Append("#include <").Append(rel).Append(">\n#include <").Append(rel).Append(">\n");
        }

        sb.Append("int main(void) { return offsetof(struct tm, tm_year) + INT64_C(1) + isnan(NAN) + EOF + errno; }\n");
        Write("all.c", sb.ToString());
        (string text, _, DiagnosticBag d) = Run("all.c", o => o.SystemIncludeDirectory = dir);
        Assert.False(d.HasErrors, d.FormatAll());
        Assert.Contains("__builtin_offsetof ( struct tm , tm_year ) + 1L + __builtin_isnan ( ( __builtin_nanf ( \"\" ) ) ) + ( - 1 ) + ( * __errno_location ( ) )", text);
        Assert.Contains("typedef __builtin_va_list va_list ;", text);
    }

    [Fact]
    public void AssertHonoursNdebugAtEachInclusion()
    {
        string dir = CorpusPreprocessTests.IncludeDirectory;
        Write("a.c", "#include <assert.h>\nassert(x > 0);\n#define NDEBUG\n#include <assert.h>\nassert(y);");
        (string text, _, DiagnosticBag d) = Run("a.c", o => o.SystemIncludeDirectory = dir);
        Assert.False(d.HasErrors, d.FormatAll());
        Assert.EndsWith($"( ( x > 0 ) ? ( void ) 0 : __assert_fail ( \"x > 0\" , \"{Path.Combine(_root, "a.c")}\" , 2 , __func__ ) ) ; ( ( void ) 0 ) ;", text);
    }
}
