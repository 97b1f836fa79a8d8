using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Xunit;

namespace Lantern.C.Tests.Lex;

public class LiteralDecoderTests
{
    private static Token Tok(string text)
    {
        List<Token> toks = Lexer.Tokenize(new SourceFile("t.c", "x = " + text + ";", 0), new DiagnosticBag());
        return toks[2];
    }

    private static CharConstant Char(string text, out DiagnosticBag diags)
    {
        diags = new DiagnosticBag();
        return LiteralDecoder.DecodeChar(Tok(text), diags);
    }

    [Theory]
    [InlineData("'a'", 97)]
    [InlineData("'\\n'", 10)]
    [InlineData("'\\t'", 9)]
    [InlineData("'\\0'", 0)]
    [InlineData("'\\''", 39)]
    [InlineData("'\"'", 34)]
    [InlineData("'\\\\'", 92)]
    [InlineData("'\\?'", 63)]
    [InlineData("'\\a'", 7)]
    [InlineData("'\\b'", 8)]
    [InlineData("'\\f'", 12)]
    [InlineData("'\\v'", 11)]
    [InlineData("'\\r'", 13)]
    [InlineData("'\\e'", 27)]
    [InlineData("'\\101'", 65)]
    [InlineData("'\\x41'", 65)]
    [InlineData("'\\xff'", -1)]
    [InlineData("'\\377'", -1)]
    [InlineData("'\\200'", -128)]
    public void PlainCharConstants(string text, long value)
    {
        CharConstant c = Char(text, out DiagnosticBag d);
        Assert.False(d.HasErrors);
        Assert.Empty(d.Items);
        Assert.Equal(value, c.Value);
        Assert.Equal(LiteralEncoding.Plain, c.Encoding);
    }

    [Fact]
    public void MultiCharConstantsAsGcc()
    {
        CharConstant c = Char("'ab'", out DiagnosticBag d);
        Assert.Equal(24930, c.Value);
        Assert.Equal("multi-character character constant", Assert.Single(d.Items).Message);
        Assert.Equal(1650680933, Char("'abcde'", out d).Value);
        Assert.Equal("character constant too long for its type", Assert.Single(d.Items).Message);
        Assert.Equal(0xc3a9, Char("'é'", out _).Value);
    }

    [Fact]
    public void PrefixedCharConstants()
    {
        Assert.Equal((0x4f60L, LiteralEncoding.Wide), (Char("L'你'", out _).Value, Char("L'你'", out _).Encoding));
        Assert.Equal(98, Char("L'ab'", out DiagnosticBag d).Value);
        Assert.Single(d.Items);
        Assert.Equal((0xffffL, LiteralEncoding.Utf16), (Char("u'\\xffff'", out _).Value, Char("u'\\xffff'", out _).Encoding));
        Assert.Equal((0x1F600L, LiteralEncoding.Utf32), (Char("U'\\U0001F600'", out _).Value, Char("U'\\U0001F600'", out _).Encoding));
        Assert.Equal(-1, Char("L'\\xffffffff'", out _).Value);
        Assert.Equal(0xffffffffL, Char("U'\\xffffffff'", out _).Value);
    }

    [Fact]
    public void PlainStringIsUtf8()
    {
        DecodedString s = LiteralDecoder.DecodeString(Tok("\"a\\n\\x41\\101é\\u00e9\\U0001F600\""), new DiagnosticBag());
        Assert.Equal(LiteralEncoding.Plain, s.Encoding);
        Assert.Equal(new byte[] { (byte)'a', 10, 0x41, 0x41, 0xc3, 0xa9, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0 }, s.ToBytes());
        Assert.Equal(13, s.LengthWithNull);
        Assert.Equal(1, s.ElementSize);
    }

    [Fact]
    public void WideAndUnicodeStrings()
    {
        DecodedString w = LiteralDecoder.DecodeString(Tok("L\"h你\""), new DiagnosticBag());
        Assert.Equal(new uint[] { 'h', 0x4f60 }, w.Units);
        Assert.Equal(4, w.ElementSize);
        Assert.Equal(new byte[] { (byte)'h', 0, 0, 0, 0x60, 0x4f, 0, 0, 0, 0, 0, 0 }, w.ToBytes());

        DecodedString u = LiteralDecoder.DecodeString(Tok("u\"\\U0001F600x\""), new DiagnosticBag());
        Assert.Equal(new uint[] { 0xD83D, 0xDE00, 'x' }, u.Units);
        Assert.Equal(2, u.ElementSize);

        DecodedString u8 = LiteralDecoder.DecodeString(Tok("u8\"é\""), new DiagnosticBag());
        Assert.Equal(new uint[] { 0xc3, 0xa9 }, u8.Units);
        Assert.Equal(LiteralEncoding.Utf8, u8.Encoding);
    }

    [Fact]
    public void ConcatenationTakesThePrefix()
    {
        List<Token> toks = Lexer.Tokenize(new SourceFile("t.c", "\"ab\" L\"c\" \"d\"", 0), new DiagnosticBag());
        DecodedString s = LiteralDecoder.DecodeStrings(toks.Take(3).ToList(), new DiagnosticBag());
        Assert.Equal(LiteralEncoding.Wide, s.Encoding);
        Assert.Equal(new uint[] { 'a', 'b', 'c', 'd' }, s.Units);

        // "\x1" "2" is two characters, not \x12.
        toks = Lexer.Tokenize(new SourceFile("t.c", "\"\\x1\" \"2\"", 0), new DiagnosticBag());
        Assert.Equal(new uint[] { 1, '2' }, LiteralDecoder.DecodeStrings(toks.Take(2).ToList(), new DiagnosticBag()).Units);
    }

    [Fact]
    public void MixedPrefixesAreAnError()
    {
        List<Token> toks = Lexer.Tokenize(new SourceFile("t.c", "L\"a\" u\"b\"", 0), new DiagnosticBag());
        var d = new DiagnosticBag();
        LiteralDecoder.DecodeStrings(toks.Take(2).ToList(), d);
        Assert.Equal("t.c:1:6: error: unsupported non-standard concatenation of string literals", d.Items[0].Format().Split('\n')[0]);
    }

    [Theory]
    [InlineData("\"ab\\x\"", "t.c:1:8: error: \\x used with no following hex digits")]
    [InlineData("\"\\u12\"", "t.c:1:6: error: incomplete universal character name \\u12")]
    [InlineData("\"\\U0000004\"", "t.c:1:6: error: incomplete universal character name \\U0000004")]
    [InlineData("\"\\u0041\"", "t.c:1:6: error: \\u0041 is not a valid universal character")]
    [InlineData("\"\\uD800\"", "t.c:1:6: error: \\uD800 is not a valid universal character")]
    [InlineData("''", "t.c:1:5: error: empty character constant")]
    public void BadEscapesAreErrors(string literal, string expected)
    {
        var d = new DiagnosticBag();
        Token t = Tok(literal);
        if (t.Kind == TokenKind.CharLiteral)
        {
            LiteralDecoder.DecodeChar(t, d);
        }
        else
        {
            LiteralDecoder.DecodeString(t, d);
        }

        Assert.Equal(1, d.ErrorCount);
        Assert.Equal(expected, d.Items.First(i => i.Severity == DiagnosticSeverity.Error).Format().Split('\n')[0]);
    }

    [Theory]
    [InlineData("\"\\q\"", "t.c:1:6: warning: unknown escape sequence: '\\q'", "q")]
    [InlineData("\"\\x100\"", "t.c:1:6: warning: hex escape sequence out of range", "\0")]
    [InlineData("\"\\400\"", "t.c:1:6: warning: octal escape sequence out of range", "\0")]
    public void DubiousEscapesAreWarnings(string literal, string expected, string value)
    {
        var d = new DiagnosticBag();
        DecodedString s = LiteralDecoder.DecodeString(Tok(literal), d);
        Assert.False(d.HasErrors);
        Assert.Equal(expected, d.Items[0].Format().Split('\n')[0]);
        Assert.Equal(value.Select(c => (uint)c), s.Units);
    }
}
