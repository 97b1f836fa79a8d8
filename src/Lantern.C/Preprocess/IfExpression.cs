using Lantern.C.Diagnostics;
using Lantern.C.Lex;

namespace Lantern.C.Preprocess;

/// <summary>
/// Evaluates the controlling expression of #if/#elif (C11 6.10.1) after macro expansion and <c>defined</c>
/// replacement: integer constant expressions in intmax_t/uintmax_t arithmetic, identifiers are 0.
/// </summary>
internal sealed class IfExpression
{
    private readonly List<Token> _tokens;
    private readonly DiagnosticBag _diagnostics;
    private readonly Token _directive;
    private int _pos;

    // > 0 while evaluating an operand whose value is not used (e.g. the right of 0 &&): no division errors.
    private int _unevaluated;

    private IfExpression(List<Token> tokens, Token directive, DiagnosticBag diagnostics)
    {
        _tokens = tokens;
        _directive = directive;
        _diagnostics = diagnostics;
    }

    private readonly record struct Value(long V, bool Unsigned)
    {
        public bool IsTrue => V != 0;
    }

    private sealed class ExprError : Exception
    {
    }

    /// <summary>Evaluates <paramref name="tokens"/>; reports the first error and yields false on error.</summary>
    public static bool Evaluate(List<Token> tokens, Token directive, DiagnosticBag diagnostics)
    {
        if (tokens.Count == 0)
        {
            diagnostics.Error(directive.Location, $"#{directive.Text} with no expression");
            return false;
        }

        var e = new IfExpression(tokens, directive, diagnostics);
        try
        {
            Value v = e.Comma();
            if (e._pos < tokens.Count)
            {
                Token t = tokens[e._pos];
                if (t.Is(")"))
                {
                    e.Fail(t, "missing '(' in expression");
                }

                if (t.Is(":"))
                {
                    e.Fail(t, "':' without preceding '?'");
                }

                if (!IsExpressionToken(t))
                {
                    e.Fail(t, $"token \"{t.Text}\" is not valid in preprocessor expressions");
                }

                e.Fail(t, $"missing binary operator before token \"{t.Text}\"");
            }

            return v.IsTrue;
        }
        catch (ExprError)
        {
            return false;
        }
    }

    /// <summary>Tokens that may appear in a #if expression (anything else is "not valid").</summary>
    private static bool IsExpressionToken(Token t) => t.Kind switch
    {
        TokenKind.Number or TokenKind.CharLiteral or TokenKind.Identifier => true,
        TokenKind.Punct => t.Text is "+" or "-" or "*" or "/" or "%" or "<<" or ">>" or "<" or ">" or "<=" or ">="
            or "==" or "!=" or "&" or "^" or "|" or "&&" or "||" or "!" or "~" or "?" or ":" or "(" or ")" or ",",
        _ => false,
    };

    private Token? Peek => _pos < _tokens.Count ? _tokens[_pos] : null;

    private bool PeekIs(string op)
    {
        Token? t = Peek;
        return t is not null && t.Kind == TokenKind.Punct && t.Text == op;
    }

    private Exception Fail(Token at, string message)
    {
        _diagnostics.Error(at.Location, message);
        throw new ExprError();
    }

    private SourceLocation EndLocation => _tokens.Count > 0 ? _tokens[^1].Location : _directive.Location;

    // expr := cond (',' cond)*
    private Value Comma()
    {
        Value v = Conditional();
        while (PeekIs(","))
        {
            _pos++;
            v = Conditional();
        }

        return v;
    }

    // cond := logor ('?' expr ':' cond)?
    private Value Conditional()
    {
        Value c = LogOr();
        if (!PeekIs("?"))
        {
            return c;
        }

        Token q = _tokens[_pos++];
        if (!c.IsTrue)
        {
            _unevaluated++;
        }

        Value a = Comma();
        if (!c.IsTrue)
        {
            _unevaluated--;
        }

        if (!PeekIs(":"))
        {
            throw Fail(q, "'?' without following ':'");
        }

        _pos++;
        if (c.IsTrue)
        {
            _unevaluated++;
        }

        Value b = Conditional();
        if (c.IsTrue)
        {
            _unevaluated--;
        }

        bool u = a.Unsigned || b.Unsigned;
        return new Value(c.IsTrue ? a.V : b.V, u);
    }

    // logor := logand ('||' logand)*
    private Value LogOr()
    {
        Value v = LogAnd();
        while (PeekIs("||"))
        {
            Token op = _tokens[_pos++];
            bool skip = v.IsTrue;
            if (skip)
            {
                _unevaluated++;
            }

            Value r = Operand(op, LogAnd);
            if (skip)
            {
                _unevaluated--;
            }

            v = new Value(v.IsTrue || r.IsTrue ? 1 : 0, false);
        }

        return v;
    }

    // logand := bitor ('&&' bitor)*
    private Value LogAnd()
    {
        Value v = BitOr();
        while (PeekIs("&&"))
        {
            Token op = _tokens[_pos++];
            bool skip = !v.IsTrue;
            if (skip)
            {
                _unevaluated++;
            }

            Value r = Operand(op, BitOr);
            if (skip)
            {
                _unevaluated--;
            }

            v = new Value(v.IsTrue && r.IsTrue ? 1 : 0, false);
        }

        return v;
    }

    // bitor := bitxor ('|' bitxor)*
    private Value BitOr()
    {
        Value v = BitXor();
        while (PeekIs("|"))
        {
            Token op = _tokens[_pos++];
            Value r = Operand(op, BitXor);
            v = new Value(v.V | r.V, v.Unsigned || r.Unsigned);
        }

        return v;
    }

    // bitxor := bitand ('^' bitand)*
    private Value BitXor()
    {
        Value v = BitAnd();
        while (PeekIs("^"))
        {
            Token op = _tokens[_pos++];
            Value r = Operand(op, BitAnd);
            v = new Value(v.V ^ r.V, v.Unsigned || r.Unsigned);
        }

        return v;
    }

    // bitand := equality ('&' equality)*
    private Value BitAnd()
    {
        Value v = Equality();
        while (PeekIs("&"))
        {
            Token op = _tokens[_pos++];
            Value r = Operand(op, Equality);
            v = new Value(v.V & r.V, v.Unsigned || r.Unsigned);
        }

        return v;
    }

    // equality := relational (('==' | '!=') relational)*
    private Value Equality()
    {
        Value v = Relational();
        while (PeekIs("==") || PeekIs("!="))
        {
            Token op = _tokens[_pos++];
            Value r = Operand(op, Relational);
            bool eq = v.V == r.V;
            v = new Value((op.Text == "==") == eq ? 1 : 0, false);
        }

        return v;
    }

    // relational := shift (('<' | '>' | '<=' | '>=') shift)*
    private Value Relational()
    {
        Value v = Shift();
        while (PeekIs("<") || PeekIs(">") || PeekIs("<=") || PeekIs(">="))
        {
            Token op = _tokens[_pos++];
            Value r = Operand(op, Shift);
            int cmp = v.Unsigned || r.Unsigned ? ((ulong)v.V).CompareTo((ulong)r.V) : v.V.CompareTo(r.V);
            bool result = op.Text switch
            {
                "<" => cmp < 0,
                ">" => cmp > 0,
                "<=" => cmp <= 0,
                _ => cmp >= 0,
            };
            v = new Value(result ? 1 : 0, false);
        }

        return v;
    }

    // shift := additive (('<<' | '>>') additive)*
    private Value Shift()
    {
        Value v = Additive();
        while (PeekIs("<<") || PeekIs(">>"))
        {
            Token op = _tokens[_pos++];
            Value r = Operand(op, Additive);
            long count = r.V;
            bool left = op.Text == "<<";
            if (!r.Unsigned && count < 0)
            {
                left = !left;
                count = count == long.MinValue ? long.MaxValue : -count;
            }

            long result;
            if (left)
            {
                result = (ulong)count >= 64 ? 0 : v.V << (int)count;
            }
            else if (v.Unsigned)
            {
                result = (ulong)count >= 64 ? 0 : (long)((ulong)v.V >> (int)count);
            }
            else
            {
                result = (ulong)count >= 64 ? (v.V < 0 ? -1 : 0) : v.V >> (int)count;
            }

            v = new Value(result, v.Unsigned);
        }

        return v;
    }

    // additive := multiplicative (('+' | '-') multiplicative)*
    private Value Additive()
    {
        Value v = Multiplicative();
        while (PeekIs("+") || PeekIs("-"))
        {
            Token op = _tokens[_pos++];
            Value r = Operand(op, Multiplicative);
            long result = op.Text == "+" ? unchecked(v.V + r.V) : unchecked(v.V - r.V);
            v = new Value(result, v.Unsigned || r.Unsigned);
        }

        return v;
    }

    // multiplicative := unary (('*' | '/' | '%') unary)*
    private Value Multiplicative()
    {
        Value v = Unary();
        while (PeekIs("*") || PeekIs("/") || PeekIs("%"))
        {
            Token op = _tokens[_pos++];
            Value r = Operand(op, Unary);
            bool u = v.Unsigned || r.Unsigned;
            long result;
            if (op.Text == "*")
            {
                result = unchecked(v.V * r.V);
            }
            else if (r.V == 0)
            {
                if (_unevaluated == 0)
                {
                    throw Fail(op, "division by zero in #if");
                }

                result = 0;
            }
            else if (u)
            {
                result = op.Text == "/" ? (long)((ulong)v.V / (ulong)r.V) : (long)((ulong)v.V % (ulong)r.V);
            }
            else if (r.V == -1)
            {
                result = op.Text == "/" ? unchecked(-v.V) : 0;
            }
            else
            {
                result = op.Text == "/" ? v.V / r.V : v.V % r.V;
            }

            v = new Value(result, u);
        }

        return v;
    }

    private Value Operand(Token op, Func<Value> parse)
    {
        if (Peek is null)
        {
            throw Fail(op, $"operator '{op.Text}' has no right operand");
        }

        return parse();
    }

    // unary := ('+' | '-' | '~' | '!') unary | primary
    private Value Unary()
    {
        Token? t = Peek;
        if (t is null)
        {
            _diagnostics.Error(EndLocation, "#if with no expression");
            throw new ExprError();
        }

        if (t.Kind == TokenKind.Punct)
        {
            switch (t.Text)
            {
                case "+":
                    _pos++;
                    return Operand(t, Unary);
                case "-":
                {
                    _pos++;
                    Value v = Operand(t, Unary);
                    return new Value(unchecked(-v.V), v.Unsigned);
                }

                case "~":
                {
                    _pos++;
                    Value v = Operand(t, Unary);
                    return new Value(~v.V, v.Unsigned);
                }

                case "!":
                {
                    _pos++;
                    Value v = Operand(t, Unary);
                    return new Value(v.IsTrue ? 0 : 1, false);
                }
            }
        }

        return Primary();
    }

    // primary := number | char-constant | identifier | '(' expr ')'
    private Value Primary()
    {
        Token t = _tokens[_pos];
        switch (t.Kind)
        {
            case TokenKind.Number:
                _pos++;
                return ParseNumber(t);
            case TokenKind.CharLiteral:
            {
                _pos++;
                CharConstant c = LiteralDecoder.DecodeChar(t, _diagnostics);
                bool u = c.Encoding is LiteralEncoding.Utf16 or LiteralEncoding.Utf32 or LiteralEncoding.Utf8;
                return new Value(c.Value, u);
            }

            case TokenKind.Identifier:
                _pos++;
                return new Value(0, false);
            case TokenKind.Punct when t.Text == "(":
            {
                _pos++;
                if (PeekIs(")"))
                {
                    throw Fail(_tokens[_pos], "missing expression between '(' and ')'");
                }

                if (Peek is null)
                {
                    throw Fail(t, "missing ')' in expression");
                }

                Value v = Comma();
                if (!PeekIs(")"))
                {
                    throw Fail(t, "missing ')' in expression");
                }

                _pos++;
                return v;
            }

            case TokenKind.Punct when t.Text is "==" or "!=" or "<" or ">" or "<=" or ">=" or "*" or "/" or "%" or "<<" or ">>"
                or "&" or "|" or "^" or "&&" or "||" or "?" or ":" or ",":
                throw Fail(t, $"operator '{t.Text}' has no left operand");
            default:
                throw Fail(t, $"token \"{t.Text}\" is not valid in preprocessor expressions");
        }
    }

    private Value ParseNumber(Token t)
    {
        string s = t.Text;
        int radix = LiteralDecoder.IntegerRadix(s, out int i);

        // Floating constants are not allowed.
        bool isFloat = s.Contains('.') || (radix == 16 ? s.IndexOfAny(['p', 'P']) >= 0 : radix != 2 && s.IndexOfAny(['e', 'E']) >= 0);
        if (isFloat)
        {
            throw Fail(t, "floating constant in preprocessor expression");
        }

        int digitsStart = i;
        ulong value = 0;
        bool overflow = false;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
            if (d >= radix)
            {
                if (radix == 8 && d < 10)
                {
                    throw Fail(t, $"invalid digit \"{c}\" in octal constant");
                }

                if (radix == 2 && d < 10)
                {
                    throw Fail(t, $"invalid digit \"{c}\" in binary constant");
                }

                break;
            }

            ulong next = unchecked((value * (ulong)radix) + (ulong)d);
            if (value > (ulong.MaxValue - (ulong)d) / (ulong)radix)
            {
                overflow = true;
            }

            value = next;
        }

        if (i == digitsStart && radix != 8)
        {
            throw Fail(t, $"invalid suffix \"{s.Substring(digitsStart)}\" on integer constant");
        }

        string suffix = s.Substring(i).ToLowerInvariant();
        bool unsignedSuffix = suffix switch
        {
            "" or "l" or "ll" => false,
            "u" or "ul" or "lu" or "ull" or "llu" => true,
            _ => throw Fail(t, $"invalid suffix \"{s.Substring(i)}\" on integer constant"),
        };

        if (overflow)
        {
            _diagnostics.Error(t.Location, "integer constant is too large for its type");
            throw new ExprError();
        }

        bool isUnsigned = unsignedSuffix || value > long.MaxValue;
        if (!unsignedSuffix && value > long.MaxValue && radix == 10)
        {
            _diagnostics.Warning(t.Location, "integer constant is so large that it is unsigned");
        }

        return new Value((long)value, isUnsigned);
    }
}
