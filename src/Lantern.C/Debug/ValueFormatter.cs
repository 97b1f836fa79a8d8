using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Lantern.C.Debug;

/// <summary>
/// Formats values as gdb's <c>print</c> does: <c>97 'a'</c>, <c>0.10000000000000001</c>, <c>(int *) 0x... &lt;g&gt;</c>,
/// <c>0x... "hello"</c>, <c>{x = 1, y = 2}</c>, <c>{0 &lt;repeats 16 times&gt;}</c>, enums by name, and the
/// <c>/x /d /u /o /t /c /a /f /z</c> formats.
/// </summary>
public sealed class ValueFormatter
{
    /// <summary>gdb's <c>set print repeats</c>: runs longer than this collapse into <c>&lt;repeats N times&gt;</c>.</summary>
    public const int RepeatThreshold = 10;

    /// <summary>gdb's <c>set print elements</c>.</summary>
    public const int ElementLimit = 200;

    private readonly ProgramSymbols _symbols;
    private readonly IValueContext _context;

    public ValueFormatter(ProgramSymbols symbols, IValueContext context)
    {
        _symbols = symbols;
        _context = context;
    }

    /// <summary>Formats a top-level value (what follows <c>$1 = </c>). <paramref name="format"/> is a gdb format letter or '\0'.</summary>
    public string Format(DbgValue value, char format = '\0')
    {
        var sb = new StringBuilder();
        DbgType t = value.Type.Strip();
        if (t.Kind == DbgTypeKind.Function && format == '\0')
        {
            ulong address = value.Address ?? 0;
            sb.Append('{').Append(value.Type.Name).Append("} ");
            AppendAddress(sb, address);
            return sb.ToString();
        }

        if (t.Kind == DbgTypeKind.Pointer && format == '\0' && !IsCharPointer(t))
        {
            sb.Append('(').Append(value.Type.Name).Append(") ");
        }

        Append(sb, value.Type, value.Bytes, format);
        return sb.ToString();
    }

    /// <summary>Formats a value without the top-level pointer type prefix (<c>info locals</c> style).</summary>
    public string FormatBare(DbgType type, byte[] bytes, char format = '\0')
    {
        var sb = new StringBuilder();
        Append(sb, type, bytes, format);
        return sb.ToString();
    }

    private static bool IsCharPointer(DbgType t) => t.Kind == DbgTypeKind.Pointer && t.Target?.Strip() is { Kind: DbgTypeKind.Integer, IsChar: true, Size: 1 };

    private void AppendAddress(StringBuilder sb, ulong address)
    {
        sb.Append("0x").Append(address.ToString("x", CultureInfo.InvariantCulture));
        if (address != 0 && _symbols.Describe(address) is string name)
        {
            sb.Append(" <").Append(name).Append('>');
        }
    }

    private void Append(StringBuilder sb, DbgType declared, byte[] bytes, char format)
    {
        DbgType t = declared.Strip();
        switch (t.Kind)
        {
            case DbgTypeKind.Void:
                sb.Append("void");
                return;
            case DbgTypeKind.Struct:
            case DbgTypeKind.Union:
                AppendStruct(sb, t, bytes, format);
                return;
            case DbgTypeKind.Array:
                AppendArray(sb, t, bytes, format);
                return;
            case DbgTypeKind.Function:
                sb.Append("{").Append(declared.Name).Append("} ");
                return;
            default:
                AppendScalar(sb, t, bytes, format);
                return;
        }
    }

    private static ulong Raw(byte[] bytes)
    {
        ulong v = 0;
        for (int i = 0; i < bytes.Length && i < 8; i++)
        {
            v |= (ulong)bytes[i] << (8 * i);
        }

        return v;
    }

    private static long Signed(ulong raw, long size)
    {
        if (size < 8 && size > 0 && (raw & (1UL << (int)((size * 8) - 1))) != 0)
        {
            raw |= ~0UL << (int)(size * 8);
        }

        return (long)raw;
    }

    private void AppendScalar(StringBuilder sb, DbgType t, byte[] bytes, char format)
    {
        ulong raw = Raw(bytes);
        long size = Math.Min(t.Size, 8);
        ulong masked = size >= 8 ? raw : raw & ((1UL << (int)(size * 8)) - 1);
        if (format is not ('\0' or 's'))
        {
            if (t.Kind == DbgTypeKind.Float && format is 'x' or 'd' or 'u' or 'o' or 't' or 'c' or 'z')
            {
                // gdb 8+: /x on a float converts the value.
                double d = t.Size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(bytes) : BinaryPrimitives.ReadDoubleLittleEndian(bytes);
                long l = (long)d;
                AppendFormatted(sb, (ulong)l, l, 8, format);
                return;
            }

            if (format == 'f' && t.Kind != DbgTypeKind.Float)
            {
                AppendScalar(sb, t, bytes, '\0');
                return;
            }

            if (format == 'f')
            {
                AppendScalar(sb, t, bytes, '\0');
                return;
            }

            if (format == 'a')
            {
                AppendAddress(sb, masked);
                return;
            }

            if (format == 'c')
            {
                // gdb: the value as a character of the type's signedness.
                long c = t.IsSigned ? (sbyte)(byte)masked : (byte)masked;
                sb.Append(c.ToString(CultureInfo.InvariantCulture)).Append(" '").Append(Escape((byte)masked, '\'')).Append('\'');
                return;
            }

            AppendFormatted(sb, masked, t.IsSigned ? Signed(raw, size) : (long)masked, size, format);
            return;
        }

        switch (t.Kind)
        {
            case DbgTypeKind.Bool:
                sb.Append(masked switch { 0 => "false", 1 => "true", _ => masked.ToString(CultureInfo.InvariantCulture) });
                return;
            case DbgTypeKind.Float:
                sb.Append(FormatFloat(t.Size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(bytes) : BinaryPrimitives.ReadDoubleLittleEndian(bytes), t.Size == 4));
                return;
            case DbgTypeKind.Enum:
                {
                    long value = Signed(raw, size);
                    foreach ((string name, long v) in t.Enumerators)
                    {
                        if (v == value)
                        {
                            sb.Append(name);
                            return;
                        }
                    }

                    AppendFlagEnum(sb, t, value);
                    return;
                }

            case DbgTypeKind.Pointer:
                if (IsCharPointer(t))
                {
                    AppendAddressPlain(sb, masked);
                    if (masked != 0)
                    {
                        sb.Append(' ');
                        AppendCString(sb, masked);
                    }

                    return;
                }

                AppendAddress(sb, masked);
                return;
            default:
                {
                    string number = t.IsSigned ? Signed(raw, size).ToString(CultureInfo.InvariantCulture) : masked.ToString(CultureInfo.InvariantCulture);
                    sb.Append(number);
                    if (t.IsChar)
                    {
                        sb.Append(" '").Append(Escape((byte)masked, '\'')).Append('\'');
                    }

                    return;
                }
        }
    }

    private static void AppendFlagEnum(StringBuilder sb, DbgType t, long value)
    {
        // gdb prints a value that is a combination of flag enumerators as (A | B); otherwise the number.
        bool flags = t.Enumerators.Count > 0 && t.Enumerators.All(e => e.Value > 0 && (e.Value & (e.Value - 1)) == 0);
        if (flags && value > 0)
        {
            var parts = new List<string>();
            long rest = value;
            foreach ((string name, long v) in t.Enumerators)
            {
                if ((rest & v) != 0)
                {
                    parts.Add(name);
                    rest &= ~v;
                }
            }

            if (parts.Count > 0)
            {
                if (rest != 0)
                {
                    parts.Add("unknown: 0x" + rest.ToString("x", CultureInfo.InvariantCulture));
                }

                sb.Append('(').Append(string.Join(" | ", parts)).Append(')');
                return;
            }
        }

        sb.Append(value.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendAddressPlain(StringBuilder sb, ulong address) => sb.Append("0x").Append(address.ToString("x", CultureInfo.InvariantCulture));

    private static void AppendFormatted(StringBuilder sb, ulong masked, long signedValue, long size, char format)
    {
        switch (format)
        {
            case 'x':
                sb.Append("0x").Append(masked.ToString("x", CultureInfo.InvariantCulture));
                return;
            case 'z':
                sb.Append("0x").Append(masked.ToString("x" + (size * 2), CultureInfo.InvariantCulture));
                return;
            case 'o':
                sb.Append(masked == 0 ? "0" : "0" + System.Convert.ToString((long)masked, 8));
                return;
            case 't':
                sb.Append(System.Convert.ToString((long)masked, 2));
                return;
            case 'd':
                sb.Append(Signed(masked, size).ToString(CultureInfo.InvariantCulture));
                return;
            case 'u':
                sb.Append(masked.ToString(CultureInfo.InvariantCulture));
                return;
            case 'c':
                {
                    long c = (sbyte)(byte)masked;
                    sb.Append(c.ToString(CultureInfo.InvariantCulture)).Append(" '").Append(Escape((byte)masked, '\'')).Append('\'');
                    return;
                }

            default:
                sb.Append(signedValue.ToString(CultureInfo.InvariantCulture));
                return;
        }
    }

    /// <summary>C's <c>%.17g</c> (double) or <c>%.9g</c> (float), as gdb prints floating-point values.</summary>
    public static string FormatFloat(double value, bool isFloat)
    {
        if (double.IsNaN(value))
        {
            ulong bits = (ulong)BitConverter.DoubleToInt64Bits(value);
            string sign = (bits >> 63) != 0 ? "-" : "";
            ulong mantissa = isFloat ? (ulong)(BitConverter.SingleToInt32Bits((float)value) & 0x7fffff) : bits & 0xfffffffffffffUL;
            return $"{sign}nan(0x{mantissa:x})";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        string text = isFloat
            ? ((float)value).ToString("G9", CultureInfo.InvariantCulture)
            : value.ToString("G17", CultureInfo.InvariantCulture);
        if (value == 0 && double.IsNegative(value))
        {
            return "-0";
        }

        int e = text.IndexOf('E');
        if (e >= 0)
        {
            string mantissa = text[..e];
            string exponent = text[(e + 1)..];
            char sign = exponent[0] == '-' ? '-' : '+';
            string digits = exponent.TrimStart('+', '-').TrimStart('0');
            if (digits.Length < 2)
            {
                digits = digits.PadLeft(2, '0');
            }

            text = mantissa + "e" + sign + digits;
        }

        return text;
    }

    /// <summary>A byte as gdb shows it inside quotes: printable ASCII as is, C escapes, else <c>\ooo</c>.</summary>
    public static string Escape(byte b, char quote)
    {
        switch (b)
        {
            case 7: return "\\a";
            case 8: return "\\b";
            case 9: return "\\t";
            case 10: return "\\n";
            case 11: return "\\v";
            case 12: return "\\f";
            case 13: return "\\r";
            case 27: return "\\033";
            case (byte)'\\': return "\\\\";
        }

        if (b == quote)
        {
            return "\\" + quote;
        }

        if (b >= 32 && b < 127)
        {
            return ((char)b).ToString();
        }

        return "\\" + System.Convert.ToString(b, 8).PadLeft(3, '0');
    }

    private void AppendCString(StringBuilder sb, ulong address)
    {
        var bytes = new List<byte>();
        Span<byte> one = stackalloc byte[1];
        bool truncated = false;
        for (int i = 0; ; i++)
        {
            if (i >= ElementLimit)
            {
                truncated = true;
                break;
            }

            if (!_context.ReadMemory(address + (ulong)i, one))
            {
                if (i == 0)
                {
                    sb.Append($"<error: Cannot access memory at address 0x{address:x}>");
                    return;
                }

                break;
            }

            if (one[0] == 0)
            {
                break;
            }

            bytes.Add(one[0]);
        }

        AppendCharRuns(sb, bytes.ToArray(), bytes.Count);
        if (truncated)
        {
            sb.Append("...");
        }
    }

    /// <summary>Characters as gdb prints strings: quoted segments, runs over the threshold as <c>'c' &lt;repeats N times&gt;</c>.</summary>
    private static void AppendCharRuns(StringBuilder sb, byte[] bytes, int count)
    {
        if (count == 0)
        {
            sb.Append("\"\"");
            return;
        }

        bool inQuote = false;
        bool first = true;
        int i = 0;
        while (i < count)
        {
            int run = 1;
            while (i + run < count && bytes[i + run] == bytes[i])
            {
                run++;
            }

            if (run > RepeatThreshold)
            {
                if (inQuote)
                {
                    sb.Append("\", ");
                    inQuote = false;
                }
                else if (!first)
                {
                    sb.Append(", ");
                }

                sb.Append('\'').Append(Escape(bytes[i], '\'')).Append("' <repeats ").Append(run).Append(" times>");
                i += run;
            }
            else
            {
                if (!inQuote)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    sb.Append('"');
                    inQuote = true;
                }

                for (int k = 0; k < run; k++)
                {
                    sb.Append(Escape(bytes[i], '"'));
                }

                i += run;
            }

            first = false;
        }

        if (inQuote)
        {
            sb.Append('"');
        }
    }

    private void AppendArray(StringBuilder sb, DbgType t, byte[] bytes, char format)
    {
        DbgType element = t.Target ?? DbgTypes.Void;
        DbgType es = element.Strip();
        long size = Math.Max(es.Size, 1);
        long count = t.Count >= 0 ? t.Count : 0;
        count = Math.Min(count, bytes.Length / size);
        if (format is '\0' or 's' && es is { Kind: DbgTypeKind.Integer, IsChar: true, Size: 1 })
        {
            int n = (int)count;
            bool truncated = n > ElementLimit;
            if (truncated)
            {
                n = ElementLimit;
            }
            else if (n > 0 && bytes[n - 1] == 0)
            {
                // gdb (print null-stop off) drops one trailing NUL.
                n--;
            }

            AppendCharRuns(sb, bytes, n);
            if (truncated)
            {
                sb.Append("...");
            }

            return;
        }

        sb.Append('{');
        int printed = 0;
        long i = 0;
        while (i < count)
        {
            if (printed >= ElementLimit)
            {
                sb.Append("...");
                break;
            }

            ReadOnlySpan<byte> current = bytes.AsSpan((int)(i * size), (int)size);
            long run = 1;
            while (i + run < count && bytes.AsSpan((int)((i + run) * size), (int)size).SequenceEqual(current))
            {
                run++;
            }

            if (i > 0)
            {
                sb.Append(", ");
            }

            if (run > RepeatThreshold)
            {
                Append(sb, element, current.ToArray(), format);
                sb.Append(" <repeats ").Append(run).Append(" times>");
                i += run;
                printed += RepeatThreshold;
            }
            else
            {
                Append(sb, element, current.ToArray(), format);
                i++;
                printed++;
            }
        }

        sb.Append('}');
    }

    private void AppendStruct(StringBuilder sb, DbgType t, byte[] bytes, char format)
    {
        if (t.IsIncomplete)
        {
            sb.Append("<incomplete type>");
            return;
        }

        sb.Append('{');
        bool first = true;
        foreach (DbgMember m in t.Members)
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            if (m.Name is not null)
            {
                sb.Append(m.Name).Append(" = ");
            }

            byte[] memberBytes;
            if (m.IsBitField)
            {
                ulong raw = 0;
                int start = (int)(m.BitOffset / 8);
                for (int i = 0; i < 8 && start + i < bytes.Length; i++)
                {
                    raw |= (ulong)bytes[start + i] << (8 * i);
                }

                raw = (raw >> (int)(m.BitOffset % 8)) & (m.BitSize >= 64 ? ulong.MaxValue : (1UL << m.BitSize) - 1);
                if (m.Type.Strip().IsSigned && m.BitSize < 64 && (raw & (1UL << (m.BitSize - 1))) != 0)
                {
                    raw |= ~((1UL << m.BitSize) - 1);
                }

                memberBytes = DbgValue.Encode((long)raw, (int)Math.Max(m.Type.Size, 1));
            }
            else
            {
                int offset = (int)Math.Min(m.Offset, bytes.Length);
                int length = (int)Math.Min(Math.Max(m.Type.Size, 0), bytes.Length - offset);
                memberBytes = bytes.AsSpan(offset, length).ToArray();
            }

            Append(sb, m.Type, memberBytes, format);
        }

        sb.Append('}');
    }
}
