using System.Text;
using Lantern.C.Diagnostics;

namespace Lantern.C.Parse;

/// <summary>Decodes the body of a character constant or string literal (escape sequences, UTF-8/16/32).</summary>
internal static class LiteralText
{
    /// <summary>
    /// Decodes <paramref name="s"/>[<paramref name="start"/>..<paramref name="end"/>) into code units of
    /// <paramref name="elemSize"/> bytes (1: UTF-8 bytes, 2: UTF-16, 4: UTF-32).
    /// </summary>
    public static List<int> Decode(string s, int start, int end, int elemSize, SourceLocation loc, DiagnosticBag diag)
    {
        var units = new List<int>(end - start);
        int i = start;
        Span<byte> utf8 = stackalloc byte[4];
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
                AddCodePoint(units, cp, elemSize, utf8);
                continue;
            }

            i++;
            if (i >= end)
            {
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
                case 'e': units.Add(27); break;
                case 'E': units.Add(27); break;
                case '\\': units.Add('\\'); break;
                case '\'': units.Add('\''); break;
                case '"': units.Add('"'); break;
                case '?': units.Add('?'); break;
                case 'x':
                {
                    long v = 0;
                    int n = 0;
                    while (i < end && char.IsAsciiHexDigit(s[i]))
                    {
                        v = v * 16 + HexVal(s[i]);
                        i++;
                        n++;
                    }

                    if (n == 0)
                    {
                        diag.Error(loc, "\\x used with no following hex digits");
                    }

                    units.Add(Trunc(v, elemSize));
                    break;
                }

                case 'u':
                case 'U':
                {
                    int len = e == 'u' ? 4 : 8;
                    int v = 0;
                    for (int k = 0; k < len && i < end && char.IsAsciiHexDigit(s[i]); k++)
                    {
                        v = v * 16 + HexVal(s[i]);
                        i++;
                    }

                    AddCodePoint(units, v, elemSize, utf8);
                    break;
                }

                default:
                    if (e >= '0' && e <= '7')
                    {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i < end && s[i] >= '0' && s[i] <= '7'; k++)
                        {
                            v = v * 8 + (s[i] - '0');
                            i++;
                        }

                        units.Add(Trunc(v, elemSize));
                    }
                    else
                    {
                        diag.Warning(loc, $"unknown escape sequence: '\\{e}'");
                        units.Add(e);
                    }

                    break;
            }
        }

        return units;
    }

    private static int Trunc(long v, int elemSize) => elemSize switch
    {
        1 => (byte)v,
        2 => (ushort)v,
        _ => (int)v,
    };

    private static int HexVal(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static void AddCodePoint(List<int> units, int cp, int elemSize, Span<byte> buf)
    {
        if (elemSize == 4)
        {
            units.Add(cp);
            return;
        }

        if (elemSize == 2)
        {
            if (cp >= 0x10000)
            {
                cp -= 0x10000;
                units.Add(0xD800 + (cp >> 10));
                units.Add(0xDC00 + (cp & 0x3FF));
            }
            else
            {
                units.Add(cp);
            }

            return;
        }

        if (cp < 0x80)
        {
            units.Add(cp);
            return;
        }

        int n = new Rune(Rune.IsValid(cp) ? cp : 0xFFFD).EncodeToUtf8(buf);
        for (int k = 0; k < n; k++)
        {
            units.Add(buf[k]);
        }
    }
}
