using System.Globalization;
using System.Text;

namespace Lantern.C.Debug;

/// <summary>A parsed debugger expression (C syntax plus gdb's <c>$reg</c>, <c>$N</c>, <c>$</c>, <c>$$N</c> and <c>@</c>).</summary>
public abstract record Expr;

public sealed record IntLiteral(ulong Value, DbgType Type) : Expr;

public sealed record FloatLiteral(double Value, DbgType Type) : Expr;

public sealed record CharLiteral(long Value) : Expr;

public sealed record StringLiteral(byte[] Bytes) : Expr;

public sealed record Identifier(string Name) : Expr;

/// <summary><c>$name</c>: a register or a convenience variable.</summary>
public sealed record DollarName(string Name) : Expr;

/// <summary><c>$N</c> (absolute, N &gt; 0), <c>$</c> (relative 0), <c>$$</c> (relative 1), <c>$$N</c> (relative N).</summary>
public sealed record HistoryRef(int Index, bool Relative) : Expr;

public sealed record UnaryExpr(string Op, Expr Operand) : Expr;

public sealed record PostfixExpr(string Op, Expr Operand) : Expr;

public sealed record BinaryExpr(string Op, Expr Left, Expr Right) : Expr;

public sealed record AssignExpr(string Op, Expr Target, Expr Value) : Expr;

public sealed record ConditionalExpr(Expr Condition, Expr Then, Expr Else) : Expr;

public sealed record CastExpr(TypeSpec Type, Expr Operand) : Expr;

public sealed record SizeofTypeExpr(TypeSpec Type) : Expr;

public sealed record SizeofExpr(Expr Operand) : Expr;

public sealed record MemberExpr(Expr Operand, string Member, bool Arrow) : Expr;

public sealed record IndexExpr(Expr Operand, Expr Index) : Expr;

public sealed record CallExpr(Expr Function, IReadOnlyList<Expr> Arguments) : Expr;

/// <summary>A type name as written in a cast: base (<c>unsigned int</c>, <c>struct P</c>, a typedef name), pointer depth, array dimensions.</summary>
public sealed record TypeSpec(string BaseName, int PointerDepth, IReadOnlyList<long> Dimensions);

/// <summary>
/// Recursive-descent parser of debugger expressions, C precedence. Errors use gdb's wording:
/// <c>A syntax error in expression, near `rest'.</c>
/// </summary>
public sealed class ExpressionParser
{
    private static readonly string[] s_punctuators =
    [
        "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
        "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "|", "^", "?", ":", ",", ".", "(", ")", "[", "]", "@", "{", "}",
    ];

    private static readonly HashSet<string> s_typeWords = new(StringComparer.Ordinal)
    {
        "int", "char", "short", "long", "unsigned", "signed", "float", "double", "void", "_Bool", "struct", "union", "enum", "const", "volatile",
    };

    private readonly string _text;
    private readonly List<(string Kind, string Text, int Position, object? Value)> _tokens = new();
    private readonly Func<string, bool> _isTypedefName;
    private int _index;

    private ExpressionParser(string text, Func<string, bool> isTypedefName)
    {
        _text = text;
        _isTypedefName = isTypedefName;
    }

    /// <summary>Parses a whole expression; <paramref name="isTypedefName"/> tells casts from parenthesised names.</summary>
    /// <exception cref="DebugEvalException">A syntax error.</exception>
    public static Expr Parse(string text, Func<string, bool>? isTypedefName = null)
    {
        var parser = new ExpressionParser(text, isTypedefName ?? (_ => false));
        parser.Tokenize();
        if (parser._tokens.Count == 0)
        {
            throw new DebugEvalException("Argument required (expression to compute).");
        }

        Expr e = parser.ParseComma();
        if (!parser.AtEnd)
        {
            throw parser.SyntaxError();
        }

        return e;
    }

    private bool AtEnd => _index >= _tokens.Count;

    private string Peek(int ahead = 0) => _index + ahead < _tokens.Count ? _tokens[_index + ahead].Text : "";

    private string PeekKind(int ahead = 0) => _index + ahead < _tokens.Count ? _tokens[_index + ahead].Kind : "";

    private bool IsPunct(string text, int ahead = 0) => PeekKind(ahead) == "punct" && Peek(ahead) == text;

    private bool Accept(string punct)
    {
        if (IsPunct(punct))
        {
            _index++;
            return true;
        }

        return false;
    }

    private void Expect(string punct)
    {
        if (!Accept(punct))
        {
            throw SyntaxError();
        }
    }

    private DebugEvalException SyntaxError()
    {
        string rest = AtEnd ? "" : _text[_tokens[_index].Position..];
        return new DebugEvalException($"A syntax error in expression, near `{rest}'.");
    }

    private void Tokenize()
    {
        string s = _text;
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            int start = i;
            if (char.IsLetter(c) || c == '_')
            {
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_'))
                {
                    i++;
                }

                _tokens.Add(("ident", s[start..i], start, null));
                continue;
            }

            if (c == '$')
            {
                i++;
                if (i < s.Length && s[i] == '$')
                {
                    i++;
                    int numStart = i;
                    while (i < s.Length && char.IsDigit(s[i]))
                    {
                        i++;
                    }

                    int n = i > numStart ? int.Parse(s[numStart..i], CultureInfo.InvariantCulture) : 1;
                    _tokens.Add(("history", s[start..i], start, new HistoryRef(n, true)));
                    continue;
                }

                if (i < s.Length && char.IsDigit(s[i]))
                {
                    while (i < s.Length && char.IsDigit(s[i]))
                    {
                        i++;
                    }

                    int n = int.Parse(s[(start + 1)..i], CultureInfo.InvariantCulture);
                    _tokens.Add(("history", s[start..i], start, n == 0 ? new HistoryRef(0, true) : new HistoryRef(n, false)));
                    continue;
                }

                if (i < s.Length && (char.IsLetter(s[i]) || s[i] == '_'))
                {
                    while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_'))
                    {
                        i++;
                    }

                    _tokens.Add(("dollar", s[start..i], start, new DollarName(s[(start + 1)..i])));
                    continue;
                }

                _tokens.Add(("history", "$", start, new HistoryRef(0, true)));
                continue;
            }

            if (char.IsDigit(c) || (c == '.' && i + 1 < s.Length && char.IsDigit(s[i + 1])))
            {
                _tokens.Add(("number", "", start, ReadNumber(ref i)));
                _tokens[^1] = ("number", s[start..i], start, _tokens[^1].Value);
                continue;
            }

            if (c == '\'')
            {
                i++;
                var bytes = new List<byte>();
                while (i < s.Length && s[i] != '\'')
                {
                    ReadChar(s, ref i, bytes);
                }

                if (i >= s.Length || bytes.Count == 0)
                {
                    throw new DebugEvalException("Unmatched single quote.");
                }

                i++;
                _tokens.Add(("char", s[start..i], start, new CharLiteral((sbyte)bytes[0])));
                continue;
            }

            if (c == '"')
            {
                i++;
                var bytes = new List<byte>();
                while (i < s.Length && s[i] != '"')
                {
                    ReadChar(s, ref i, bytes);
                }

                if (i >= s.Length)
                {
                    throw new DebugEvalException("Unterminated string in expression.");
                }

                i++;
                // Adjacent string literals concatenate.
                if (_tokens.Count > 0 && _tokens[^1].Kind == "string")
                {
                    var previous = (byte[])_tokens[^1].Value!;
                    _tokens[^1] = ("string", s[_tokens[^1].Position..i], _tokens[^1].Position, previous.Concat(bytes).ToArray());
                }
                else
                {
                    _tokens.Add(("string", s[start..i], start, bytes.ToArray()));
                }

                continue;
            }

            string? punct = s_punctuators.FirstOrDefault(p => string.CompareOrdinal(s, i, p, 0, p.Length) == 0);
            if (punct is null)
            {
                throw new DebugEvalException($"Invalid character '{c}' in expression.");
            }

            _tokens.Add(("punct", punct, start, null));
            i += punct.Length;
        }
    }

    private static void ReadChar(string s, ref int i, List<byte> bytes)
    {
        char c = s[i++];
        if (c != '\\')
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            return;
        }

        if (i >= s.Length)
        {
            bytes.Add((byte)'\\');
            return;
        }

        char e = s[i++];
        switch (e)
        {
            case 'n': bytes.Add(10); return;
            case 't': bytes.Add(9); return;
            case 'r': bytes.Add(13); return;
            case 'a': bytes.Add(7); return;
            case 'b': bytes.Add(8); return;
            case 'f': bytes.Add(12); return;
            case 'v': bytes.Add(11); return;
            case 'e': bytes.Add(27); return;
            case 'x':
                {
                    int v = 0;
                    while (i < s.Length && Uri.IsHexDigit(s[i]))
                    {
                        v = (v * 16) + Convert.ToInt32(s[i++].ToString(), 16);
                    }

                    bytes.Add((byte)v);
                    return;
                }

            default:
                if (e >= '0' && e <= '7')
                {
                    int v = e - '0';
                    for (int k = 0; k < 2 && i < s.Length && s[i] >= '0' && s[i] <= '7'; k++)
                    {
                        v = (v * 8) + (s[i++] - '0');
                    }

                    bytes.Add((byte)v);
                    return;
                }

                bytes.Add((byte)e);
                return;
        }
    }

    private Expr ReadNumber(ref int i)
    {
        string s = _text;
        int start = i;
        bool isFloat = false;
        bool hex = s.Length > i + 1 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
        if (hex)
        {
            i += 2;
            while (i < s.Length && Uri.IsHexDigit(s[i]))
            {
                i++;
            }
        }
        else
        {
            while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.'))
            {
                isFloat |= s[i] == '.';
                i++;
            }

            if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
            {
                int save = i;
                i++;
                if (i < s.Length && (s[i] == '+' || s[i] == '-'))
                {
                    i++;
                }

                if (i < s.Length && char.IsDigit(s[i]))
                {
                    isFloat = true;
                    while (i < s.Length && char.IsDigit(s[i]))
                    {
                        i++;
                    }
                }
                else
                {
                    i = save;
                }
            }
        }

        string digits = s[start..i];
        int suffixStart = i;
        while (i < s.Length && char.IsLetterOrDigit(s[i]))
        {
            i++;
        }

        string suffix = s[suffixStart..i].ToLowerInvariant();
        if (isFloat)
        {
            if (!double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || suffix is not ("" or "f" or "l"))
            {
                throw new DebugEvalException($"Invalid number \"{s[start..i]}\".");
            }

            return new FloatLiteral(d, suffix == "f" ? DbgTypes.Float : suffix == "l" ? DbgTypes.LongDouble : DbgTypes.Double);
        }

        ulong value;
        try
        {
            if (hex)
            {
                value = digits.Length > 2 ? ulong.Parse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : throw new FormatException();
            }
            else if (digits.Length > 1 && digits[0] == '0')
            {
                value = 0;
                foreach (char ch in digits[1..])
                {
                    if (ch > '7')
                    {
                        throw new FormatException();
                    }

                    value = checked((value * 8) + (ulong)(ch - '0'));
                }
            }
            else
            {
                value = ulong.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new DebugEvalException($"Invalid number \"{s[start..i]}\".");
        }

        bool unsigned = suffix.Contains('u');
        int longs = suffix.Count(ch => ch == 'l');
        if (suffix.Any(ch => ch is not ('u' or 'l')))
        {
            throw new DebugEvalException($"Invalid number \"{s[start..i]}\".");
        }

        // C's rules for the type of an integer constant (decimal without suffix: int, long; others may be unsigned).
        bool decimalNoU = !hex && !(digits.Length > 1 && digits[0] == '0') && !unsigned;
        DbgType type;
        if (longs == 0 && !unsigned && value <= int.MaxValue)
        {
            type = DbgTypes.Int;
        }
        else if (longs == 0 && !decimalNoU && value <= uint.MaxValue)
        {
            type = DbgTypes.UnsignedInt;
        }
        else if (!unsigned && value <= long.MaxValue)
        {
            type = DbgTypes.Long;
        }
        else
        {
            type = DbgTypes.UnsignedLong;
        }

        return new IntLiteral(value, type);
    }

    // expression: assignment (',' assignment)*
    private Expr ParseComma()
    {
        Expr e = ParseAssignment();
        while (Accept(","))
        {
            e = new BinaryExpr(",", e, ParseAssignment());
        }

        return e;
    }

    // assignment: conditional (assign-op assignment)?
    private Expr ParseAssignment()
    {
        Expr left = ParseConditional();
        if (PeekKind() == "punct" && Peek() is "=" or "+=" or "-=" or "*=" or "/=" or "%=" or "&=" or "|=" or "^=" or "<<=" or ">>=")
        {
            string op = Peek();
            _index++;
            return new AssignExpr(op, left, ParseAssignment());
        }

        return left;
    }

    // conditional: logical-or ('?' expression ':' conditional)?
    private Expr ParseConditional()
    {
        Expr condition = ParseBinary(0);
        if (Accept("?"))
        {
            Expr then = ParseComma();
            Expect(":");
            return new ConditionalExpr(condition, then, ParseConditional());
        }

        return condition;
    }

    private static readonly string[][] s_levels =
    [
        ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", ">", "<=", ">="], ["<<", ">>"], ["@"], ["+", "-"], ["*", "/", "%"],
    ];

    // binary operators by precedence level (gdb puts '@' above shifts, below additive)
    private Expr ParseBinary(int level)
    {
        if (level == s_levels.Length)
        {
            return ParseUnary();
        }

        Expr left = ParseBinary(level + 1);
        while (PeekKind() == "punct" && s_levels[level].Contains(Peek()))
        {
            string op = Peek();
            _index++;
            left = new BinaryExpr(op, left, ParseBinary(level + 1));
        }

        return left;
    }

    // unary: postfix | ('-'|'+'|'!'|'~'|'*'|'&'|'++'|'--') unary | 'sizeof' unary | 'sizeof' '(' type ')' | '(' type ')' unary
    private Expr ParseUnary()
    {
        if (PeekKind() == "punct" && Peek() is "-" or "+" or "!" or "~" or "*" or "&" or "++" or "--")
        {
            string op = Peek();
            _index++;
            return new UnaryExpr(op, ParseUnary());
        }

        if (PeekKind() == "ident" && Peek() == "sizeof")
        {
            _index++;
            if (IsPunct("(") && IsTypeStart(1))
            {
                _index++;
                TypeSpec type = ParseTypeName();
                Expect(")");
                return new SizeofTypeExpr(type);
            }

            return new SizeofExpr(ParseUnary());
        }

        if (IsPunct("(") && IsTypeStart(1))
        {
            _index++;
            TypeSpec type = ParseTypeName();
            Expect(")");
            return new CastExpr(type, ParseUnary());
        }

        return ParsePostfix();
    }

    private bool IsTypeStart(int ahead)
    {
        if (PeekKind(ahead) != "ident")
        {
            return false;
        }

        string word = Peek(ahead);
        return s_typeWords.Contains(word) || (_isTypedefName(word) && !(PeekKind(ahead + 1) == "punct" && Peek(ahead + 1) is "." or "->" or "["));
    }

    // type-name: specifier+ '*'* ('[' N ']')*
    private TypeSpec ParseTypeName()
    {
        var words = new List<string>();
        while (PeekKind() == "ident")
        {
            string word = Peek();
            if (word is "const" or "volatile")
            {
                _index++;
                continue;
            }

            if (word is "struct" or "union" or "enum")
            {
                _index++;
                if (PeekKind() != "ident")
                {
                    throw SyntaxError();
                }

                words.Add(word + " " + Peek());
                _index++;
                break;
            }

            if (s_typeWords.Contains(word))
            {
                words.Add(word);
                _index++;
                continue;
            }

            if (words.Count == 0 && _isTypedefName(word))
            {
                words.Add(word);
                _index++;
            }

            break;
        }

        if (words.Count == 0)
        {
            throw SyntaxError();
        }

        int depth = 0;
        while (true)
        {
            if (Accept("*"))
            {
                depth++;
            }
            else if (PeekKind() == "ident" && Peek() is "const" or "volatile")
            {
                _index++;
            }
            else
            {
                break;
            }
        }

        var dims = new List<long>();
        while (Accept("["))
        {
            if (PeekKind() != "number" || _tokens[_index].Value is not IntLiteral n)
            {
                throw SyntaxError();
            }

            _index++;
            dims.Add((long)n.Value);
            Expect("]");
        }

        return new TypeSpec(string.Join(" ", words), depth, dims);
    }

    // postfix: primary ('[' expr ']' | '(' args ')' | '.' name | '->' name | '++' | '--')*
    private Expr ParsePostfix()
    {
        Expr e = ParsePrimary();
        while (true)
        {
            if (Accept("["))
            {
                Expr index = ParseComma();
                Expect("]");
                e = new IndexExpr(e, index);
            }
            else if (Accept("("))
            {
                var args = new List<Expr>();
                if (!Accept(")"))
                {
                    do
                    {
                        args.Add(ParseAssignment());
                    }
                    while (Accept(","));
                    Expect(")");
                }

                e = new CallExpr(e, args);
            }
            else if (IsPunct(".") || IsPunct("->"))
            {
                bool arrow = Peek() == "->";
                _index++;
                if (PeekKind() != "ident")
                {
                    throw SyntaxError();
                }

                e = new MemberExpr(e, Peek(), arrow);
                _index++;
            }
            else if (IsPunct("++") || IsPunct("--"))
            {
                e = new PostfixExpr(Peek(), e);
                _index++;
            }
            else
            {
                return e;
            }
        }
    }

    private Expr ParsePrimary()
    {
        if (AtEnd)
        {
            throw SyntaxError();
        }

        var (kind, text, _, value) = _tokens[_index];
        switch (kind)
        {
            case "number":
            case "char":
            case "history":
            case "dollar":
                _index++;
                return (Expr)value!;
            case "string":
                _index++;
                return new StringLiteral((byte[])value!);
            case "ident":
                if (text == "sizeof" || s_typeWords.Contains(text))
                {
                    throw SyntaxError();
                }

                _index++;
                return new Identifier(text);
            case "punct" when text == "(":
                {
                    _index++;
                    Expr inner = ParseComma();
                    Expect(")");
                    return inner;
                }

            default:
                throw SyntaxError();
        }
    }
}
