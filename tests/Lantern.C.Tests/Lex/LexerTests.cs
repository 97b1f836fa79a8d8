using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Xunit;

namespace Lantern.C.Tests.Lex;

public class LexerTests
{
    private static List<Token> Lex(string text, out DiagnosticBag diags)
    {
        diags = new DiagnosticBag();
        return Lexer.Tokenize(new SourceFile("t.c", text, 0), diags);
    }

    private static string Kinds(string text)
    {
        List<Token> toks = Lex(text, out DiagnosticBag diags);
        Assert.False(diags.HasErrors, diags.FormatAll());
        return string.Join(" ", toks.Take(toks.Count - 1).Select(t => t.Kind switch
        {
            TokenKind.Identifier => "I:" + t.Text,
            TokenKind.Number => "N:" + t.Text,
            TokenKind.CharLiteral => "C:" + t.Text,
            TokenKind.StringLiteral => "S:" + t.Text,
            _ => t.Text,
        }));
    }

    [Fact]
    public void EmptyFileGivesOnlyEndOfFile()
    {
        List<Token> toks = Lex("", out _);
        Assert.Single(toks);
        Assert.Equal(TokenKind.EndOfFile, toks[0].Kind);
    }

    [Fact]
    public void IdentifiersNumbersAndPunctuators()
    {
        Assert.Equal("I:int I:x = N:0x1fUL + N:1.5e-3f ;", Kinds("int x = 0x1fUL + 1.5e-3f;"));
        Assert.Equal("N:.5 N:1e+10 N:0x1p-3 N:1..2 N:12ab", Kinds(".5 1e+10 0x1p-3 1..2 12ab"));
        Assert.Equal("N:1 + N:2", Kinds("1+2"));
        Assert.Equal("N:1e+ N:2", Kinds("1e+ 2"));
        Assert.Equal("I:_a$b I:a1", Kinds("_a$b a1"));
    }

    [Fact]
    public void AllPunctuatorsLongestMatch()
    {
        string src = "[ ] ( ) { } . -> ++ -- & * + - ~ ! / % << >> < > <= >= == != ^ | && || ? : ; ... = *= /= %= += -= <<= >>= &= ^= |= , # ##";
        Assert.Equal(src, Kinds(src));
        Assert.Equal("<<= >>= ... . . ++ + -> -", Kinds("<<=>>=.....+++->-"));
        Assert.Equal("a ++ + b", string.Join(" ", Lex("a+++b", out _).SkipLast(1).Select(t => t.Text)));
    }

    [Fact]
    public void DigraphsAreCanonical()
    {
        Assert.Equal("[ ] { } # ##", Kinds("<: :> <% %> %: %:%:"));
    }

    [Fact]
    public void LiteralsWithPrefixes()
    {
        Assert.Equal("C:'a' C:L'b' C:u'c' C:U'd' S:\"s\" S:L\"w\" S:u8\"x\" S:u\"y\" S:U\"z\"",
            Kinds("'a' L'b' u'c' U'd' \"s\" L\"w\" u8\"x\" u\"y\" U\"z\""));
        Assert.Equal("C:'\\'' S:\"a\\\"b\" C:'\\\\'", Kinds("'\\'' \"a\\\"b\" '\\\\'"));
        Assert.Equal("I:u8 I:x I:Lx", Kinds("u8 x Lx"));
    }

    [Fact]
    public void CommentsAreSpace()
    {
        List<Token> toks = Lex("a/* c */b // line\nc/**/d", out _);
        Assert.Equal(new[] { "a", "b", "c", "d", "" }, toks.Select(t => t.Text));
        Assert.False(toks[0].HasSpace);
        Assert.True(toks[1].HasSpace);
        Assert.True(toks[2].AtStartOfLine);
        Assert.False(toks[2].HasSpace);
        Assert.True(toks[3].HasSpace);
        Assert.False(toks[3].AtStartOfLine);
    }

    [Fact]
    public void MultiLineCommentDoesNotStartALine()
    {
        List<Token> toks = Lex("a /*\n*/ # b", out _);
        Assert.Equal("#", toks[1].Text);
        Assert.False(toks[1].AtStartOfLine);
        Assert.Equal(2, toks[1].Location.Line);
        Assert.Equal(4, toks[1].Location.Column);
    }

    [Fact]
    public void LinesAndColumns()
    {
        List<Token> toks = Lex("int\n  x =\t1;\r\n y", out _);
        Assert.Equal((1, 1), (toks[0].Location.Line, toks[0].Location.Column));
        Assert.Equal((2, 3), (toks[1].Location.Line, toks[1].Location.Column));
        Assert.Equal((2, 5), (toks[2].Location.Line, toks[2].Location.Column));
        Assert.Equal((2, 7), (toks[3].Location.Line, toks[3].Location.Column));
        Assert.Equal((3, 2), (toks[5].Location.Line, toks[5].Location.Column));
        Assert.True(toks[5].AtStartOfLine);
    }

    [Fact]
    public void LineSplicing()
    {
        List<Token> toks = Lex("in\\\nt x\\\r\n = \"a\\\nb\";\nz", out DiagnosticBag d);
        Assert.False(d.HasErrors);
        Assert.Equal(new[] { "int", "x", "=", "\"ab\"", ";", "z", "" }, toks.Select(t => t.Text));
        Assert.Equal((1, 1), (toks[0].Location.Line, toks[0].Location.Column));
        Assert.Equal((2, 3), (toks[1].Location.Line, toks[1].Location.Column));
        Assert.Equal((3, 2), (toks[2].Location.Line, toks[2].Location.Column));
        Assert.Equal((3, 4), (toks[3].Location.Line, toks[3].Location.Column));
        Assert.Equal((4, 3), (toks[4].Location.Line, toks[4].Location.Column));
        Assert.Equal((5, 1), (toks[5].Location.Line, toks[5].Location.Column));
        Assert.True(toks[5].AtStartOfLine);
    }

    [Fact]
    public void BackslashBlanksNewlineIsASplice()
    {
        Assert.Equal("I:ab N:1", Kinds("a\\  \t\nb 1"));
        List<Token> toks = Lex("x \\ \r\ny", out _);
        Assert.Equal((2, 1), (toks[1].Location.Line, toks[1].Location.Column));
    }

    [Fact]
    public void SpliceInsideLineCommentContinuesIt()
    {
        Assert.Equal("I:a I:c", Kinds("a // b \\\n still comment\nc"));
    }

    [Fact]
    public void IdentifiersAreInterned()
    {
        List<Token> toks = Lex("abc abc int", out _);
        Assert.Same(toks[0].Text, toks[1].Text);
        Assert.Same("int", toks[2].Text);
    }

    [Theory]
    [InlineData("int x = 'a;\nint y;", "t.c:1:9: error: missing terminating ' character")]
    [InlineData("char *s = \"abc;\n", "t.c:1:11: error: missing terminating \" character")]
    [InlineData("int a;\n  /* never closed\n", "t.c:2:3: error: unterminated comment")]
    [InlineData("int @x;", "t.c:1:5: error: stray '@' in program")]
    [InlineData("a ` b", "t.c:1:3: error: stray '`' in program")]
    [InlineData("x = L'ab", "t.c:1:5: error: missing terminating ' character")]
    public void LexicalErrors(string src, string expected)
    {
        List<Token> toks = Lex(src, out DiagnosticBag d);
        Assert.Equal(1, d.ErrorCount);
        Assert.StartsWith(expected + "\n", d.Items[0].Format());
        Assert.DoesNotContain(toks, t => t.Kind == TokenKind.Invalid);
        Assert.Equal(TokenKind.EndOfFile, toks[^1].Kind);
    }

    [Fact]
    public void ErrorShowsCaretUnderColumn()
    {
        Lex("int\t@x;", out DiagnosticBag d);
        Assert.Equal("t.c:1:5: error: stray '@' in program\nint\t@x;\n   \t^\n", d.FormatAll());
    }

    [Fact]
    public void LexingContinuesAfterErrors()
    {
        List<Token> toks = Lex("a @ b\n'x\nc", out DiagnosticBag d);
        Assert.Equal(2, d.ErrorCount);
        Assert.Equal(new[] { "a", "b", "c", "" }, toks.Select(t => t.Text));
    }
}
