using System.Text;
using Lantern.C.Lex;

namespace Lantern.C.Preprocess;

/// <summary>Prints preprocessed tokens back as C text (for <c>-E</c>).</summary>
public static class TokenPrinter
{
    /// <summary>
    /// Spells <paramref name="tokens"/>: a newline before each token that starts a line, a space where the token had
    /// whitespace before it (and wherever two adjacent tokens would otherwise lex as one). Ends with a newline.
    /// </summary>
    public static string Print(List<Token> tokens)
    {
        var sb = new StringBuilder(tokens.Count * 4);
        Token? prev = null;
        foreach (Token t in tokens)
        {
            if (t.Kind == TokenKind.EndOfFile)
            {
                break;
            }

            if (prev is not null)
            {
                if (t.AtStartOfLine)
                {
                    sb.Append('\n');
                }
                else if (t.HasSpace || WouldMerge(prev, t))
                {
                    sb.Append(' ');
                }
            }

            sb.Append(t.Text);
            prev = t;
        }

        if (prev is not null)
        {
            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>True when writing <paramref name="b"/> right after <paramref name="a"/> would lex differently.</summary>
    private static bool WouldMerge(Token a, Token b)
    {
        if (a.Text.Length == 0 || b.Text.Length == 0)
        {
            return false;
        }

        char last = a.Text[^1];
        char first = b.Text[0];
        bool identLast = char.IsAsciiLetterOrDigit(last) || last == '_' || last == '$' || last > 127;
        bool identFirst = char.IsAsciiLetterOrDigit(first) || first == '_' || first == '$' || first > 127;
        if (a.Kind is TokenKind.Identifier or TokenKind.Number && (identFirst || first == '.' || (b.Kind == TokenKind.Punct && a.Kind == TokenKind.Number && (first == '+' || first == '-'))))
        {
            return true;
        }

        if (a.Kind == TokenKind.Identifier && b.Kind is TokenKind.StringLiteral or TokenKind.CharLiteral)
        {
            return a.Text is "L" or "u" or "U" or "u8";
        }

        if (a.Kind == TokenKind.Punct && b.Kind == TokenKind.Punct)
        {
            // The first punctuator of the concatenation is longer than a: they would merge (e.g. + +, < <=, / *).
            List<Token> toks = Lexer.TokenizeFragment(a.Text + b.Text, default, new StringPool());
            return toks.Count != 2 || toks[0].Text != a.Text;
        }

        if (a.Kind == TokenKind.Punct && a.Text == "." && b.Kind == TokenKind.Number)
        {
            return true;
        }

        return identLast && identFirst;
    }
}
