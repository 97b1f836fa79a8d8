using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Lantern.C.Preprocess;
using Xunit;

namespace Lantern.C.Tests.Preprocess;

/// <summary>Wrong programs: each must give exactly the expected positioned error (message, line, caret).</summary>
public class PreprocessorErrorTests
{
    private static DiagnosticBag Errors(string src, PreprocessorOptions? options = null)
    {
        var diags = new DiagnosticBag();
        try
        {
            new Preprocessor(options ?? new PreprocessorOptions(), diags).PreprocessText("bad.c", src);
        }
        catch (CompilationAbortedException)
        {
        }

        return diags;
    }

    /// <summary>Checks the first error: its "file:line:col: error: message" line, the quoted source line and the caret.</summary>
    private static void AssertFirstError(string src, string expectedHeader, string expectedSourceLine, string expectedCaret)
    {
        DiagnosticBag d = Errors(src);
        Diagnostic? e = d.Items.FirstOrDefault(i => i.Severity == DiagnosticSeverity.Error);
        Assert.True(e is not null, "no error reported; got:\n" + d.FormatAll());
        string[] lines = e!.Format().Split('\n');
        Assert.Equal(expectedHeader, lines[0]);
        Assert.Equal(expectedSourceLine, lines[1]);
        Assert.Equal(expectedCaret, lines[2]);
    }

    [Fact]
    public void UnterminatedIf() =>
        AssertFirstError("int a;\n#if 1\nint b;\n", "bad.c:2:2: error: unterminated #if", "#if 1", " ^");

    [Fact]
    public void UnterminatedIfdefInsideSkippedGroup()
    {
        DiagnosticBag d = Errors("#ifdef X\n#if 1\n#endif\n");
        Assert.Equal("bad.c:1:2: error: unterminated #ifdef", d.Items[0].Format().Split('\n')[0]);
        Assert.Equal(1, d.ErrorCount);
    }

    [Fact]
    public void ElseAfterElse() =>
        AssertFirstError("#if 1\n#else\n  #else\n#endif\n", "bad.c:3:4: error: #else after #else", "  #else", "   ^");

    [Fact]
    public void ElifAfterElse() =>
        AssertFirstError("#if 0\n#else\n#elif 1\n#endif\n", "bad.c:3:2: error: #elif after #else", "#elif 1", " ^");

    [Fact]
    public void ElifWithoutIf() =>
        AssertFirstError("int x;\n# elif 1\n", "bad.c:2:3: error: #elif without #if", "# elif 1", "  ^");

    [Fact]
    public void EndifWithoutIf() =>
        AssertFirstError("#endif\n", "bad.c:1:2: error: #endif without #if", "#endif", " ^");

    [Fact]
    public void ElseWithoutIf() =>
        AssertFirstError("#else\n", "bad.c:1:2: error: #else without #if", "#else", " ^");

    [Fact]
    public void MissingIncludeFileIsFatal()
    {
        DiagnosticBag d = Errors("#include \"nope_not_here.h\"\nint x = @;\n");
        Assert.Equal(1, d.ErrorCount);
        string[] lines = d.Items[0].Format().Split('\n');
        Assert.Equal("bad.c:1:10: error: nope_not_here.h: No such file or directory", lines[0]);
        Assert.Equal("         ^", lines[2]);
    }

    [Fact]
    public void MissingSystemInclude() =>
        AssertFirstError("#include <no/such.h>\n", "bad.c:1:10: error: no/such.h: No such file or directory", "#include <no/such.h>", "         ^");

    [Fact]
    public void TooFewMacroArguments() =>
        AssertFirstError("#define f(a,b) a\nint x = f(1);\n", "bad.c:2:12: error: macro \"f\" requires 2 arguments, but only 1 given", "int x = f(1);", "           ^");

    [Fact]
    public void TooManyMacroArguments() =>
        AssertFirstError("#define f(a,b) a\nf(1,2,3)\n", "bad.c:2:8: error: macro \"f\" passed 3 arguments, but takes just 2", "f(1,2,3)", "       ^");

    [Fact]
    public void UnterminatedMacroCall() =>
        AssertFirstError("#define f(a) a\nint y = f(1,\n", "bad.c:2:9: error: unterminated argument list invoking macro \"f\"", "int y = f(1,", "        ^");

    [Fact]
    public void HashNotFollowedByParameter() =>
        AssertFirstError("#define g(x) #y\n", "bad.c:1:14: error: '#' is not followed by a macro parameter", "#define g(x) #y", "             ^");

    [Fact]
    public void PasteAtStartOfReplacement() =>
        AssertFirstError("#define h(x) ## x\n", "bad.c:1:14: error: '##' cannot appear at either end of a macro expansion", "#define h(x) ## x", "             ^");

    [Fact]
    public void PasteAtEndOfReplacement() =>
        AssertFirstError("#define H x ##\n", "bad.c:1:13: error: '##' cannot appear at either end of a macro expansion", "#define H x ##", "            ^");

    [Fact]
    public void InvalidPaste() =>
        AssertFirstError("#define c(a,b) a##b\nc(+,-)\n", "bad.c:2:1: error: pasting \"+\" and \"-\" does not give a valid preprocessing token", "c(+,-)", "^");

    [Fact]
    public void MissingBinaryOperator() =>
        AssertFirstError("#if 1 2\n#endif\n", "bad.c:1:7: error: missing binary operator before token \"2\"", "#if 1 2", "      ^");

    [Fact]
    public void DivisionByZeroInIf() =>
        AssertFirstError("#define Z 0\n#if 1 / Z\n#endif\n", "bad.c:2:7: error: division by zero in #if", "#if 1 / Z", "      ^");

    [Fact]
    public void MissingParenInIf() =>
        AssertFirstError("#if (1 + 2\n#endif\n", "bad.c:1:5: error: missing ')' in expression", "#if (1 + 2", "    ^");

    [Fact]
    public void IfWithNoExpression() =>
        AssertFirstError("#if\n#endif\n", "bad.c:1:2: error: #if with no expression", "#if", " ^");

    [Fact]
    public void FloatInIf() =>
        AssertFirstError("#if 1.5 > 1\n#endif\n", "bad.c:1:5: error: floating constant in preprocessor expression", "#if 1.5 > 1", "    ^");

    [Fact]
    public void StringInIf() =>
        AssertFirstError("#if \"s\"\n#endif\n", "bad.c:1:5: error: token \"\"s\"\" is not valid in preprocessor expressions", "#if \"s\"", "    ^");

    [Fact]
    public void AssignmentInIf() =>
        AssertFirstError("#if 1 = 2\n#endif\n", "bad.c:1:7: error: token \"=\" is not valid in preprocessor expressions", "#if 1 = 2", "      ^");

    [Fact]
    public void VaArgsInNonVariadicMacroWarns()
    {
        DiagnosticBag d = Errors("#define f(x) __VA_ARGS__\n");
        Assert.False(d.HasErrors);
        Assert.Equal("bad.c:1:14: warning: __VA_ARGS__ can only appear in the expansion of a C99 variadic macro", d.Items[0].Format().Split('\n')[0]);
    }

    [Fact]
    public void QuestionWithoutColon() =>
        AssertFirstError("#if 1 ? 2\n#endif\n", "bad.c:1:7: error: '?' without following ':'", "#if 1 ? 2", "      ^");

    [Fact]
    public void UnknownDirective() =>
        AssertFirstError("#foo bar\n", "bad.c:1:2: error: invalid preprocessing directive #foo", "#foo bar", " ^");

    [Fact]
    public void BadLineNumber() =>
        AssertFirstError("#line x\n", "bad.c:1:7: error: \"x\" after #line is not a positive integer", "#line x", "      ^");

    [Fact]
    public void BadLineFileName() =>
        AssertFirstError("#line 10 foo\n", "bad.c:1:10: error: \"foo\" is not a valid filename", "#line 10 foo", "         ^");

    [Fact]
    public void ErrorDirectiveContinues()
    {
        DiagnosticBag d = Errors("#error this is   bad\nint x;\n#error again\n");
        Assert.Equal(2, d.ErrorCount);
        Assert.Equal("bad.c:1:2: error: #error this is bad", d.Items[0].Format().Split('\n')[0]);
        Assert.Equal("bad.c:3:2: error: #error again", d.Items[1].Format().Split('\n')[0]);
    }

    [Fact]
    public void WarningDirectiveIsNotAnError()
    {
        DiagnosticBag d = Errors("#warning careful now\n");
        Assert.False(d.HasErrors);
        Assert.Equal("bad.c:1:2: warning: #warning careful now", d.Items[0].Format().Split('\n')[0]);
    }

    [Fact]
    public void MacroNameMustBeIdentifier() =>
        AssertFirstError("#define 3 4\n", "bad.c:1:9: error: macro names must be identifiers", "#define 3 4", "        ^");

    [Fact]
    public void NoMacroName() =>
        AssertFirstError("#define\n", "bad.c:1:2: error: no macro name given in #define directive", "#define", " ^");

    [Fact]
    public void DuplicateParameter() =>
        AssertFirstError("#define ff(x,x) x\n", "bad.c:1:14: error: duplicate macro parameter \"x\"", "#define ff(x,x) x", "             ^");

    [Fact]
    public void IncludeWithoutName() =>
        AssertFirstError("#include 42\n", "bad.c:1:10: error: #include expects \"FILENAME\" or <FILENAME>", "#include 42", "         ^");

    [Fact]
    public void StrayCharacterReachesProgram() =>
        AssertFirstError("int x = 1 @ 2;\n", "bad.c:1:11: error: stray '@' in program", "int x = 1 @ 2;", "          ^");

    [Fact]
    public void StrayCharacterFromMacro() =>
        AssertFirstError("#define AT @\nint y;\n  AT\n", "bad.c:3:3: error: stray '@' in program", "  AT", "  ^");

    [Fact]
    public void UnterminatedCharConstant() =>
        AssertFirstError("char c = 'x;\n", "bad.c:1:10: error: missing terminating ' character", "char c = 'x;", "         ^");

    [Fact]
    public void UnterminatedStringInIncludedCode() =>
        AssertFirstError("#if 1\nchar *s = \"abc;\n#endif\n", "bad.c:2:11: error: missing terminating \" character", "char *s = \"abc;", "          ^");

    [Fact]
    public void UnterminatedComment() =>
        AssertFirstError("int a;\n/* no end\n", "bad.c:2:1: error: unterminated comment", "/* no end", "^");

    [Fact]
    public void ErrorsAfterLineDirectiveUseNewName()
    {
        DiagnosticBag d = Errors("#line 7 \"gen.y\"\nint x = @;\n");
        Assert.Equal("gen.y:7:9: error: stray '@' in program", d.Items[0].Format().Split('\n')[0]);
        Assert.Equal("int x = @;", d.Items[0].Format().Split('\n')[1]);
    }

    [Fact]
    public void RecoversAndReportsSeveralErrors()
    {
        DiagnosticBag d = Errors("#foo\n#endif\n#define f(a) a\nf(1,2)\n#if 1/0\n#endif\nint ok;\n");
        Assert.Equal(4, d.ErrorCount);
        Assert.Equal(new[] { 1, 2, 4, 5 }, d.Items.Where(i => i.Severity == DiagnosticSeverity.Error).Select(i => i.Location.Line));
    }

    [Fact]
    public void ExpansionStillProducesTokensAfterErrors()
    {
        var diags = new DiagnosticBag();
        List<Token> toks = new Preprocessor(new PreprocessorOptions(), diags).PreprocessText("bad.c", "#bogus\nint x;");
        Assert.Equal(1, diags.ErrorCount);
        Assert.Equal(new[] { "int", "x", ";", "" }, toks.Select(t => t.Text));
    }
}
