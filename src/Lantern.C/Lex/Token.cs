using Lantern.C.Diagnostics;

namespace Lantern.C.Lex;

public enum TokenKind : byte
{
    /// <summary>Identifier or keyword (the parser tells keywords apart by text).</summary>
    Identifier,

    /// <summary>Punctuator such as <c>+=</c> or <c>...</c>; <see cref="Token.Text"/> is its spelling.</summary>
    Punct,

    /// <summary>A preprocessing number (C11 6.4.8), e.g. <c>0x1fUL</c>, <c>1.5e-3f</c>; the parser converts it.</summary>
    Number,

    /// <summary>Character constant with its prefix and quotes, e.g. <c>'a'</c>, <c>L'\n'</c>.</summary>
    CharLiteral,

    /// <summary>String literal with its prefix and quotes, e.g. <c>"hi\n"</c>, <c>u8"x"</c>.</summary>
    StringLiteral,

    /// <summary>End of the translation unit (always the last token).</summary>
    EndOfFile,

    /// <summary>
    /// Lexer-internal: a character that starts no token (e.g. <c>@</c>) or a quote without its closing quote.
    /// The preprocessor reports it ("stray '@' in program", "missing terminating ' character") only when it
    /// reaches the program, so it is harmless in skipped groups and in <c>#</c> operands; it never reaches the parser.
    /// </summary>
    Invalid,
}

/// <summary>
/// A preprocessing token. After preprocessing, the list handed to the parser holds only tokens of the
/// program (no directives, no newlines), ending with <see cref="TokenKind.EndOfFile"/>. Adjacent string
/// literals are NOT concatenated by the preprocessor; the parser does that (C11 translation phase 6).
/// </summary>
public sealed class Token(TokenKind kind, string text, SourceLocation location)
{
    public TokenKind Kind { get; } = kind;

    /// <summary>The token's spelling exactly as in the source (interned for identifiers and punctuators).</summary>
    public string Text { get; } = text;

    /// <summary>Where the token was written; for a token produced by a macro expansion, the position of the macro use.</summary>
    public SourceLocation Location { get; set; } = location;

    /// <summary>Whitespace precedes this token (needed for stringification and -E output).</summary>
    public bool HasSpace { get; set; }

    /// <summary>This token is the first on its line.</summary>
    public bool AtStartOfLine { get; set; }

    /// <summary>Macro names that must not be expanded again in this token (the "hide set"); preprocessor-internal.</summary>
    public HashSet<string>? HideSet { get; set; }

    public bool Is(string text) => Text == text && Kind != TokenKind.StringLiteral && Kind != TokenKind.CharLiteral;

    public override string ToString() => $"{Kind} '{Text}' at {Location}";
}
