using Lantern.C.Diagnostics;
using Xunit;

namespace Lantern.C.Tests.Diagnostics;

/// <summary>
/// <see cref="Diagnostic.Format"/> (position, severity, the quoted line and a caret), the positions <c>#line</c>
/// shows, and <see cref="DiagnosticBag"/>'s stop after 20 errors.
/// </summary>
public class DiagnosticTests
{
    private static readonly SourceFile s_file = new("prog.c", "int main(void) {\n\treturn x;\n}\n", 0);

    [Fact]
    public void Format_QuotesTheLineWithACaretUnderTheColumn_KeepingTabs()
    {
        var d = new Diagnostic(DiagnosticSeverity.Error, new SourceLocation(s_file, 2, 9), "'x' undeclared");
        Assert.Equal("prog.c:2:9: error: 'x' undeclared\n\treturn x;\n\t       ^\n", d.Format());
    }

    [Theory]
    [InlineData(DiagnosticSeverity.Error, "error")]
    [InlineData(DiagnosticSeverity.Warning, "warning")]
    [InlineData(DiagnosticSeverity.Note, "note")]
    public void Format_NamesTheSeverity(DiagnosticSeverity severity, string word)
    {
        var d = new Diagnostic(severity, new SourceLocation(s_file, 1, 1), "m");
        Assert.Equal($"prog.c:1:1: {word}: m\nint main(void) {{\n^\n", d.Format());
    }

    [Fact]
    public void Format_WithoutALocation_IsOneLineFromLantern()
    {
        var d = new Diagnostic(DiagnosticSeverity.Note, SourceLocation.None, "too many errors; stopping");
        Assert.Equal("lantern: note: too many errors; stopping\n", d.Format());
    }

    [Fact]
    public void LineDirective_ChangesTheShownFileAndLine_NotTheQuotedText()
    {
        var at = new SourceLocation(s_file, 2, 9, "gen.y", 40);
        Assert.Equal("gen.y", at.DisplayPath);
        Assert.Equal(42, at.DisplayLine);
        var d = new Diagnostic(DiagnosticSeverity.Error, at, "'x' undeclared");
        Assert.Equal("gen.y:42:9: error: 'x' undeclared\n\treturn x;\n\t       ^\n", d.Format());
    }

    [Fact]
    public void LineDirective_InTheSource_IsWhatTheCompilerShows()
    {
        CompileResult r = CCompiler.CompileText("prog.c", "int a;\n#line 100 \"gen.y\"\nint main(void) { return x; }\n", new CompileOptions());
        Diagnostic e = Assert.Single(r.Diagnostics.Items, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("gen.y:100:25: error: 'x' undeclared (first use in this function)", e.Format().Split('\n')[0]);
        Assert.Equal("int main(void) { return x; }", e.Format().Split('\n')[1]);
    }

    [Fact]
    public void Bag_StopsAtTheTwentiethError()
    {
        var bag = new DiagnosticBag();
        for (int i = 1; i < 20; i++)
        {
            bag.Error(new SourceLocation(s_file, 1, i), "e" + i);
        }

        bag.Warning(new SourceLocation(s_file, 1, 1), "warnings do not count");
        Assert.Equal(19, bag.ErrorCount);
        Assert.Throws<TooManyErrorsException>(() => bag.Error(new SourceLocation(s_file, 1, 20), "e20"));
        Assert.Equal(20, bag.ErrorCount);
        Assert.Equal(21, bag.Items.Count);
    }

    [Fact]
    public void Compiler_ReportsTwentyErrorsThenANote()
    {
        string source = string.Concat(Enumerable.Range(0, 30).Select(i => $"int f{i}(void) {{ return x{i}; }}\n"));
        CompileResult r = CCompiler.CompileText("prog.c", source, new CompileOptions());
        Assert.False(r.Success);
        Assert.Equal(20, r.Diagnostics.ErrorCount);
        Diagnostic last = r.Diagnostics.Items[^1];
        Assert.Equal("lantern: note: too many errors; stopping\n", last.Format());
    }
}
