using System.Globalization;
using System.Text;
using Lantern.C.Diagnostics;
using Lantern.C.Lex;

namespace Lantern.C.Preprocess;

/// <summary>Options of the preprocessor (from -I, -D, -U).</summary>
public sealed class PreprocessorOptions
{
    /// <summary>Directories searched for #include "..." (after the including file's directory) and &lt;...&gt;.</summary>
    public List<string> IncludePaths { get; } = new();

    /// <summary>-D NAME or -D NAME=VALUE, in command-line order (value null means "1").</summary>
    public List<(string Name, string? Value)> Defines { get; } = new();

    /// <summary>-U NAME, applied after the defines.</summary>
    public List<string> Undefines { get; } = new();

    /// <summary>Directory of Lantern's own C library headers (searched after IncludePaths for &lt;...&gt;).</summary>
    public string? SystemIncludeDirectory { get; set; }
}

/// <summary>
/// The C preprocessor (C11 6.10, translation phase 4) with the usual gcc extensions: #include_next,
/// #warning, #pragma once, __COUNTER__, __has_include, <c>, ## __VA_ARGS__</c>, __VA_OPT__, named variadic
/// parameters. Macro expansion follows the standard's rescanning rules with hide sets (Prosser's algorithm, as
/// in chibicc). Tokens produced by a macro get the location of the macro use (argument tokens keep their own).
/// Errors are positioned diagnostics; a missing #include file is fatal (<see cref="CompilationAbortedException"/>).
/// </summary>
public sealed class Preprocessor
{
    private const int MaxIncludeDepth = 200;

    private static readonly Token s_placemarker = new(TokenKind.Invalid, "", SourceLocation.None);

    // The variable arguments of a variadic macro call that has none at all (not even an empty one): f(a) for f(x, ...).
    private static readonly List<Token> s_omittedArgument = new();

    private readonly StringPool _pool = new();
    private readonly Dictionary<string, Macro> _macros = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Stack<Macro?>> _pushedMacros = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CachedFile> _fileCache = new(StringComparer.Ordinal);
    private readonly HashSet<string> _onceFiles = new(StringComparer.Ordinal);
    private readonly List<Frame> _frames = new();

    // Tokens to read before the current file's next token, top of the stack at the end (macro expansions).
    private readonly List<Token> _pending = new();

    private readonly Dictionary<string, HashSet<string>> _singletonHideSets = new(StringComparer.Ordinal);
    private readonly Dictionary<(HashSet<string>, HashSet<string>), HashSet<string>> _hideSetUnions = new();

    // __DATE__ and __TIME__: SOURCE_DATE_EPOCH (reproducible builds, as gcc) or the local time, taken at the first use
    // (the local time zone is read from /etc/localtime and parsed: start-up time of every program that does not ask).
    private DateTime? _now;
    private string _baseFile = "";
    private int _counter;
    private bool _inIfExpression;
    private int _directiveCount;

    public Preprocessor(PreprocessorOptions options, DiagnosticBag diagnostics)
    {
        Options = options;
        Diagnostics = diagnostics;
    }

    public PreprocessorOptions Options { get; }

    public DiagnosticBag Diagnostics { get; }

    /// <summary>All files read so far (index = SourceFile.Id).</summary>
    public List<SourceFile> Files { get; } = new();

    /// <summary>Preprocesses a file; returns the program's tokens ending with EndOfFile.</summary>
    public List<Token> PreprocessFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Diagnostics.Error(SourceLocation.None, $"{path}: No such file or directory");
            throw new CompilationAbortedException();
        }

        return Run(path, text, SafeFullPath(path));
    }

    /// <summary>Preprocesses source text given as a string (REPL, tests).</summary>
    public List<Token> PreprocessText(string name, string text) => Run(name, text, null);

    /// <summary>The predefined object-like macros as "NAME VALUE" (besides __FILE__, __LINE__, __DATE__, ...).</summary>
    public static IReadOnlyList<string> PredefinedMacros => s_predefined;

    /// <summary>
    /// Forgets the lexed tokens of every file read (the include cache, the main file's frame) once the output is
    /// taken: they are most of what preprocessing allocates, and the caller keeps this preprocessor for its file
    /// table. A file included after this is lexed again.
    /// </summary>
    public void ReleaseTokens()
    {
        _fileCache.Clear();
        _frames.Clear();
    }

    /// <summary>True when a macro of this name is defined (after preprocessing: at the end of the translation unit).</summary>
    public bool IsDefined(string name) => _macros.ContainsKey(name);

    private List<Token> Run(string path, string text, string? fullPath)
    {
        _baseFile = path;
        DefineBuiltins();

        var mainFile = new SourceFile(path, text, Files.Count);
        Files.Add(mainFile);
        List<Token> tokens = new Lexer(mainFile, Diagnostics, _pool).TokenizeAll();
        if (fullPath is not null)
        {
            _fileCache[fullPath] = new CachedFile(mainFile, tokens, DetectIncludeGuard(tokens));
        }

        PushFrame(new Frame(mainFile, tokens, DirectoryOf(path), fullPath, -1));

        var output = new List<Token>(tokens.Count);
        while (true)
        {
            Token t = Next();
            if (t.Kind == TokenKind.EndOfFile)
            {
                output.Add(t);
                break;
            }

            if (t.Kind == TokenKind.Identifier && TryExpand(t))
            {
                continue;
            }

            if (t.Kind == TokenKind.Invalid)
            {
                Diagnostics.Error(t.Location, Lexer.InvalidTokenMessage(t));
                continue;
            }

            output.Add(t);
        }

        return output;
    }

    // ---------------------------------------------------------------------------------------------
    // Predefined macros and the command line

    private void DefineBuiltins()
    {
        var sb = new StringBuilder();
        foreach (string line in s_predefined)
        {
            sb.Append("#define ").Append(line).Append('\n');
        }

        RunDirectivesOnly(new SourceFile("<built-in>", sb.ToString(), -1));

        AddBuiltin("__FILE__", t => MakeString(t.Location.DisplayPath, t));
        AddBuiltin("__BASE_FILE__", t => MakeString(_baseFile, t));
        AddBuiltin("__LINE__", t => MakeNumber(t.Location.DisplayLine.ToString(CultureInfo.InvariantCulture), t));
        AddBuiltin("__COUNTER__", t => MakeNumber((_counter++).ToString(CultureInfo.InvariantCulture), t));
        AddBuiltin("__INCLUDE_LEVEL__", t => MakeNumber(Math.Max(0, _frames.Count - 1).ToString(CultureInfo.InvariantCulture), t));
        AddBuiltin("__DATE__", t =>
        {
            DateTime now = Now();
            return MakeString(
                now.ToString("MMM", CultureInfo.InvariantCulture) + " " + now.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + " "
                + now.Year.ToString(CultureInfo.InvariantCulture),
                t);
        });
        AddBuiltin("__TIME__", t => MakeString(Now().ToString("HH:mm:ss", CultureInfo.InvariantCulture), t));

        if (Options.Defines.Count > 0 || Options.Undefines.Count > 0)
        {
            var cmd = new StringBuilder();
            foreach ((string name, string? value) in Options.Defines)
            {
                cmd.Append("#define ").Append(name).Append(' ').Append(value ?? "1").Append('\n');
            }

            foreach (string name in Options.Undefines)
            {
                cmd.Append("#undef ").Append(name).Append('\n');
            }

            RunDirectivesOnly(new SourceFile("<command-line>", cmd.ToString(), -1));
        }
    }

    private DateTime Now() => _now ??= long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), NumberStyles.None, CultureInfo.InvariantCulture, out long epoch)
        ? DateTimeOffset.FromUnixTimeSeconds(Math.Min(epoch, 253402300799)).UtcDateTime
        : DateTime.Now;

    private void AddBuiltin(string name, Func<Token, Token> producer)
    {
        _macros[name] = new Macro(name, SourceLocation.None) { Builtin = producer };
    }

    /// <summary>Runs a file made of directives (predefined macros, -D/-U); other tokens are ignored.</summary>
    private void RunDirectivesOnly(SourceFile file)
    {
        List<Token> tokens = new Lexer(file, Diagnostics, _pool).TokenizeAll();
        PushFrame(new Frame(file, tokens, "", null, -1));
        int depth = _frames.Count;
        while (_frames.Count >= depth)
        {
            Token t = Next();
            if (t.Kind == TokenKind.EndOfFile)
            {
                break;
            }
        }

        _frames.Clear();
        _pending.Clear();
    }

    private Token MakeString(string value, Token at)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (char c in value)
        {
            if (c == '"' || c == '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        sb.Append('"');
        return new Token(TokenKind.StringLiteral, sb.ToString(), at.Location);
    }

    private Token MakeNumber(string value, Token at) => new(TokenKind.Number, _pool.Intern(value), at.Location);

    private static readonly string[] s_predefined =
    {
        "__STDC__ 1",
        "__STDC_VERSION__ 201112L",
        "__STDC_HOSTED__ 1",
        "__STDC_UTF_16__ 1",
        "__STDC_UTF_32__ 1",
        "__STDC_IEC_559__ 1",
        "__STDC_ISO_10646__ 201706L",
        "__STDC_NO_ATOMICS__ 1",
        "__STDC_NO_COMPLEX__ 1",
        "__STDC_NO_THREADS__ 1",
        "__LANTERN__ 1",
        "__x86_64__ 1",
        "__x86_64 1",
        "__amd64__ 1",
        "__amd64 1",
        "__linux__ 1",
        "__linux 1",
        "__gnu_linux__ 1",
        "__unix__ 1",
        "__unix 1",
        "__ELF__ 1",
        "__LP64__ 1",
        "_LP64 1",
        "__NO_INLINE__ 1",
        "__CHAR_BIT__ 8",
        "__SIZEOF_SHORT__ 2",
        "__SIZEOF_INT__ 4",
        "__SIZEOF_LONG__ 8",
        "__SIZEOF_LONG_LONG__ 8",
        "__SIZEOF_POINTER__ 8",
        "__SIZEOF_FLOAT__ 4",
        "__SIZEOF_DOUBLE__ 8",
        "__SIZEOF_LONG_DOUBLE__ 16",
        "__SIZEOF_SIZE_T__ 8",
        "__SIZEOF_WCHAR_T__ 4",
        "__SIZEOF_WINT_T__ 4",
        "__SIZEOF_PTRDIFF_T__ 8",
        "__BIGGEST_ALIGNMENT__ 16",
        "__SCHAR_MAX__ 0x7f",
        "__SHRT_MAX__ 0x7fff",
        "__INT_MAX__ 0x7fffffff",
        "__LONG_MAX__ 0x7fffffffffffffffL",
        "__LONG_LONG_MAX__ 0x7fffffffffffffffLL",
        "__WCHAR_MAX__ 0x7fffffff",
        "__WCHAR_MIN__ (-__WCHAR_MAX__ - 1)",
        "__WINT_MAX__ 0xffffffffU",
        "__WINT_MIN__ 0U",
        "__PTRDIFF_MAX__ 0x7fffffffffffffffL",
        "__SIZE_MAX__ 0xffffffffffffffffUL",
        "__INTMAX_MAX__ 0x7fffffffffffffffL",
        "__UINTMAX_MAX__ 0xffffffffffffffffUL",
        "__INTPTR_MAX__ 0x7fffffffffffffffL",
        "__UINTPTR_MAX__ 0xffffffffffffffffUL",
        "__INT8_MAX__ 0x7f",
        "__INT16_MAX__ 0x7fff",
        "__INT32_MAX__ 0x7fffffff",
        "__INT64_MAX__ 0x7fffffffffffffffL",
        "__UINT8_MAX__ 0xff",
        "__UINT16_MAX__ 0xffff",
        "__UINT32_MAX__ 0xffffffffU",
        "__UINT64_MAX__ 0xffffffffffffffffUL",
        "__SIZE_TYPE__ long unsigned int",
        "__PTRDIFF_TYPE__ long int",
        "__WCHAR_TYPE__ int",
        "__WINT_TYPE__ unsigned int",
        "__INTMAX_TYPE__ long int",
        "__UINTMAX_TYPE__ long unsigned int",
        "__CHAR16_TYPE__ short unsigned int",
        "__CHAR32_TYPE__ unsigned int",
        "__INTPTR_TYPE__ long int",
        "__UINTPTR_TYPE__ long unsigned int",
        "__INT8_TYPE__ signed char",
        "__INT16_TYPE__ short int",
        "__INT32_TYPE__ int",
        "__INT64_TYPE__ long int",
        "__UINT8_TYPE__ unsigned char",
        "__UINT16_TYPE__ short unsigned int",
        "__UINT32_TYPE__ unsigned int",
        "__UINT64_TYPE__ long unsigned int",
        "__ORDER_LITTLE_ENDIAN__ 1234",
        "__ORDER_BIG_ENDIAN__ 4321",
        "__ORDER_PDP_ENDIAN__ 3412",
        "__BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__",
        "__FLOAT_WORD_ORDER__ __ORDER_LITTLE_ENDIAN__",
        "__FLT_EVAL_METHOD__ 0",
        "__USER_LABEL_PREFIX__ ",
        "__REGISTER_PREFIX__ ",
        "__SSE__ 1",
        "__SSE2__ 1",
        "__SSE_MATH__ 1",
        "__SSE2_MATH__ 1",
    };

    // ---------------------------------------------------------------------------------------------
    // Reading tokens

    private sealed class Frame(SourceFile file, List<Token> tokens, string dir, string? fullPath, int searchIndex)
    {
        public SourceFile File { get; } = file;

        public List<Token> Tokens { get; } = tokens;

        public int Pos { get; set; }

        /// <summary>Directory of the file as it was named (for #include "...").</summary>
        public string Dir { get; } = dir;

        public string? FullPath { get; } = fullPath;

        /// <summary>Index in the search path where the file was found (-1: includer's directory); for #include_next.</summary>
        public int SearchIndex { get; } = searchIndex;

        public List<Conditional> Conditionals { get; } = new();

        public bool HasLineOverride { get; set; }

        public string? LinePath { get; set; }

        public int LineDelta { get; set; }
    }

    private enum ConditionalState
    {
        Then,
        Elif,
        Else,
    }

    private sealed class Conditional(Token directive, bool included)
    {
        /// <summary>The directive name token (if, ifdef, ifndef) that opened the group.</summary>
        public Token Directive { get; } = directive;

        public ConditionalState State { get; set; }

        /// <summary>Some group of this conditional was already taken.</summary>
        public bool Included { get; set; } = included;
    }

    private sealed record CachedFile(SourceFile File, List<Token> Tokens, string? Guard);

    private void PushFrame(Frame frame)
    {
        _frames.Add(frame);
    }

    /// <summary>The next token: from a pending macro expansion, else from the current file (running directives).</summary>
    private Token Next()
    {
        int n = _pending.Count;
        if (n > 0)
        {
            Token t = _pending[n - 1];
            _pending.RemoveAt(n - 1);
            return t;
        }

        return ReadFromFiles();
    }

    private void PushBack(Token t) => _pending.Add(t);

    private Token ReadFromFiles()
    {
        while (true)
        {
            Frame f = _frames[^1];
            Token t = f.Tokens[f.Pos];
            if (t.Kind == TokenKind.EndOfFile)
            {
                for (int i = f.Conditionals.Count - 1; i >= 0; i--)
                {
                    Token d = f.Conditionals[i].Directive;
                    Diagnostics.Error(d.Location, $"unterminated #{d.Text}");
                }

                f.Conditionals.Clear();
                if (_frames.Count == 1)
                {
                    return f.HasLineOverride ? WithLine(f, t) : t;
                }

                _frames.RemoveAt(_frames.Count - 1);
                continue;
            }

            f.Pos++;
            if (t.AtStartOfLine && t.Kind == TokenKind.Punct && t.Text == "#")
            {
                Directive(f, t);
                continue;
            }

            return f.HasLineOverride ? WithLine(f, t) : t;
        }
    }

    private static Token WithLine(Frame f, Token t) =>
        new(t.Kind, t.Text, t.Location with { LineDirectivePath = f.LinePath, LineDelta = f.LineDelta })
        {
            HasSpace = t.HasSpace,
            AtStartOfLine = t.AtStartOfLine,
        };

    // ---------------------------------------------------------------------------------------------
    // Macro expansion

    /// <summary>
    /// If <paramref name="tok"/> names a macro that may be expanded here, expands it: the replacement is pushed
    /// back to be rescanned and true is returned.
    /// </summary>
    private bool TryExpand(Token tok)
    {
        if (!_macros.TryGetValue(tok.Text, out Macro? m))
        {
            if (tok.Text == "_Pragma")
            {
                return PragmaOperator(tok);
            }

            return false;
        }

        if (tok.HideSet is not null && tok.HideSet.Contains(m.Name))
        {
            return false;
        }

        if (m.Builtin is not null)
        {
            Token r = m.Builtin(tok);
            r.HasSpace = tok.HasSpace;
            r.AtStartOfLine = tok.AtStartOfLine;
            r.HideSet = tok.HideSet;
            PushBack(r);
            return true;
        }

        if (!m.FunctionLike && m.HasPaste)
        {
            var pasted = new List<Token>(m.Body.Count);
            Substitute(m, Array.Empty<List<Token>>(), Array.Empty<List<Token>?>(), tok, 0, m.Body.Count, pasted);
            pasted.RemoveAll(t => ReferenceEquals(t, s_placemarker));
            PushExpansion(pasted, tok, AddToHideSet(tok.HideSet, m.Name), alreadyApplied: false);
            return true;
        }

        if (!m.FunctionLike)
        {
            HashSet<string> hs = AddToHideSet(tok.HideSet, m.Name);
            var body = new List<Token>(m.Body.Count);
            foreach (Token b in m.Body)
            {
                body.Add(new Token(b.Kind, b.Text, tok.Location) { HasSpace = b.HasSpace, HideSet = hs });
            }

            PushExpansion(body, tok, hs, alreadyApplied: true);
            return true;
        }

        // A function-like macro name not followed by '(' is not an invocation; as in gcc, neither is one
        // separated from its '(' by a directive.
        int directivesBefore = _directiveCount;
        Token next = Next();
        if (!(next.Kind == TokenKind.Punct && next.Text == "(") || _directiveCount != directivesBefore)
        {
            PushBack(next);
            return false;
        }

        List<Token>[]? args = ReadArguments(m, tok, out Token? rparen);
        if (args is null)
        {
            return true;
        }

        HashSet<string> hideSet = AddToHideSet(Intersect(tok.HideSet, rparen!.HideSet), m.Name);
        var output = new List<Token>(m.Body.Count + 8);
        var expanded = new List<Token>?[args.Length];
        Substitute(m, args, expanded, tok, 0, m.Body.Count, output);
        output.RemoveAll(t => ReferenceEquals(t, s_placemarker));
        PushExpansion(output, tok, hideSet, alreadyApplied: false);
        return true;
    }

    /// <summary>Pushes a macro's replacement onto the pending stack, adding the hide set to each token.</summary>
    private void PushExpansion(List<Token> tokens, Token nameToken, HashSet<string> hideSet, bool alreadyApplied)
    {
        if (tokens.Count > 0)
        {
            tokens[0].HasSpace = nameToken.HasSpace;
            tokens[0].AtStartOfLine = nameToken.AtStartOfLine;
        }

        for (int i = tokens.Count - 1; i >= 0; i--)
        {
            Token t = tokens[i];
            if (!alreadyApplied)
            {
                t.HideSet = Union(t.HideSet, hideSet);
            }

            _pending.Add(t);
        }
    }

    /// <summary>
    /// Reads the arguments of a function-like macro call after its '('. Returns null (after reporting) on a wrong
    /// argument count or a missing ')'.
    /// </summary>
    private List<Token>[]? ReadArguments(Macro m, Token nameTok, out Token? rparen)
    {
        var args = new List<List<Token>>();
        var current = new List<Token>();
        int depth = 0;
        int named = m.Variadic ? m.Params.Length - 1 : m.Params.Length;
        rparen = null;
        while (true)
        {
            Token t = Next();
            if (t.Kind == TokenKind.EndOfFile)
            {
                Diagnostics.Error(nameTok.Location, $"unterminated argument list invoking macro \"{m.Name}\"");
                PushBack(t);
                return null;
            }

            if (t.Kind == TokenKind.Punct)
            {
                if (t.Text == "(")
                {
                    depth++;
                }
                else if (t.Text == ")")
                {
                    if (depth == 0)
                    {
                        rparen = t;
                        args.Add(current);
                        break;
                    }

                    depth--;
                }
                else if (t.Text == "," && depth == 0 && !(m.Variadic && args.Count == named))
                {
                    args.Add(current);
                    current = new List<Token>();
                    continue;
                }
            }

            current.Add(t);
        }

        // f() passes one empty argument; that matches a macro with no parameters.
        if (m.Params.Length == 0 && args.Count == 1 && args[0].Count == 0)
        {
            args.Clear();
        }

        if (m.Variadic)
        {
            if (args.Count == named && named > 0)
            {
                args.Add(s_omittedArgument); // f(a) for f(x, ...): __VA_ARGS__ is omitted (GNU)
            }
            else if (args.Count == 0 && named == 0)
            {
                args.Add(s_omittedArgument);
            }
            else if (named == 0 && args.Count == 1 && args[0].Count == 0)
            {
                args[0] = s_omittedArgument; // f() for f(...)
            }

            if (args.Count < m.Params.Length)
            {
                Diagnostics.Error(rparen.Location, $"macro \"{m.Name}\" requires at least {named} argument{(named == 1 ? "" : "s")}, but only {args.Count} given");
                Diagnostics.Note(m.Location, $"macro \"{m.Name}\" defined here");
                return null;
            }
        }
        else if (args.Count != m.Params.Length)
        {
            if (args.Count < m.Params.Length)
            {
                Diagnostics.Error(rparen.Location, $"macro \"{m.Name}\" requires {m.Params.Length} argument{(m.Params.Length == 1 ? "" : "s")}, but only {args.Count} given");
            }
            else
            {
                Diagnostics.Error(rparen.Location, $"macro \"{m.Name}\" passed {args.Count} arguments, but takes just {m.Params.Length}");
            }

            Diagnostics.Note(m.Location, $"macro \"{m.Name}\" defined here");
            return null;
        }

        return args.ToArray();
    }

    /// <summary>
    /// Replaces parameters in <c>m.Body[from..to)</c> (C11 6.10.3.1-3): '#' stringifies, '##' pastes, other
    /// parameters are replaced by their fully expanded argument. Empty '##' operands become placemarkers.
    /// </summary>
    private void Substitute(Macro m, List<Token>[] args, List<Token>?[] expanded, Token nameTok, int from, int to, List<Token> output)
    {
        List<Token> body = m.Body;
        int[] paramIndex = m.ParamIndex;
        int vaIndex = m.Variadic ? m.Params.Length - 1 : -1;
        int i = from;
        while (i < to)
        {
            Token t = body[i];

            if (t.Kind == TokenKind.Punct && t.Text == "##" && i + 1 < to)
            {
                i++;
                int rhsParam = paramIndex[i];

                // GNU: ", ## __VA_ARGS__" drops the comma when the variable arguments are empty.
                if (rhsParam >= 0 && rhsParam == vaIndex && output.Count > 0 && output[^1].Kind == TokenKind.Punct && output[^1].Text == ",")
                {
                    if (ReferenceEquals(args[rhsParam], s_omittedArgument))
                    {
                        output.RemoveAt(output.Count - 1);
                    }
                    else if (args[rhsParam].Count == 0)
                    {
                        // Present but empty: gcc keeps the comma.
                    }
                    else
                    {
                        AppendCopies(args[rhsParam], output, body[i].HasSpace);
                    }

                    i++;
                    continue;
                }

                var rhs = new List<Token>();
                i = ReadOperand(m, args, expanded, nameTok, i, to, rhs);
                if (rhs.Count == 0 || ReferenceEquals(rhs[0], s_placemarker))
                {
                    // X ## placemarker = X
                    continue;
                }

                Token lhs = output.Count > 0 ? output[^1] : s_placemarker;
                if (ReferenceEquals(lhs, s_placemarker))
                {
                    if (output.Count > 0)
                    {
                        output.RemoveAt(output.Count - 1);
                    }

                    output.AddRange(rhs);
                    continue;
                }

                output.RemoveAt(output.Count - 1);
                Paste(lhs, rhs[0], nameTok, output);
                for (int k = 1; k < rhs.Count; k++)
                {
                    output.Add(rhs[k]);
                }

                continue;
            }

            bool beforePaste = NextIsPaste(m, i, to);
            int p = paramIndex[i];
            if (p >= 0 && !beforePaste)
            {
                // A parameter not next to ## is replaced by its fully macro-expanded argument.
                List<Token> e = expanded[p] ??= ExpandIsolated(args[p]);
                AppendCopies(e, output, t.HasSpace);
                i++;
                continue;
            }

            if (m.Variadic && t.Kind == TokenKind.Identifier && t.Text == "__VA_OPT__" && i + 1 < to && body[i + 1].Is("("))
            {
                int close = MatchingParen(body, i + 1, to);
                if (close < 0)
                {
                    i++;
                    continue;
                }

                if (args[vaIndex].Count > 0)
                {
                    int before = output.Count;
                    Substitute(m, args, expanded, nameTok, i + 2, close, output);
                    if (output.Count > before)
                    {
                        output[before].HasSpace = t.HasSpace;
                    }
                    else
                    {
                        output.Add(s_placemarker);
                    }
                }
                else
                {
                    output.Add(s_placemarker);
                }

                i = close + 1;
                continue;
            }

            i = ReadOperand(m, args, expanded, nameTok, i, to, output);
        }
    }

    private static bool NextIsPaste(Macro m, int i, int to)
    {
        List<Token> body = m.Body;
        int j = i + 1;
        if (m.FunctionLike && body[i].Kind == TokenKind.Punct && body[i].Text == "#" && j < to && m.ParamIndex[j] >= 0)
        {
            j++;
        }

        return j < to && body[j].Kind == TokenKind.Punct && body[j].Text == "##";
    }

    private static int MatchingParen(List<Token> body, int open, int to)
    {
        int depth = 0;
        for (int k = open; k < to; k++)
        {
            if (body[k].Is("("))
            {
                depth++;
            }
            else if (body[k].Is(")") && --depth == 0)
            {
                return k;
            }
        }

        return -1;
    }

    /// <summary>
    /// Appends the operand at <paramref name="i"/> unexpanded: '#' param (stringified), a parameter (its raw argument
    /// or a placemarker if empty) or one body token. Returns the index after it.
    /// </summary>
    private int ReadOperand(Macro m, List<Token>[] args, List<Token>?[] expanded, Token nameTok, int i, int to, List<Token> output)
    {
        List<Token> body = m.Body;
        Token t = body[i];
        if (m.FunctionLike && t.Kind == TokenKind.Punct && t.Text == "#" && i + 1 < to && m.ParamIndex[i + 1] >= 0)
        {
            Token s = Stringify(args[m.ParamIndex[i + 1]], nameTok.Location);
            s.HasSpace = t.HasSpace;
            output.Add(s);
            return i + 2;
        }

        int p = m.ParamIndex[i];
        if (p >= 0)
        {
            if (args[p].Count == 0)
            {
                output.Add(s_placemarker);
            }
            else
            {
                AppendCopies(args[p], output, t.HasSpace);
            }

            return i + 1;
        }

        output.Add(new Token(t.Kind, t.Text, nameTok.Location) { HasSpace = t.HasSpace });
        return i + 1;
    }

    private static void AppendCopies(List<Token> source, List<Token> output, bool firstHasSpace)
    {
        for (int k = 0; k < source.Count; k++)
        {
            Token a = source[k];
            output.Add(new Token(a.Kind, a.Text, a.Location)
            {
                HasSpace = k == 0 ? firstHasSpace : a.HasSpace,
                HideSet = a.HideSet,
            });
        }
    }

    /// <summary>The '#' operator: spells the argument as a string literal (C11 6.10.3.2).</summary>
    private static Token Stringify(List<Token> arg, SourceLocation location)
    {
        var sb = new StringBuilder();
        sb.Append('"');
        for (int k = 0; k < arg.Count; k++)
        {
            Token a = arg[k];
            if (k > 0 && (a.HasSpace || a.AtStartOfLine))
            {
                sb.Append(' ');
            }

            bool quoted = a.Kind is TokenKind.StringLiteral or TokenKind.CharLiteral
                || (a.Kind == TokenKind.Invalid && (a.Text.Contains('"') || a.Text.Contains('\'')));
            if (quoted)
            {
                foreach (char c in a.Text)
                {
                    if (c == '"' || c == '\\')
                    {
                        sb.Append('\\');
                    }

                    sb.Append(c);
                }
            }
            else
            {
                sb.Append(a.Text);
            }
        }

        sb.Append('"');
        return new Token(TokenKind.StringLiteral, sb.ToString(), location);
    }

    /// <summary>The '##' operator: the spelling of both tokens must form exactly one token.</summary>
    private void Paste(Token lhs, Token rhs, Token nameTok, List<Token> output)
    {
        string text = lhs.Text + rhs.Text;
        List<Token> toks = Lexer.TokenizeFragment(text, lhs.Location, _pool);
        if (toks.Count == 1 && (toks[0].Kind != TokenKind.Invalid || lhs.Kind == TokenKind.Invalid || rhs.Kind == TokenKind.Invalid))
        {
            Token r = toks[0];
            r.HasSpace = lhs.HasSpace;
            r.HideSet = lhs.HideSet;
            output.Add(r);
            return;
        }

        Diagnostics.Error(nameTok.Location, $"pasting \"{lhs.Text}\" and \"{rhs.Text}\" does not give a valid preprocessing token");
        output.Add(lhs);
        output.Add(rhs);
    }

    /// <summary>Fully macro-expands a token list on its own (a macro argument, a directive's operands).</summary>
    private List<Token> ExpandIsolated(List<Token> tokens)
    {
        var sentinel = new Token(TokenKind.EndOfFile, "", SourceLocation.None);
        _pending.Add(sentinel);
        for (int k = tokens.Count - 1; k >= 0; k--)
        {
            _pending.Add(tokens[k]);
        }

        var result = new List<Token>(tokens.Count);
        while (true)
        {
            Token t = Next();
            if (t.Kind == TokenKind.EndOfFile)
            {
                if (!ReferenceEquals(t, sentinel))
                {
                    // Cannot happen (the sentinel is always above); keep the stream consistent anyway.
                    PushBack(t);
                }

                break;
            }

            if (t.Kind == TokenKind.Identifier)
            {
                if (_inIfExpression && (t.Text == "defined" || t.Text == "__has_include" || t.Text == "__has_include_next"))
                {
                    result.Add(t.Text == "defined" ? ReadDefined(t) : ReadHasInclude(t));
                    continue;
                }

                if (TryExpand(t))
                {
                    continue;
                }
            }

            result.Add(t);
        }

        return result;
    }

    private Token ReadDefined(Token definedTok)
    {
        Token t = Next();
        bool paren = t.Is("(");
        if (paren)
        {
            t = Next();
        }

        if (t.Kind != TokenKind.Identifier)
        {
            Diagnostics.Error(t.Kind == TokenKind.EndOfFile ? definedTok.Location : t.Location, "operator \"defined\" requires an identifier");
            if (t.Kind == TokenKind.EndOfFile)
            {
                PushBack(t);
            }

            return MakeNumber("0", definedTok);
        }

        bool value = _macros.ContainsKey(t.Text) || t.Text is "__has_include" or "__has_include_next";
        if (paren)
        {
            Token close = Next();
            if (!close.Is(")"))
            {
                Diagnostics.Error(t.Location, "missing ')' after \"defined\"");
                PushBack(close);
            }
        }

        return MakeNumber(value ? "1" : "0", definedTok);
    }

    private Token ReadHasInclude(Token op)
    {
        Token open = Next();
        if (!open.Is("("))
        {
            Diagnostics.Error(op.Location, $"missing '(' after \"{op.Text}\"");
            PushBack(open);
            return MakeNumber("0", op);
        }

        var operand = new List<Token>();
        int depth = 0;
        while (true)
        {
            Token t = Next();
            if (t.Kind == TokenKind.EndOfFile)
            {
                Diagnostics.Error(op.Location, $"missing ')' after \"{op.Text}\" operand");
                PushBack(t);
                return MakeNumber("0", op);
            }

            if (t.Is("("))
            {
                depth++;
            }
            else if (t.Is(")"))
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }

            operand.Add(t);
        }

        bool next = op.Text == "__has_include_next";
        bool found = ParseIncludeName(operand, op, out string? name, out bool quoted) && ResolveInclude(name!, quoted, next, out _, out _) is not null;
        return MakeNumber(found ? "1" : "0", op);
    }

    private bool PragmaOperator(Token tok)
    {
        Token open = Next();
        if (!open.Is("("))
        {
            PushBack(open);
            return false;
        }

        Token str = Next();
        Token close = str.Kind == TokenKind.StringLiteral ? Next() : str;
        if (str.Kind != TokenKind.StringLiteral || !close.Is(")"))
        {
            Diagnostics.Error(tok.Location, "_Pragma takes a parenthesized string literal");
            if (close.Kind == TokenKind.EndOfFile)
            {
                PushBack(close);
            }

            return true;
        }

        // Destringize and act like #pragma (only "once" has an effect).
        string text = str.Text.Substring(str.Text.IndexOf('"') + 1);
        text = text.Substring(0, text.Length - 1).Replace("\\\"", "\"").Replace("\\\\", "\\");
        if (text.Trim() == "once" && _frames.Count > 0 && _frames[^1].FullPath is { } full)
        {
            _onceFiles.Add(full);
        }

        return true;
    }

    // ---------------------------------------------------------------------------------------------
    // Hide sets (shared, treated as immutable)

    private HashSet<string> AddToHideSet(HashSet<string>? set, string name)
    {
        if (set is null)
        {
            if (!_singletonHideSets.TryGetValue(name, out HashSet<string>? single))
            {
                single = new HashSet<string>(StringComparer.Ordinal) { name };
                _singletonHideSets.Add(name, single);
            }

            return single;
        }

        if (set.Contains(name))
        {
            return set;
        }

        return Union(set, AddToHideSet(null, name));
    }

    private HashSet<string> Union(HashSet<string>? a, HashSet<string> b)
    {
        if (a is null || ReferenceEquals(a, b) || a.IsSubsetOf(b))
        {
            return b;
        }

        if (b.IsSubsetOf(a))
        {
            return a;
        }

        if (!_hideSetUnions.TryGetValue((a, b), out HashSet<string>? u))
        {
            u = new HashSet<string>(a, StringComparer.Ordinal);
            u.UnionWith(b);
            _hideSetUnions.Add((a, b), u);
        }

        return u;
    }

    private static HashSet<string>? Intersect(HashSet<string>? a, HashSet<string>? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        if (ReferenceEquals(a, b) || a.IsSubsetOf(b))
        {
            return a;
        }

        if (b.IsSubsetOf(a))
        {
            return b;
        }

        var r = new HashSet<string>(a, StringComparer.Ordinal);
        r.IntersectWith(b);
        return r.Count == 0 ? null : r;
    }

    // ---------------------------------------------------------------------------------------------
    // Directives

    private static int LineEnd(List<Token> tokens, int from)
    {
        int i = from;
        while (!tokens[i].AtStartOfLine)
        {
            i++;
        }

        return i;
    }

    private List<Token> LineTokens(Frame f, int from, int end)
    {
        var list = new List<Token>(end - from);
        for (int i = from; i < end; i++)
        {
            Token t = f.Tokens[i];
            list.Add(f.HasLineOverride ? WithLine(f, t) : t);
        }

        return list;
    }

    /// <summary>Runs the directive whose '#' was just read from <paramref name="f"/>.</summary>
    private void Directive(Frame f, Token hash)
    {
        _directiveCount++;
        List<Token> toks = f.Tokens;
        int end = LineEnd(toks, f.Pos);
        if (f.Pos == end)
        {
            return; // null directive
        }

        Token name = toks[f.Pos];
        if (f.HasLineOverride)
        {
            name = WithLine(f, name);
        }

        int args = f.Pos + 1;
        f.Pos = end;

        if (name.Kind == TokenKind.Number)
        {
            // GNU line marker: # 33 "file" flags
            LineDirective(f, hash, name, LineTokens(f, args - 1, end), isMarker: true);
            return;
        }

        if (name.Kind != TokenKind.Identifier)
        {
            Diagnostics.Error(name.Location, $"invalid preprocessing directive #{name.Text}");
            return;
        }

        switch (name.Text)
        {
            case "define":
                DefineDirective(f, name, args, end);
                return;
            case "undef":
                UndefDirective(f, name, args, end);
                return;
            case "include":
            case "include_next":
            case "import":
                IncludeDirective(f, name, LineTokens(f, args, end));
                return;
            case "if":
            {
                bool value = EvaluateCondition(name, LineTokens(f, args, end));
                f.Conditionals.Add(new Conditional(name, value));
                if (!value)
                {
                    SkipGroup(f);
                }

                return;
            }

            case "ifdef":
            case "ifndef":
            {
                bool value = false;
                if (args == end)
                {
                    Diagnostics.Error(name.Location, $"no macro name given in #{name.Text} directive");
                }
                else if (toks[args].Kind != TokenKind.Identifier)
                {
                    Diagnostics.Error(toks[args].Location, "macro names must be identifiers");
                }
                else
                {
                    value = _macros.ContainsKey(toks[args].Text) == (name.Text == "ifdef");
                    WarnExtraTokens(f, name, args + 1, end);
                }

                f.Conditionals.Add(new Conditional(name, value));
                if (!value)
                {
                    SkipGroup(f);
                }

                return;
            }

            case "elif":
            {
                Conditional? c = NextGroup(f, name, ConditionalState.Elif);
                if (c is null)
                {
                    return;
                }

                if (!c.Included && EvaluateCondition(name, LineTokens(f, args, end)))
                {
                    c.Included = true;
                }
                else
                {
                    SkipGroup(f);
                }

                return;
            }

            case "else":
            {
                Conditional? c = NextGroup(f, name, ConditionalState.Else);
                if (c is null)
                {
                    return;
                }

                WarnExtraTokens(f, name, args, end);
                if (c.Included)
                {
                    SkipGroup(f);
                }

                c.Included = true;
                return;
            }

            case "endif":
                if (f.Conditionals.Count == 0)
                {
                    Diagnostics.Error(name.Location, "#endif without #if");
                    return;
                }

                WarnExtraTokens(f, name, args, end);
                f.Conditionals.RemoveAt(f.Conditionals.Count - 1);
                return;
            case "line":
                LineDirective(f, hash, name, ExpandIsolated(LineTokens(f, args, end)), isMarker: false);
                return;
            case "error":
                Diagnostics.Error(name.Location, "#error " + Spell(LineTokens(f, args, end)));
                return;
            case "warning":
                Diagnostics.Warning(name.Location, "#warning " + Spell(LineTokens(f, args, end)));
                return;
            case "pragma":
                PragmaDirective(f, name, args, end);
                return;
            case "ident":
            case "sccs":
            case "assert":
            case "unassert":
                return;
            default:
                Diagnostics.Error(name.Location, $"invalid preprocessing directive #{name.Text}");
                return;
        }
    }

    /// <summary>
    /// #elif or #else (<paramref name="name"/>): the innermost open conditional, moved to <paramref name="state"/>;
    /// null (reported) when there is none. A group after #else is reported and read on.
    /// </summary>
    private Conditional? NextGroup(Frame f, Token name, ConditionalState state)
    {
        if (f.Conditionals.Count == 0)
        {
            Diagnostics.Error(name.Location, $"#{name.Text} without #if");
            return null;
        }

        Conditional c = f.Conditionals[^1];
        if (c.State == ConditionalState.Else)
        {
            Diagnostics.Error(name.Location, $"#{name.Text} after #else");
            Diagnostics.Note(c.Directive.Location, "the conditional began here");
        }

        c.State = state;
        return c;
    }

    private void WarnExtraTokens(Frame f, Token name, int from, int end)
    {
        if (from < end)
        {
            Diagnostics.Warning(f.Tokens[from].Location, $"extra tokens at end of #{name.Text} directive");
        }
    }

    /// <summary>Skips a group whose condition is false, up to (not including) the matching #elif, #else or #endif.</summary>
    private static void SkipGroup(Frame f)
    {
        List<Token> toks = f.Tokens;
        int depth = 0;
        int i = f.Pos;
        while (true)
        {
            Token t = toks[i];
            if (t.Kind == TokenKind.EndOfFile)
            {
                f.Pos = i;
                return;
            }

            if (t.AtStartOfLine && t.Kind == TokenKind.Punct && t.Text == "#")
            {
                Token n = toks[i + 1];
                if (!n.AtStartOfLine && n.Kind == TokenKind.Identifier)
                {
                    switch (n.Text)
                    {
                        case "if":
                        case "ifdef":
                        case "ifndef":
                            depth++;
                            break;
                        case "elif":
                        case "else":
                            if (depth == 0)
                            {
                                f.Pos = i;
                                return;
                            }

                            break;
                        case "endif":
                            if (depth == 0)
                            {
                                f.Pos = i;
                                return;
                            }

                            depth--;
                            break;
                    }
                }

                i++;
                continue;
            }

            i++;
        }
    }

    private bool EvaluateCondition(Token directive, List<Token> tokens)
    {
        bool saved = _inIfExpression;
        _inIfExpression = true;
        List<Token> expanded;
        try
        {
            expanded = ExpandIsolated(tokens);
        }
        finally
        {
            _inIfExpression = saved;
        }

        foreach (Token t in expanded)
        {
            if (t.Kind == TokenKind.Invalid)
            {
                Diagnostics.Error(t.Location, Lexer.InvalidTokenMessage(t));
                return false;
            }
        }

        return IfExpression.Evaluate(expanded, directive, Diagnostics);
    }

    private static string Spell(List<Token> tokens)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < tokens.Count; i++)
        {
            if (i > 0 && (tokens[i].HasSpace || tokens[i].AtStartOfLine))
            {
                sb.Append(' ');
            }

            sb.Append(tokens[i].Text);
        }

        return sb.ToString();
    }

    // #define name replacement-list
    // #define name( params ) replacement-list
    private void DefineDirective(Frame f, Token directive, int from, int end)
    {
        List<Token> toks = f.Tokens;
        if (from == end)
        {
            Diagnostics.Error(directive.Location, "no macro name given in #define directive");
            return;
        }

        Token nameTok = f.HasLineOverride ? WithLine(f, toks[from]) : toks[from];
        if (nameTok.Kind != TokenKind.Identifier)
        {
            Diagnostics.Error(nameTok.Location, "macro names must be identifiers");
            return;
        }

        if (nameTok.Text == "defined")
        {
            Diagnostics.Error(nameTok.Location, "\"defined\" cannot be used as a macro name");
            return;
        }

        var m = new Macro(nameTok.Text, nameTok.Location);
        int i = from + 1;
        var paramNames = new List<string>();
        if (i < end && toks[i].Is("(") && !toks[i].HasSpace)
        {
            m.FunctionLike = true;
            i++;
            while (true)
            {
                if (i >= end)
                {
                    Diagnostics.Error(toks[end - 1].Location, "expected ')' before end of line");
                    return;
                }

                Token p = toks[i];
                if (p.Is(")") && paramNames.Count == 0)
                {
                    i++;
                    break;
                }

                if (p.Is("..."))
                {
                    m.Variadic = true;
                    paramNames.Add("__VA_ARGS__");
                    i++;
                    if (i >= end || !toks[i].Is(")"))
                    {
                        Diagnostics.Error(i < end ? toks[i].Location : p.Location, "missing ')' in macro parameter list");
                        return;
                    }

                    i++;
                    break;
                }

                if (p.Kind != TokenKind.Identifier)
                {
                    Diagnostics.Error(p.Location, $"expected parameter name, found \"{p.Text}\"");
                    return;
                }

                if (paramNames.Contains(p.Text))
                {
                    Diagnostics.Error(p.Location, $"duplicate macro parameter \"{p.Text}\"");
                    return;
                }

                paramNames.Add(p.Text);
                i++;
                if (i < end && toks[i].Is("..."))
                {
                    // GNU named variadic parameter: args...
                    m.Variadic = true;
                    i++;
                    if (i >= end || !toks[i].Is(")"))
                    {
                        Diagnostics.Error(i < end ? toks[i].Location : p.Location, "missing ')' in macro parameter list");
                        return;
                    }

                    i++;
                    break;
                }

                if (i >= end)
                {
                    Diagnostics.Error(p.Location, "expected ')' before end of line");
                    return;
                }

                if (toks[i].Is(")"))
                {
                    i++;
                    break;
                }

                if (!toks[i].Is(","))
                {
                    Diagnostics.Error(toks[i].Location, $"expected ',' or ')', found \"{toks[i].Text}\"");
                    return;
                }

                i++;
            }
        }
        else if (i < end && !toks[i].HasSpace)
        {
            Diagnostics.Warning(toks[i].Location, "ISO C99 requires whitespace after the macro name");
        }

        m.Params = paramNames.ToArray();
        var body = new List<Token>(end - i);
        var paramIndex = new int[end - i];
        for (int k = i; k < end; k++)
        {
            Token b = toks[k];
            int idx = -1;
            if (m.FunctionLike && b.Kind == TokenKind.Identifier)
            {
                idx = Array.IndexOf(m.Params, b.Text);
            }

            paramIndex[body.Count] = idx;
            body.Add(b);
        }

        if (body.Count > 0)
        {
            body[0] = new Token(body[0].Kind, body[0].Text, body[0].Location) { HasSpace = false };
        }

        if (!m.Variadic)
        {
            Token? va = body.Find(b => b.Kind == TokenKind.Identifier && b.Text == "__VA_ARGS__");
            if (va is not null)
            {
                Diagnostics.Warning(va.Location, "__VA_ARGS__ can only appear in the expansion of a C99 variadic macro");
            }
        }

        m.Body = body;
        m.ParamIndex = paramIndex;
        m.HasPaste = body.Exists(b => b.Kind == TokenKind.Punct && b.Text == "##");

        // Constraints on # and ## (C11 6.10.3.2p1, 6.10.3.3p1).
        for (int k = 0; k < body.Count; k++)
        {
            Token b = body[k];
            if (b.Kind != TokenKind.Punct)
            {
                continue;
            }

            if (b.Text == "##" && (k == 0 || k == body.Count - 1))
            {
                Diagnostics.Error(b.Location, "'##' cannot appear at either end of a macro expansion");
                return;
            }

            if (m.FunctionLike && b.Text == "#" && (k + 1 >= body.Count || paramIndex[k + 1] < 0))
            {
                Diagnostics.Error(b.Location, "'#' is not followed by a macro parameter");
                return;
            }
        }

        if (_macros.TryGetValue(m.Name, out Macro? old))
        {
            if (!old.SameDefinition(m))
            {
                Diagnostics.Warning(nameTok.Location, $"\"{m.Name}\" redefined");
                if (!old.Location.IsNone)
                {
                    Diagnostics.Note(old.Location, "this is the location of the previous definition");
                }
            }
        }

        _macros[m.Name] = m;
    }

    private void UndefDirective(Frame f, Token directive, int from, int end)
    {
        if (from == end)
        {
            Diagnostics.Error(directive.Location, "no macro name given in #undef directive");
            return;
        }

        Token nameTok = f.Tokens[from];
        if (nameTok.Kind != TokenKind.Identifier)
        {
            Diagnostics.Error(nameTok.Location, "macro names must be identifiers");
            return;
        }

        if (nameTok.Text == "defined")
        {
            Diagnostics.Error(nameTok.Location, "\"defined\" cannot be used as a macro name");
            return;
        }

        WarnExtraTokens(f, directive, from + 1, end);
        _macros.Remove(nameTok.Text);
    }

    private void PragmaDirective(Frame f, Token directive, int from, int end)
    {
        List<Token> toks = f.Tokens;
        if (from >= end)
        {
            return;
        }

        Token first = toks[from];
        if (first.Text == "once" && first.Kind == TokenKind.Identifier)
        {
            if (f.FullPath is not null)
            {
                _onceFiles.Add(f.FullPath);
            }

            return;
        }

        // #pragma push_macro("NAME") / pop_macro("NAME")
        if (first.Kind == TokenKind.Identifier && (first.Text == "push_macro" || first.Text == "pop_macro")
            && from + 2 < end && toks[from + 1].Is("(") && toks[from + 2].Kind == TokenKind.StringLiteral)
        {
            string s = toks[from + 2].Text;
            string macroName = s.Length >= 2 ? s.Substring(1, s.Length - 2) : s;
            if (first.Text == "push_macro")
            {
                if (!_pushedMacros.TryGetValue(macroName, out Stack<Macro?>? stack))
                {
                    stack = new Stack<Macro?>();
                    _pushedMacros.Add(macroName, stack);
                }

                stack.Push(_macros.TryGetValue(macroName, out Macro? cur) ? cur : null);
            }
            else if (_pushedMacros.TryGetValue(macroName, out Stack<Macro?>? stack) && stack.Count > 0)
            {
                Macro? saved = stack.Pop();
                if (saved is null)
                {
                    _macros.Remove(macroName);
                }
                else
                {
                    _macros[macroName] = saved;
                }
            }
        }

        // Other pragmas are ignored.
    }

    // #line digit-sequence "s-char-sequence"?
    private void LineDirective(Frame f, Token hash, Token directive, List<Token> tokens, bool isMarker)
    {
        if (tokens.Count == 0)
        {
            Diagnostics.Error(directive.Location, "unexpected end of file after #line");
            return;
        }

        Token num = tokens[0];
        if (num.Kind != TokenKind.Number || !num.Text.All(char.IsAsciiDigit))
        {
            Diagnostics.Error(num.Location, $"\"{num.Text}\" after #{(isMarker ? "" : "line")} is not a positive integer");
            return;
        }

        if (!int.TryParse(num.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int line) || line > 2147483647)
        {
            Diagnostics.Error(num.Location, "line number out of range");
            return;
        }

        string? path = f.HasLineOverride ? f.LinePath : null;
        if (tokens.Count > 1)
        {
            Token file = tokens[1];
            if (file.Kind != TokenKind.StringLiteral || file.Text[0] != '"')
            {
                Diagnostics.Error(file.Location, $"\"{file.Text}\" is not a valid filename");
                return;
            }

            var scratch = new DiagnosticBag();
            DecodedString ds = LiteralDecoder.DecodeString(file, scratch);
            path = Encoding.UTF8.GetString(ds.Units.Select(u => (byte)u).ToArray());
            if (!isMarker && tokens.Count > 2)
            {
                Diagnostics.Warning(tokens[2].Location, "extra tokens at end of #line directive");
            }
        }

        // The line after the directive gets number `line`.
        int physicalNext = hash.Location.Line + 1;
        f.HasLineOverride = true;
        f.LinePath = path;
        f.LineDelta = line - physicalNext;
    }

    // ---------------------------------------------------------------------------------------------
    // #include

    private bool ParseIncludeName(List<Token> tokens, Token directive, out string? name, out bool quoted)
    {
        name = null;
        quoted = false;
        if (tokens.Count > 0 && tokens[0].Kind == TokenKind.StringLiteral && tokens[0].Text[0] == '"')
        {
            string s = tokens[0].Text;
            name = s.Substring(1, s.Length - 2);
            quoted = true;
            return true;
        }

        if (tokens.Count > 0 && tokens[0].Is("<"))
        {
            var sb = new StringBuilder();
            for (int k = 1; k < tokens.Count; k++)
            {
                Token t = tokens[k];
                if (t.Is(">"))
                {
                    name = sb.ToString();
                    return true;
                }

                if (k > 1 && t.HasSpace)
                {
                    sb.Append(' ');
                }

                sb.Append(t.Text);
            }

            Token last = tokens[^1];
            Diagnostics.Error(last.Location with { Column = last.Location.Column + last.Text.Length }, "missing terminating > character");
            return false;
        }

        return false;
    }

    private void IncludeDirective(Frame f, Token directive, List<Token> tokens)
    {
        bool quoted;
        string? name;
        bool isNext = directive.Text == "include_next";
        bool raw = tokens.Count > 0 && (tokens[0].Kind == TokenKind.StringLiteral || tokens[0].Is("<"));
        List<Token> operand = raw ? tokens : ExpandIsolated(tokens);
        if (!ParseIncludeName(operand, directive, out name, out quoted))
        {
            if (operand.Count == 0 || (!operand[0].Is("<") && operand[0].Kind != TokenKind.StringLiteral))
            {
                SourceLocation at = tokens.Count > 0
                    ? tokens[0].Location
                    : directive.Location with { Column = directive.Location.Column + directive.Text.Length };
                Diagnostics.Error(at, $"#{directive.Text} expects \"FILENAME\" or <FILENAME>");
            }

            return;
        }

        int nameEnd = operand[0].Is("<") ? operand.FindIndex(t => t.Is(">")) + 1 : 1;
        if (raw && nameEnd < operand.Count)
        {
            Diagnostics.Warning(operand[nameEnd].Location, $"extra tokens at end of #{directive.Text} directive");
        }

        if (name!.Length == 0)
        {
            Diagnostics.Error(operand[0].Location, $"empty filename in #{directive.Text}");
            return;
        }

        if (_frames.Count >= MaxIncludeDepth)
        {
            Diagnostics.Error(directive.Location, $"#include nested depth {MaxIncludeDepth} exceeds maximum of {MaxIncludeDepth}");
            throw new CompilationAbortedException();
        }

        string? found = ResolveInclude(name, quoted, isNext, out int searchIndex, out string? fullPath);
        if (found is null)
        {
            Diagnostics.Error(operand[0].Location, $"{name}: No such file or directory");
            throw new CompilationAbortedException();
        }

        if (_onceFiles.Contains(fullPath!) || (directive.Text == "import" && _fileCache.ContainsKey(fullPath!)))
        {
            return;
        }

        if (!_fileCache.TryGetValue(fullPath!, out CachedFile? cached))
        {
            string text;
            try
            {
                text = File.ReadAllText(fullPath!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Diagnostics.Error(operand[0].Location, $"{name}: {e.Message}");
                throw new CompilationAbortedException();
            }

            var file = new SourceFile(found, text, Files.Count);
            Files.Add(file);
            List<Token> fileTokens = new Lexer(file, Diagnostics, _pool).TokenizeAll();
            cached = new CachedFile(file, fileTokens, DetectIncludeGuard(fileTokens));
            _fileCache.Add(fullPath!, cached);
        }
        else if (cached.Guard is not null && _macros.ContainsKey(cached.Guard))
        {
            return; // include guard: the whole file would be skipped
        }

        if (directive.Text == "import")
        {
            _onceFiles.Add(fullPath!);
        }

        PushFrame(new Frame(cached.File, cached.Tokens, DirectoryOf(found), fullPath, searchIndex));
    }

    /// <summary>
    /// Finds an include file: for "..." the includer's directory first, then Options.IncludePaths, then the system
    /// directory. With <paramref name="next"/> (#include_next) the search starts after the current file's directory.
    /// </summary>
    private string? ResolveInclude(string name, bool quoted, bool next, out int searchIndex, out string? fullPath)
    {
        searchIndex = -1;
        fullPath = null;
        if (Path.IsPathRooted(name))
        {
            if (File.Exists(name))
            {
                fullPath = SafeFullPath(name);
                return name;
            }

            return null;
        }

        Frame? current = _frames.Count > 0 ? _frames[^1] : null;
        int start = 0;
        if (next && current is not null)
        {
            start = current.SearchIndex + 1;
        }
        else if (quoted && current is not null)
        {
            string candidate = current.Dir.Length == 0 ? name : Path.Combine(current.Dir, name);
            if (File.Exists(candidate))
            {
                fullPath = SafeFullPath(candidate);
                return candidate;
            }
        }

        var dirs = new List<string>(Options.IncludePaths);
        if (Options.SystemIncludeDirectory is not null)
        {
            dirs.Add(Options.SystemIncludeDirectory);
        }

        for (int k = start; k < dirs.Count; k++)
        {
            string candidate = Path.Combine(dirs[k], name);
            if (File.Exists(candidate))
            {
                searchIndex = k;
                fullPath = SafeFullPath(candidate);
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Recognizes a file entirely wrapped in <c>#ifndef X / #define X ... #endif</c>; returns X or null.
    /// </summary>
    private static string? DetectIncludeGuard(List<Token> toks)
    {
        if (toks.Count < 7 || !IsDirective(toks, 0, "ifndef") || toks[2].Kind != TokenKind.Identifier || !toks[3].AtStartOfLine)
        {
            return null;
        }

        string guard = toks[2].Text;
        int i = 3;
        if (!IsDirective(toks, i, "define") || toks[i + 2].Text != guard || toks[i + 2].Kind != TokenKind.Identifier)
        {
            return null;
        }

        int depth = 1;
        for (i += 3; i < toks.Count - 1; i++)
        {
            if (!toks[i].AtStartOfLine || !toks[i].Is("#") || toks[i + 1].AtStartOfLine)
            {
                continue;
            }

            string d = toks[i + 1].Text;
            if (d is "if" or "ifdef" or "ifndef")
            {
                depth++;
            }
            else if (d is "else" or "elif" && depth == 1)
            {
                return null; // the file has content outside the guarded group
            }
            else if (d == "endif" && --depth == 0)
            {
                int after = LineEnd(toks, i + 1);
                return toks[after].Kind == TokenKind.EndOfFile ? guard : null;
            }
        }

        return null;
    }

    private static bool IsDirective(List<Token> toks, int i, string name) =>
        i + 1 < toks.Count && toks[i].AtStartOfLine && toks[i].Is("#") && !toks[i + 1].AtStartOfLine
        && toks[i + 1].Kind == TokenKind.Identifier && toks[i + 1].Text == name;

    private static string DirectoryOf(string path)
    {
        string? dir = Path.GetDirectoryName(path);
        return dir ?? "";
    }

    private static string SafeFullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return path;
        }
    }
}
