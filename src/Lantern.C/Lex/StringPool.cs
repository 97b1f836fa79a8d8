namespace Lantern.C.Lex;

/// <summary>
/// Interns identifier and number spellings so that equal spellings share one string and lexing does not
/// allocate a new string for every occurrence of a name. Not thread-safe: use one pool per compilation.
/// </summary>
public sealed class StringPool
{
    private readonly Dictionary<string, string> _strings = new(512, StringComparer.Ordinal); // grows by doubling; a presized 4096 cost hello.c 133 KB of fresh heap
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    // Keywords and common names are seeded with string literals, which the runtime interns: a parser comparing
    // token.Text == "int" then succeeds on the reference check without comparing characters.
    private static readonly string[] s_seed =
    {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
        "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
        "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
        "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
        "_Static_assert", "_Thread_local", "__func__", "__attribute__", "__asm__", "asm", "__inline", "__inline__",
        "__restrict", "__restrict__", "__const", "__volatile__", "__signed__", "__extension__", "__typeof__", "typeof",
        "__alignof__", "__builtin_va_list", "__builtin_va_start", "__builtin_va_arg", "__builtin_va_end",
        "__builtin_va_copy", "__builtin_offsetof", "define", "defined", "include", "ifdef", "ifndef", "endif",
        "elif", "undef", "pragma", "line", "error", "warning", "__VA_ARGS__", "__VA_OPT__", "main",
    };

    public StringPool()
    {
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (string s in s_seed)
        {
            _strings[s] = s;
        }
    }

    /// <summary>Returns the pooled string equal to <paramref name="span"/>, adding it on first use.</summary>
    public string Intern(ReadOnlySpan<char> span)
    {
        if (_lookup.TryGetValue(span, out string? s))
        {
            return s;
        }

        s = span.ToString();
        _strings.Add(s, s);
        return s;
    }

    /// <summary>Returns the pooled string equal to <paramref name="s"/>.</summary>
    public string Intern(string s)
    {
        if (_strings.TryGetValue(s, out string? pooled))
        {
            return pooled;
        }

        _strings.Add(s, s);
        return s;
    }
}
