using System.Runtime.CompilerServices;
using System.Text;
using Lantern.C.Diagnostics;

namespace Lantern.C.Lex;

/// <summary>
/// Splits a source file into preprocessing tokens (C11 translation phases 1-3): line splicing
/// (backslash-newline), comments, identifiers, pp-numbers, character constants and string literals with
/// their prefixes (L, u, U, u8) and punctuators (digraphs are returned with their canonical spelling).
/// Every token records its line and column, whether whitespace precedes it and whether it starts a line.
/// </summary>
/// <remarks>
/// Errors: an unterminated comment is reported at once. A stray character or a quote without its closing quote
/// becomes a <see cref="TokenKind.Invalid"/> token: <see cref="Tokenize"/> reports and drops those; the
/// preprocessor reports them only when they reach the program (see <see cref="InvalidTokenMessage"/>).
/// </remarks>
public sealed class Lexer
{
    private static readonly bool[] s_identChar = BuildIdentTable(includeDigits: true);
    private static readonly bool[] s_identStart = BuildIdentTable(includeDigits: false);

    private readonly SourceFile _file;
    private readonly DiagnosticBag _diagnostics;
    private readonly StringPool _pool;
    private readonly string _src;

    // Line splicing: when the file contains backslash-newlines they are removed up front; these map an offset
    // in the spliced text back to the physical line and column. Null when the file has no splice (the fast path).
    private readonly int[]? _splicePos;
    private readonly int[]? _spliceRemoved;
    private int[]? _origLineStarts;

    /// <summary>Creates a lexer for <paramref name="file"/>; <paramref name="pool"/> interns spellings (a new pool if null).</summary>
    public Lexer(SourceFile file, DiagnosticBag diagnostics, StringPool? pool = null)
        : this(file, file.Text, diagnostics, pool)
    {
    }

    private Lexer(SourceFile file, string text, DiagnosticBag diagnostics, StringPool? pool)
    {
        _file = file;
        _diagnostics = diagnostics;
        _pool = pool ?? new StringPool();
        _src = RemoveSplices(text, out _splicePos, out _spliceRemoved);
    }

    /// <summary>
    /// Tokenizes <paramref name="file"/> (no preprocessing). Lexical errors are reported to <paramref name="diagnostics"/>
    /// and the offending characters skipped. The list ends with <see cref="TokenKind.EndOfFile"/>.
    /// </summary>
    public static List<Token> Tokenize(SourceFile file, DiagnosticBag diagnostics)
    {
        List<Token> tokens = new Lexer(file, diagnostics).TokenizeAll();
        if (tokens.Exists(t => t.Kind == TokenKind.Invalid))
        {
            var kept = new List<Token>(tokens.Count);
            foreach (Token t in tokens)
            {
                if (t.Kind == TokenKind.Invalid)
                {
                    diagnostics.Error(t.Location, InvalidTokenMessage(t));
                }
                else
                {
                    kept.Add(t);
                }
            }

            return kept;
        }

        return tokens;
    }

    /// <summary>The error message for a <see cref="TokenKind.Invalid"/> token.</summary>
    public static string InvalidTokenMessage(Token token)
    {
        string text = token.Text;
        int i = 0;
        while (i < text.Length && (text[i] == 'L' || text[i] == 'u' || text[i] == 'U' || text[i] == '8'))
        {
            i++;
        }

        if (i < text.Length && (text[i] == '\'' || text[i] == '"'))
        {
            return $"missing terminating {text[i]} character";
        }

        if (text == "\\")
        {
            return "stray '\\' in program";
        }

        if (text.Length > 0 && text[0] < ' ')
        {
            return $"stray '\\{Convert.ToString(text[0], 8)}' in program";
        }

        return $"stray '{text}' in program";
    }

    /// <summary>
    /// Lexes <paramref name="text"/> as if it were written at <paramref name="location"/> (used for <c>##</c> pasting);
    /// all tokens get that location. Returns the tokens without the end-of-file token.
    /// </summary>
    public static List<Token> TokenizeFragment(string text, SourceLocation location, StringPool pool)
    {
        var scratch = new DiagnosticBag();
        var lexer = new Lexer(location.File ?? new SourceFile("<paste>", text, -1), text, scratch, pool);
        List<Token> tokens = lexer.TokenizeAll();
        tokens.RemoveAt(tokens.Count - 1);
        foreach (Token t in tokens)
        {
            t.Location = location;
        }

        if (scratch.HasErrors)
        {
            // An unterminated comment cannot form a single token: signal it with an invalid token.
            tokens.Add(new Token(TokenKind.Invalid, text, location));
        }

        return tokens;
    }

    /// <summary>Tokenizes the whole file, keeping <see cref="TokenKind.Invalid"/> tokens; ends with EndOfFile.</summary>
    public List<Token> TokenizeAll()
    {
        string src = _src;
        int n = src.Length;
        var tokens = new List<Token>(n / 4 + 16);
        int p = n > 0 && src[0] == '\uFEFF' ? 1 : 0; // byte order mark
        int line = 1;
        int lineStart = p;
        bool bol = true;
        bool space = false;

        while (p < n)
        {
            char c = src[p];

            // Whitespace and comments.
            if (c == '\n')
            {
                p++;
                line++;
                lineStart = p;
                bol = true;
                space = false;
                continue;
            }

            if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
            {
                p++;
                space = true;
                continue;
            }

            if (c == '/' && p + 1 < n)
            {
                char c1 = src[p + 1];
                if (c1 == '/')
                {
                    p += 2;
                    while (p < n && src[p] != '\n')
                    {
                        p++;
                    }

                    space = true;
                    continue;
                }

                if (c1 == '*')
                {
                    int commentStart = p;
                    int commentLine = line;
                    int commentLineStart = lineStart;
                    p += 2;
                    bool closed = false;
                    while (p < n)
                    {
                        char d = src[p];
                        if (d == '*' && p + 1 < n && src[p + 1] == '/')
                        {
                            p += 2;
                            closed = true;
                            break;
                        }

                        if (d == '\n')
                        {
                            line++;
                            lineStart = p + 1;
                        }

                        p++;
                    }

                    if (!closed)
                    {
                        _diagnostics.Error(MakeLocation(commentStart, commentLine, commentLineStart), "unterminated comment");
                    }

                    space = true;
                    continue;
                }
            }

            int start = p;
            TokenKind kind;
            string text;

            if (c < 128 ? s_identStart[c] : c > 127)
            {
                // String or character literal with an encoding prefix?
                int prefix = 0;
                if (c == 'L' || c == 'U' || c == 'u')
                {
                    if (p + 1 < n && (src[p + 1] == '"' || src[p + 1] == '\''))
                    {
                        prefix = 1;
                    }
                    else if (c == 'u' && p + 2 < n && src[p + 1] == '8' && (src[p + 2] == '"' || src[p + 2] == '\''))
                    {
                        prefix = 2;
                    }
                }

                if (prefix > 0)
                {
                    p = ScanQuoted(start + prefix, out bool ok);
                    kind = ok ? (src[start + prefix] == '"' ? TokenKind.StringLiteral : TokenKind.CharLiteral) : TokenKind.Invalid;
                    text = src.Substring(start, p - start);
                }
                else
                {
                    p++;
                    while (p < n)
                    {
                        char d = src[p];
                        if (d < 128 ? s_identChar[d] : true)
                        {
                            p++;
                        }
                        else
                        {
                            break;
                        }
                    }

                    kind = TokenKind.Identifier;
                    text = _pool.Intern(src.AsSpan(start, p - start));
                }
            }
            else if ((c >= '0' && c <= '9') || (c == '.' && p + 1 < n && src[p + 1] >= '0' && src[p + 1] <= '9'))
            {
                p++;
                while (p < n)
                {
                    char d = src[p];
                    if ((d == 'e' || d == 'E' || d == 'p' || d == 'P') && p + 1 < n && (src[p + 1] == '+' || src[p + 1] == '-'))
                    {
                        p += 2;
                    }
                    else if (d == '.' || (d < 128 ? s_identChar[d] : true))
                    {
                        p++;
                    }
                    else
                    {
                        break;
                    }
                }

                kind = TokenKind.Number;
                text = _pool.Intern(src.AsSpan(start, p - start));
            }
            else if (c == '"' || c == '\'')
            {
                p = ScanQuoted(start, out bool ok);
                kind = ok ? (c == '"' ? TokenKind.StringLiteral : TokenKind.CharLiteral) : TokenKind.Invalid;
                text = src.Substring(start, p - start);
            }
            else
            {
                int len = ScanPunct(src, p, out string? punct);
                if (punct is null)
                {
                    kind = TokenKind.Invalid;
                    text = src.Substring(p, 1);
                    p++;
                }
                else
                {
                    kind = TokenKind.Punct;
                    text = punct;
                    p += len;
                }
            }

            var tok = new Token(kind, text, MakeLocation(start, line, lineStart))
            {
                HasSpace = space,
                AtStartOfLine = bol,
            };
            tokens.Add(tok);
            bol = false;
            space = false;
        }

        var eof = new Token(TokenKind.EndOfFile, "", MakeLocation(n, line, lineStart))
        {
            AtStartOfLine = true,
        };
        tokens.Add(eof);
        return tokens;
    }

    /// <summary>
    /// Scans a quoted literal whose opening quote is at <paramref name="q"/>. Returns the end offset; when the
    /// closing quote is missing, the literal extends to the end of the line and <paramref name="ok"/> is false.
    /// </summary>
    private int ScanQuoted(int q, out bool ok)
    {
        string src = _src;
        int n = src.Length;
        char quote = src[q];
        q++;
        while (q < n)
        {
            char ch = src[q];
            if (ch == quote)
            {
                ok = true;
                return q + 1;
            }

            if (ch == '\n')
            {
                break;
            }

            if (ch == '\\' && q + 1 < n && src[q + 1] != '\n')
            {
                q += 2;
                continue;
            }

            q++;
        }

        ok = false;
        // Do not swallow a trailing carriage return.
        while (q > 0 && q <= n && src[q - 1] == '\r')
        {
            q--;
        }

        return q;
    }

    /// <summary>Recognizes the punctuator at <paramref name="p"/>; returns its length and interned canonical spelling.</summary>
    private static int ScanPunct(string s, int p, out string? punct)
    {
        char c = s[p];
        char c1 = p + 1 < s.Length ? s[p + 1] : '\0';
        char c2 = p + 2 < s.Length ? s[p + 2] : '\0';
        switch (c)
        {
            case '[': punct = "["; return 1;
            case ']': punct = "]"; return 1;
            case '(': punct = "("; return 1;
            case ')': punct = ")"; return 1;
            case '{': punct = "{"; return 1;
            case '}': punct = "}"; return 1;
            case ';': punct = ";"; return 1;
            case ',': punct = ","; return 1;
            case '~': punct = "~"; return 1;
            case '?': punct = "?"; return 1;
            case '.':
                if (c1 == '.' && c2 == '.')
                {
                    punct = "...";
                    return 3;
                }

                punct = ".";
                return 1;
            case '-':
                if (c1 == '>') { punct = "->"; return 2; }
                if (c1 == '-') { punct = "--"; return 2; }
                if (c1 == '=') { punct = "-="; return 2; }
                punct = "-";
                return 1;
            case '+':
                if (c1 == '+') { punct = "++"; return 2; }
                if (c1 == '=') { punct = "+="; return 2; }
                punct = "+";
                return 1;
            case '&':
                if (c1 == '&') { punct = "&&"; return 2; }
                if (c1 == '=') { punct = "&="; return 2; }
                punct = "&";
                return 1;
            case '|':
                if (c1 == '|') { punct = "||"; return 2; }
                if (c1 == '=') { punct = "|="; return 2; }
                punct = "|";
                return 1;
            case '*':
                if (c1 == '=') { punct = "*="; return 2; }
                punct = "*";
                return 1;
            case '/':
                if (c1 == '=') { punct = "/="; return 2; }
                punct = "/";
                return 1;
            case '^':
                if (c1 == '=') { punct = "^="; return 2; }
                punct = "^";
                return 1;
            case '!':
                if (c1 == '=') { punct = "!="; return 2; }
                punct = "!";
                return 1;
            case '=':
                if (c1 == '=') { punct = "=="; return 2; }
                punct = "=";
                return 1;
            case ':':
                if (c1 == '>') { punct = "]"; return 2; }
                punct = ":";
                return 1;
            case '#':
                if (c1 == '#') { punct = "##"; return 2; }
                punct = "#";
                return 1;
            case '<':
                if (c1 == '<')
                {
                    if (c2 == '=') { punct = "<<="; return 3; }
                    punct = "<<";
                    return 2;
                }

                if (c1 == '=') { punct = "<="; return 2; }
                if (c1 == ':') { punct = "["; return 2; }
                if (c1 == '%') { punct = "{"; return 2; }
                punct = "<";
                return 1;
            case '>':
                if (c1 == '>')
                {
                    if (c2 == '=') { punct = ">>="; return 3; }
                    punct = ">>";
                    return 2;
                }

                if (c1 == '=') { punct = ">="; return 2; }
                punct = ">";
                return 1;
            case '%':
                if (c1 == '=') { punct = "%="; return 2; }
                if (c1 == '>') { punct = "}"; return 2; }
                if (c1 == ':')
                {
                    if (c2 == '%' && p + 3 < s.Length && s[p + 3] == ':') { punct = "##"; return 4; }
                    punct = "#";
                    return 2;
                }

                punct = "%";
                return 1;
            default:
                punct = null;
                return 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SourceLocation MakeLocation(int offset, int line, int lineStart)
    {
        if (_splicePos is null)
        {
            return new SourceLocation(_file, line, offset - lineStart + 1);
        }

        return SplicedLocation(offset);
    }

    /// <summary>Maps an offset of the spliced text to the physical line and column (slow path, files with splices).</summary>
    private SourceLocation SplicedLocation(int offset)
    {
        // Offsets at or after a splice point move by the characters removed so far.
        int lo = 0;
        int hi = _splicePos!.Length - 1;
        int removed = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (_splicePos[mid] <= offset)
            {
                removed = _spliceRemoved![mid];
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        int orig = offset + removed;
        if (_origLineStarts is null)
        {
            var starts = new List<int> { 0 };
            string text = _file.Text;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == '\n')
                {
                    starts.Add(i + 1);
                }
            }

            _origLineStarts = starts.ToArray();
        }

        int idx = Array.BinarySearch(_origLineStarts, orig);
        if (idx < 0)
        {
            idx = ~idx - 1;
        }

        return new SourceLocation(_file, idx + 1, orig - _origLineStarts[idx] + 1);
    }

    /// <summary>Removes backslash-newline pairs (translation phase 2), recording where each removal happened.</summary>
    private static string RemoveSplices(string text, out int[]? splicePos, out int[]? spliceRemoved)
    {
        int first = text.IndexOf('\\');
        splicePos = null;
        spliceRemoved = null;
        if (first < 0)
        {
            return text;
        }

        StringBuilder? sb = null;
        List<int>? pos = null;
        List<int>? removedList = null;
        int removed = 0;
        int copied = 0;
        for (int i = first; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                continue;
            }

            // As gcc, a backslash followed by blanks and then the newline is a splice too.
            int j = i + 1;
            while (j < text.Length && (text[j] == ' ' || text[j] == '\t' || text[j] == '\f' || text[j] == '\v'))
            {
                j++;
            }

            int len = 0;
            if (j < text.Length && text[j] == '\n')
            {
                len = j + 1 - i;
            }
            else if (j + 1 < text.Length && text[j] == '\r' && text[j + 1] == '\n')
            {
                len = j + 2 - i;
            }

            if (len == 0)
            {
                continue;
            }

            sb ??= new StringBuilder(text.Length);
            pos ??= new List<int>();
            removedList ??= new List<int>();
            sb.Append(text, copied, i - copied);
            copied = i + len;
            removed += len;
            pos.Add(sb.Length);
            removedList.Add(removed);
            i += len - 1;
        }

        if (sb is null)
        {
            return text;
        }

        sb.Append(text, copied, text.Length - copied);
        splicePos = pos!.ToArray();
        spliceRemoved = removedList!.ToArray();
        return sb.ToString();
    }

    private static bool[] BuildIdentTable(bool includeDigits)
    {
        var table = new bool[128];
        for (int c = 0; c < 128; c++)
        {
            table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || (includeDigits && c >= '0' && c <= '9');
        }

        return table;
    }
}
