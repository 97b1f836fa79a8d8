using System.Globalization;
using System.Text;
using Lantern.C.Diagnostics;
using Lantern.C.Types;

namespace Lantern.C.Lex;

/// <summary>The encoding prefix of a character constant or string literal.</summary>
public enum LiteralEncoding
{
    /// <summary>No prefix: <c>char</c> elements (strings are UTF-8); a character constant has type <c>int</c>.</summary>
    Plain,

    /// <summary><c>u8</c>: UTF-8, <c>char</c> elements (<c>u8'x'</c> is C23: type <c>unsigned char</c>).</summary>
    Utf8,

    /// <summary><c>L</c>: <c>wchar_t</c> = <c>int</c> (32-bit signed) elements, UTF-32.</summary>
    Wide,

    /// <summary><c>u</c>: <c>char16_t</c> = <c>unsigned short</c> elements, UTF-16.</summary>
    Utf16,

    /// <summary><c>U</c>: <c>char32_t</c> = <c>unsigned int</c> elements, UTF-32.</summary>
    Utf32,
}

/// <summary>
/// The value of a character constant. <see cref="Value"/> is already converted to the constant's type:
/// Plain → <c>int</c> ('\xff' is -1 since char is signed; multi-character constants as gcc: 'ab' == 0x6162),
/// Wide → <c>int</c> (wchar_t), Utf16 → <c>unsigned short</c>, Utf32 → <c>unsigned int</c>, Utf8 → <c>unsigned char</c>.
/// </summary>
public readonly record struct CharConstant(long Value, LiteralEncoding Encoding);

/// <summary>
/// A decoded string literal: its code units WITHOUT the terminating null. For Plain/Utf8 each unit is a byte
/// (non-ASCII source characters and \u escapes are UTF-8 encoded), for Utf16 a 16-bit unit, for Wide/Utf32 a code point.
/// </summary>
public sealed class DecodedString
{
    public DecodedString(LiteralEncoding encoding, List<uint> units)
    {
        Encoding = encoding;
        Units = units;
    }

    public LiteralEncoding Encoding { get; }

    public List<uint> Units { get; }

    /// <summary>Size in bytes of one element: 1 (Plain, Utf8), 2 (Utf16), 4 (Wide, Utf32).</summary>
    public int ElementSize => LiteralDecoder.ElementSize(Encoding);

    /// <summary>Number of array elements including the terminating null (the array length of the literal's type).</summary>
    public int LengthWithNull => Units.Count + 1;

    /// <summary>The array's bytes in little-endian order, including the terminating null element.</summary>
    public byte[] ToBytes()
    {
        int size = ElementSize;
        var bytes = new byte[(Units.Count + 1) * size];
        for (int i = 0; i < Units.Count; i++)
        {
            uint u = Units[i];
            for (int b = 0; b < size; b++)
            {
                bytes[(i * size) + b] = (byte)(u >> (8 * b));
            }
        }

        return bytes;
    }
}

/// <summary>
/// Decodes literals as gcc does on x86-64 Linux: integer constants with their type (C11 6.4.4.1), the pieces of
/// floating constants (6.4.4.2), character constants and string literals (6.4.4.4, 6.4.5).
/// Escapes: \n \t \\ \' \" \? \a \b \f \v \r \e \E, octal (up to 3 digits), hex (\x, any length),
/// universal character names \uXXXX and \UXXXXXXXX. Errors and warnings are reported at the escape's position.
/// </summary>
/// <example>
/// <code>
/// CharConstant c = LiteralDecoder.DecodeChar(tok, diags);          // c.Value, c.Encoding
/// DecodedString s = LiteralDecoder.DecodeStrings(adjacentTokens, diags); // phase 6 concatenation
/// byte[] init = s.ToBytes();                                          // with terminating null
/// </code>
/// </example>
public static class LiteralDecoder
{
    /// <summary>Size in bytes of one element of a string literal with the given encoding.</summary>
    public static int ElementSize(LiteralEncoding encoding) => encoding switch
    {
        LiteralEncoding.Utf16 => 2,
        LiteralEncoding.Wide or LiteralEncoding.Utf32 => 4,
        _ => 1,
    };

    /// <summary>Reads the encoding prefix of a literal's spelling; <paramref name="quoteIndex"/> is the opening quote's index.</summary>
    public static LiteralEncoding GetEncoding(string text, out int quoteIndex)
    {
        if (text.StartsWith("u8", StringComparison.Ordinal))
        {
            quoteIndex = 2;
            return LiteralEncoding.Utf8;
        }

        quoteIndex = 1;
        switch (text.Length > 0 ? text[0] : '\0')
        {
            case 'L': return LiteralEncoding.Wide;
            case 'u': return LiteralEncoding.Utf16;
            case 'U': return LiteralEncoding.Utf32;
            default:
                quoteIndex = 0;
                return LiteralEncoding.Plain;
        }
    }

    /// <summary>Decodes a <see cref="TokenKind.CharLiteral"/> token to its value (see <see cref="CharConstant"/>).</summary>
    public static CharConstant DecodeChar(Token token, DiagnosticBag diagnostics)
    {
        LiteralEncoding enc = GetEncoding(token.Text, out int q);
        var units = new List<uint>();
        DecodeBody(token, q, enc, units, diagnostics);
        if (units.Count == 0)
        {
            diagnostics.Error(token.Location, "empty character constant");
            return new CharConstant(0, enc);
        }

        switch (enc)
        {
            case LiteralEncoding.Plain:
            {
                if (units.Count == 1)
                {
                    return new CharConstant((sbyte)(byte)units[0], enc);
                }

                if (units.Count > 4)
                {
                    diagnostics.Warning(token.Location, "character constant too long for its type");
                }
                else
                {
                    diagnostics.Warning(token.Location, "multi-character character constant");
                }

                uint v = 0;
                foreach (uint u in units)
                {
                    v = (v << 8) | (byte)u;
                }

                return new CharConstant((int)v, enc);
            }

            case LiteralEncoding.Utf8:
                if (units.Count > 1)
                {
                    diagnostics.Error(token.Location, "character too large for character literal type");
                }

                return new CharConstant((byte)units[0], enc);

            default:
            {
                if (units.Count > 1)
                {
                    diagnostics.Warning(token.Location, "character constant too long for its type");
                }

                uint last = units[^1];
                long value = enc switch
                {
                    LiteralEncoding.Wide => (int)last,
                    LiteralEncoding.Utf16 => (ushort)last,
                    _ => last,
                };
                return new CharConstant(value, enc);
            }
        }
    }

    /// <summary>Decodes one <see cref="TokenKind.StringLiteral"/> token.</summary>
    public static DecodedString DecodeString(Token token, DiagnosticBag diagnostics)
    {
        LiteralEncoding enc = GetEncoding(token.Text, out int q);
        var units = new List<uint>(token.Text.Length);
        DecodeBody(token, q, enc, units, diagnostics);
        return new DecodedString(enc, units);
    }

    /// <summary>
    /// Decodes adjacent string literal tokens and concatenates them (translation phase 6). The result has the
    /// prefix of the prefixed operands (plain operands are decoded in that encoding); two different prefixes
    /// other than u8/plain is an error.
    /// </summary>
    public static DecodedString DecodeStrings(IReadOnlyList<Token> tokens, DiagnosticBag diagnostics)
    {
        LiteralEncoding enc = LiteralEncoding.Plain;
        foreach (Token t in tokens)
        {
            LiteralEncoding e = GetEncoding(t.Text, out _);
            if (e == LiteralEncoding.Plain || e == enc)
            {
                continue;
            }

            if (enc == LiteralEncoding.Plain)
            {
                enc = e;
            }
            else
            {
                diagnostics.Error(t.Location, "unsupported non-standard concatenation of string literals");
            }
        }

        var units = new List<uint>();
        foreach (Token t in tokens)
        {
            GetEncoding(t.Text, out int q);
            DecodeBody(t, q, enc, units, diagnostics);
        }

        return new DecodedString(enc, units);
    }

    /// <summary>Decodes the characters between the quotes (the opening quote is at <paramref name="q"/>) into <paramref name="units"/>.</summary>
    private static void DecodeBody(Token token, int q, LiteralEncoding enc, List<uint> units, DiagnosticBag diagnostics)
    {
        string s = token.Text;
        int end = s.Length - 1; // the closing quote
        int elementBits = ElementSize(enc) * 8;
        uint mask = elementBits == 32 ? uint.MaxValue : (1u << elementBits) - 1;
        int i = q + 1;
        while (i < end)
        {
            char c = s[i];
            if (c != '\\')
            {
                int cp = c;
                if (char.IsHighSurrogate(c) && i + 1 < end && char.IsLowSurrogate(s[i + 1]))
                {
                    cp = char.ConvertToUtf32(c, s[i + 1]);
                    i++;
                }

                i++;
                EncodeCodePoint(cp, enc, units);
                continue;
            }

            int escStart = i;
            i++;
            if (i >= end)
            {
                // Cannot happen for a well-formed token; be robust anyway.
                units.Add('\\');
                break;
            }

            char e = s[i++];
            switch (e)
            {
                case 'n': units.Add('\n'); break;
                case 't': units.Add('\t'); break;
                case 'r': units.Add('\r'); break;
                case 'a': units.Add(7); break;
                case 'b': units.Add(8); break;
                case 'f': units.Add(12); break;
                case 'v': units.Add(11); break;
                case 'e':
                case 'E': units.Add(27); break;
                case '\\': units.Add('\\'); break;
                case '\'': units.Add('\''); break;
                case '"': units.Add('"'); break;
                case '?': units.Add('?'); break;
                case >= '0' and <= '7':
                {
                    uint v = (uint)(e - '0');
                    int digits = 1;
                    while (digits < 3 && i < end && s[i] >= '0' && s[i] <= '7')
                    {
                        v = (v << 3) | (uint)(s[i] - '0');
                        i++;
                        digits++;
                    }

                    if ((v & ~mask) != 0)
                    {
                        diagnostics.Warning(At(token, escStart), "octal escape sequence out of range");
                    }

                    units.Add(v & mask);
                    break;
                }

                case 'x':
                {
                    ulong v = 0;
                    int digits = 0;
                    bool overflow = false;
                    while (i < end && Uri.IsHexDigit(s[i]))
                    {
                        if ((v >> 60) != 0)
                        {
                            overflow = true;
                        }

                        v = (v << 4) | (uint)HexValue(s[i]);
                        i++;
                        digits++;
                    }

                    if (digits == 0)
                    {
                        diagnostics.Error(At(token, escStart), "\\x used with no following hex digits");
                        break;
                    }

                    if (overflow || (v & ~(ulong)mask) != 0)
                    {
                        diagnostics.Warning(At(token, escStart), "hex escape sequence out of range");
                    }

                    units.Add((uint)v & mask);
                    break;
                }

                case 'u':
                case 'U':
                {
                    int want = e == 'u' ? 4 : 8;
                    uint v = 0;
                    int digits = 0;
                    while (digits < want && i < end && Uri.IsHexDigit(s[i]))
                    {
                        v = (v << 4) | (uint)HexValue(s[i]);
                        i++;
                        digits++;
                    }

                    if (digits < want)
                    {
                        diagnostics.Error(At(token, escStart), $"incomplete universal character name {s.Substring(escStart, i - escStart)}");
                        break;
                    }

                    bool allowedBasic = v == '$' || v == '@' || v == '`';
                    if ((v < 0xA0 && !allowedBasic) || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
                    {
                        diagnostics.Error(At(token, escStart), $"{s.Substring(escStart, i - escStart)} is not a valid universal character");
                        break;
                    }

                    EncodeCodePoint((int)v, enc, units);
                    break;
                }

                default:
                {
                    string shown = e >= ' ' && e < 127 ? e.ToString() : "\\x" + ((int)e).ToString("x");
                    diagnostics.Warning(At(token, escStart), $"unknown escape sequence: '\\{shown}'");
                    int cp = e;
                    if (char.IsHighSurrogate(e) && i < end && char.IsLowSurrogate(s[i]))
                    {
                        cp = char.ConvertToUtf32(e, s[i]);
                        i++;
                    }

                    EncodeCodePoint(cp, enc, units);
                    break;
                }
            }
        }
    }

    private static void EncodeCodePoint(int cp, LiteralEncoding enc, List<uint> units)
    {
        if (cp >= 0xD800 && cp <= 0xDFFF)
        {
            cp = 0xFFFD; // a lone surrogate in the source text
        }

        switch (enc)
        {
            case LiteralEncoding.Plain:
            case LiteralEncoding.Utf8:
                if (cp < 0x80)
                {
                    units.Add((uint)cp);
                }
                else
                {
                    Span<byte> buf = stackalloc byte[4];
                    int n = new Rune(cp).EncodeToUtf8(buf);
                    for (int k = 0; k < n; k++)
                    {
                        units.Add(buf[k]);
                    }
                }

                break;
            case LiteralEncoding.Utf16:
                if (cp < 0x10000)
                {
                    units.Add((uint)cp);
                }
                else
                {
                    int v = cp - 0x10000;
                    units.Add((uint)(0xD800 + (v >> 10)));
                    units.Add((uint)(0xDC00 + (v & 0x3FF)));
                }

                break;
            default:
                units.Add((uint)cp);
                break;
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static SourceLocation At(Token token, int offset) =>
        token.Location with { Column = token.Location.Column + offset };

    /// <summary>
    /// Decodes a floating constant (C11 6.4.4.2; one that <see cref="TryParseInteger"/> found not to be an
    /// integer): its value and its type from the suffix (none double, <c>f</c> float, <c>l</c> long double); false
    /// with the error's text when the spelling is not a valid constant.
    /// </summary>
    public static bool TryParseFloat(string s, out double value, out CType type, out string? error)
    {
        error = null;
        string body = s;
        type = CType.Double;
        char last = char.ToLowerInvariant(body[^1]);
        bool hex = body.Length > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
        if (!hex && last == 'f')
        {
            type = CType.Float;
            body = body[..^1];
        }
        else if (hex && last == 'f' && IsHexFloatWithSuffix(body))
        {
            type = CType.Float;
            body = body[..^1];
        }
        else if (last == 'l')
        {
            type = CType.LongDouble;
            body = body[..^1];
        }

        if (hex)
        {
            if (!TryParseHexFloat(body, out value))
            {
                return Fail(out error, "invalid suffix on floating constant");
            }
        }
        else if (!double.TryParse(body, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return Fail(out error, $"invalid suffix \"{SuffixOf(s)}\" on floating constant");
        }

        return true;
    }

    private static bool IsHexFloatWithSuffix(string s)
    {
        int p = s.IndexOfAny(new[] { 'p', 'P' });
        return p > 0 && p < s.Length - 2;
    }

    private static string SuffixOf(string s)
    {
        int i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }

        return s[i..];
    }

    private static bool TryParseHexFloat(string s, out double d)
    {
        d = 0;
        int i = 2;
        double mant = 0;
        int exp = 0;
        bool any = false;
        while (i < s.Length && char.IsAsciiHexDigit(s[i]))
        {
            mant = mant * 16 + Convert.ToInt32(s[i].ToString(), 16);
            i++;
            any = true;
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiHexDigit(s[i]))
            {
                mant = mant * 16 + Convert.ToInt32(s[i].ToString(), 16);
                exp -= 4;
                i++;
                any = true;
            }
        }

        if (!any || i >= s.Length || (s[i] != 'p' && s[i] != 'P'))
        {
            return false;
        }

        i++;
        int sign = 1;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            sign = s[i] == '-' ? -1 : 1;
            i++;
        }

        int e = 0;
        if (i >= s.Length)
        {
            return false;
        }

        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            e = e * 10 + (s[i] - '0');
            i++;
        }

        if (i != s.Length)
        {
            return false;
        }

        d = mant * Math.Pow(2, exp + sign * e);
        return true;
    }

    /// <summary>
    /// The radix an integer constant's prefix gives (C11 6.4.4.1; 0b is the C23/GNU binary prefix): 16 for 0x, 2 for 0b,
    /// 8 for a leading 0, else 10; <paramref name="digitsStart"/> is where the digits begin (an octal's 0 is one).
    /// </summary>
    internal static int IntegerRadix(string s, out int digitsStart)
    {
        digitsStart = 0;
        if (s.Length > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        {
            digitsStart = 2;
            return 16;
        }

        if (s.Length > 1 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        {
            digitsStart = 2;
            return 2;
        }

        return s[0] == '0' ? 8 : 10;
    }

    /// <summary>Parses an integer constant with its suffix and picks its type (C11 6.4.4.1).</summary>
    public static bool TryParseInteger(string s, out ulong value, out CType? type, out string? error)
    {
        value = 0;
        type = null;
        error = null;
        int radix = IntegerRadix(s, out int i);
        int digitsStart = i;
        bool overflow = false;
        while (i < s.Length)
        {
            char c = s[i];
            int dv;
            if (c >= '0' && c <= '9')
            {
                dv = c - '0';
            }
            else if (radix == 16 && c >= 'a' && c <= 'f')
            {
                dv = c - 'a' + 10;
            }
            else if (radix == 16 && c >= 'A' && c <= 'F')
            {
                dv = c - 'A' + 10;
            }
            else
            {
                break;
            }

            if (dv >= radix)
            {
                if (radix == 8 && dv < 10)
                {
                    // could be a float like 09.5; checked below
                    return IsFloatText(s) ? false : Fail(out error, $"invalid digit \"{c}\" in octal constant");
                }

                break;
            }

            ulong nv = value * (ulong)radix + (ulong)dv;
            if ((nv - (ulong)dv) / (ulong)radix != value)
            {
                overflow = true;
            }

            value = nv;
            i++;
        }

        if (i == digitsStart && radix != 8)
        {
            // A hexadecimal float (0x.8p1) or a decimal float with no integer part (.5f).
            if (IsFloatText(s))
            {
                return false;
            }

            return Fail(out error, "invalid integer constant");
        }

        string suffix = s[i..];
        bool u = false;
        int l = 0;
        switch (suffix.ToLowerInvariant())
        {
            case "":
                break;
            case "u":
                u = true;
                break;
            case "l":
                l = 1;
                break;
            case "ll":
                l = 2;
                break;
            case "ul":
            case "lu":
                u = true;
                l = 1;
                break;
            case "ull":
            case "llu":
                u = true;
                l = 2;
                break;
            default:
                if (IsFloatText(s))
                {
                    return false;
                }

                return Fail(out error, $"invalid suffix \"{suffix}\" on integer constant");
        }

        if (suffix.Length == 3 && suffix.ToLowerInvariant() is "ull" or "llu" && (suffix.Contains("lL") || suffix.Contains("Ll")))
        {
            return Fail(out error, $"invalid suffix \"{suffix}\" on integer constant");
        }

        if (overflow)
        {
            error = null;
        }

        bool dec = radix == 10;
        if (u)
        {
            type = l == 0 && value <= uint.MaxValue ? CType.UInt : l == 2 ? CType.ULongLong : CType.ULong;
        }
        else if (l == 0)
        {
            if (value <= int.MaxValue)
            {
                type = CType.Int;
            }
            else if (!dec && value <= uint.MaxValue)
            {
                type = CType.UInt;
            }
            else if (value <= long.MaxValue)
            {
                type = CType.Long;
            }
            else
            {
                type = CType.ULong;
            }
        }
        else
        {
            CType sl = l == 2 ? CType.LongLong : CType.Long;
            CType ul = l == 2 ? CType.ULongLong : CType.ULong;
            type = value <= long.MaxValue ? sl : ul;
        }

        if (type.IsUnsigned && type.Size == 4)
        {
            value = (uint)value;
        }

        return true;
    }

    private static bool Fail(out string? error, string msg)
    {
        error = msg;
        return false;
    }

    private static bool IsFloatText(string s)
    {
        bool hex = s.Length > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        foreach (char c in s)
        {
            if (c == '.' || (!hex && (c == 'e' || c == 'E')) || (hex && (c == 'p' || c == 'P')))
            {
                return true;
            }
        }

        return false;
    }
}
