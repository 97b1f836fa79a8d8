using System.Runtime.CompilerServices;
using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Lex;
using Lantern.C.Types;

namespace Lantern.C.Parse;

/// <summary>Thrown after a syntax error was reported; caught at the next statement/declaration boundary.</summary>
internal sealed class ParseErrorException : Exception
{
    public static readonly ParseErrorException Instance = new();
}

/// <summary>
/// Recursive-descent C11 parser and type checker (after chibicc's parse.c: one method per grammar rule).
/// Produces a typed AST of functions (<see cref="Obj"/> with <see cref="Obj.Body"/>) and global variables
/// with their initial bytes.
/// </summary>
internal sealed partial class Parser
{
    private sealed class VarEntry
    {
        public Obj? Var;
        public CType? TypeDef;
        public CType? EnumType;
        public long EnumVal;
    }

    private sealed class Scope
    {
        public Dictionary<string, VarEntry>? Vars;
        public Dictionary<string, CType>? Tags;
        public List<Obj>? Locals;
    }

    private struct VarAttr
    {
        public bool IsTypedef;
        public bool IsStatic;
        public bool IsExtern;
        public bool IsInline;
        public bool IsThreadLocal;
        public int Align;
    }

    private Token[] _tokens;
    private int _pos;
    private readonly DiagnosticBag _diag;
    private readonly List<Scope> _scopes = new();

    /// <summary>All file-scope objects (functions and variables) in order of first declaration.</summary>
    public readonly List<Obj> Globals = new();

    /// <summary>Anonymous globals (string literals, file-scope compound literals) in creation order.</summary>
    public readonly List<Obj> Anonymous = new();

    private readonly Dictionary<string, Obj> _globalByName = new();
    private readonly Dictionary<string, Obj> _stringLiterals = new();

    // per-function state
    private Obj? _currentFn;
    private List<Node>? _gotos;
    private Dictionary<string, Node>? _labels;
    private Node? _currentSwitch;
    private Node? _breakTarget;
    private Node? _continueTarget;

    private readonly Dictionary<CType, Node> _vlaLength = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<CType, Obj> _vlaSize = new(ReferenceEqualityComparer.Instance);

    private int _uniqueId;
    private int _protoDepth;

    /// <summary>Parameter objects made while parsing a prototype, reused by the function definition.</summary>
    private readonly Dictionary<CType, List<Obj?>> _paramObjs = new(ReferenceEqualityComparer.Instance);

    private readonly Dictionary<CType, CType> _pointerTypes = new(ReferenceEqualityComparer.Instance);

    /// <summary>The (shared) unqualified pointer type to <paramref name="t"/>.</summary>
    private CType Ptr(CType t)
    {
        if (!_pointerTypes.TryGetValue(t, out CType? p))
        {
            p = CType.PointerTo(t);
            _pointerTypes[t] = p;
        }

        return p;
    }
    private string? _declName;
    private SourceLocation _declNameLoc;

    private static readonly HashSet<string> s_typeKeywords = new()
    {
        "void", "_Bool", "char", "short", "int", "long", "struct", "union", "typedef", "enum", "static", "extern",
        "_Alignas", "signed", "unsigned", "const", "volatile", "auto", "register", "restrict", "__restrict",
        "__restrict__", "_Noreturn", "float", "double", "typeof", "__typeof__", "__typeof", "inline", "_Thread_local",
        "__thread", "_Atomic", "__attribute__", "__extension__", "__inline", "__inline__", "__const", "__volatile__",
        "__volatile", "__signed__", "__signed", "_Complex", "__int128",
    };

    private static readonly HashSet<string> s_keywords = new(s_typeKeywords)
    {
        "return", "if", "else", "for", "while", "do", "goto", "break", "continue", "switch", "case", "default",
        "sizeof", "_Alignof", "__alignof__", "_Generic", "_Static_assert", "asm", "__asm__", "__asm",
    };

    public Parser(List<Token> tokens, DiagnosticBag diag)
    {
        _tokens = tokens.ToArray();
        _diag = diag;
        _scopes.Add(new Scope());
        CType vaTag = new(TypeKind.Struct, -1, 1) { Tag = "__va_list_tag", IsIncomplete = true };
        TypeRules.Layout(vaTag, new List<Member>
        {
            new() { Name = "gp_offset", Type = CType.UInt },
            new() { Name = "fp_offset", Type = CType.UInt },
            new() { Name = "overflow_arg_area", Type = CType.PointerTo(CType.Void) },
            new() { Name = "reg_save_area", Type = CType.PointerTo(CType.Void) },
        }, false, 1);
        VaListType = CType.ArrayOf(vaTag, 1);
        PushTypedef("__builtin_va_list", VaListType);
    }

    public CType VaListType { get; }

    // ---------------------------------------------------------------------------------------------
    // Token helpers

    private Token Tok
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _tokens[_pos];
    }

    private Token Peek(int n) => _tokens[Math.Min(_pos + n, _tokens.Length - 1)];

    private bool AtEof => _tokens[_pos].Kind == TokenKind.EndOfFile;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Is(string s)
    {
        Token t = _tokens[_pos];
        return t.Kind <= TokenKind.Punct && t.Text == s;
    }

    private bool Consume(string s)
    {
        if (Is(s))
        {
            _pos++;
            return true;
        }

        return false;
    }

    private Token Next()
    {
        Token t = _tokens[_pos];
        if (t.Kind != TokenKind.EndOfFile)
        {
            _pos++;
        }

        return t;
    }

    private void Expect(string s)
    {
        if (Is(s))
        {
            _pos++;
            return;
        }

        ExpectedError("'" + s + "'", s == ";");
    }

    /// <summary>Reports "expected X before Y" and throws to recover.</summary>
    private void ExpectedError(string what, bool atPreviousEnd = false)
    {
        Token t = Tok;
        SourceLocation loc = t.Location;
        if (atPreviousEnd && _pos > 0)
        {
            Token p = _tokens[_pos - 1];
            loc = p.Location with { Column = p.Location.Column + p.Text.Length };
        }

        if (t.Kind == TokenKind.EndOfFile)
        {
            _diag.Error(loc, $"expected {what} at end of input");
        }
        else
        {
            _diag.Error(loc, $"expected {what} before {Describe(t)}");
        }

        throw ParseErrorException.Instance;
    }

    private static string Describe(Token t) => t.Kind switch
    {
        TokenKind.Punct => "'" + t.Text + "' token",
        TokenKind.Number => "numeric constant",
        TokenKind.StringLiteral => "string constant",
        TokenKind.CharLiteral => "character constant",
        TokenKind.EndOfFile => "end of input",
        _ => "'" + t.Text + "'",
    };

    private void Error(SourceLocation loc, string msg) => _diag.Error(loc, msg);

    private void Warn(SourceLocation loc, string msg) => _diag.Warning(loc, msg);

    private Exception Fatal(SourceLocation loc, string msg)
    {
        _diag.Error(loc, msg);
        return ParseErrorException.Instance;
    }

    private Token ExpectIdent()
    {
        Token t = Tok;
        if (t.Kind != TokenKind.Identifier || s_keywords.Contains(t.Text))
        {
            ExpectedError("identifier");
        }

        _pos++;
        return t;
    }

    // ---------------------------------------------------------------------------------------------
    // Scopes

    private void EnterScope() => _scopes.Add(new Scope());

    private Scope LeaveScope()
    {
        Scope s = _scopes[^1];
        _scopes.RemoveAt(_scopes.Count - 1);
        return s;
    }

    private Scope CurrentScope => _scopes[^1];

    private VarEntry? FindVar(string name)
    {
        for (int i = _scopes.Count - 1; i >= 0; i--)
        {
            Dictionary<string, VarEntry>? vars = _scopes[i].Vars;
            if (vars is not null && vars.TryGetValue(name, out VarEntry? e))
            {
                return e;
            }
        }

        return null;
    }

    private VarEntry PushScopeEntry(string name)
    {
        Scope s = CurrentScope;
        s.Vars ??= new Dictionary<string, VarEntry>();
        var e = new VarEntry();
        s.Vars[name] = e;
        return e;
    }

    private VarEntry? FindInCurrentScope(string name)
    {
        Dictionary<string, VarEntry>? vars = CurrentScope.Vars;
        return vars is not null && vars.TryGetValue(name, out VarEntry? e) ? e : null;
    }

    private void PushTypedef(string name, CType t) => PushScopeEntry(name).TypeDef = t;

    private CType? FindTag(string tag)
    {
        for (int i = _scopes.Count - 1; i >= 0; i--)
        {
            Dictionary<string, CType>? tags = _scopes[i].Tags;
            if (tags is not null && tags.TryGetValue(tag, out CType? t))
            {
                return t;
            }
        }

        return null;
    }

    private void PushTag(string tag, CType t)
    {
        Scope s = CurrentScope;
        s.Tags ??= new Dictionary<string, CType>();
        s.Tags[tag] = t;
    }

    private CType? FindTypedef(Token tok)
    {
        if (tok.Kind != TokenKind.Identifier)
        {
            return null;
        }

        VarEntry? e = FindVar(tok.Text);
        return e?.TypeDef;
    }

    private bool IsTypename(Token tok)
    {
        if (tok.Kind != TokenKind.Identifier)
        {
            return false;
        }

        return s_typeKeywords.Contains(tok.Text) || FindTypedef(tok) is not null;
    }

    /// <summary>Creates a local variable in the current scope.</summary>
    private Obj NewLocal(string name, CType type, SourceLocation loc, bool temp = false)
    {
        var v = new Obj(name, type, loc) { IsLocal = true, IsTemp = temp, IsDefinition = true };
        if (!temp)
        {
            VarEntry? prev = FindInCurrentScope(name);
            if (prev is not null && prev.Var is not null && !prev.Var.IsExtern)
            {
                Error(loc, $"redefinition of '{name}'");
            }

            PushScopeEntry(name).Var = v;
        }

        Scope s = CurrentScope;
        s.Locals ??= new List<Obj>();
        s.Locals.Add(v);
        return v;
    }

    private Obj NewTemp(CType type, SourceLocation loc) => NewLocal("", type, loc, temp: true);

    private string NewUniqueName(string prefix) => prefix + (_uniqueId++).ToString(System.Globalization.CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------------------------------------
    // Translation unit

    // program = (typedef | function-definition | global-variable | static-assert | ";")*
    public void ParseTranslationUnit()
    {
        while (!AtEof)
        {
            int start = _pos;
            try
            {
                ExternalDeclaration();
            }
            catch (Exception e) when (e is ParseErrorException or InsufficientExecutionStackException)
            {
                if (e is InsufficientExecutionStackException)
                {
                    Error(_tokens[start].Location, "declaration too deeply nested");
                }

                while (_scopes.Count > 1)
                {
                    LeaveScope();
                }

                _currentFn = null;
                _currentSwitch = null;
                _breakTarget = null;
                _continueTarget = null;
                if (_pos == start)
                {
                    _pos++;
                }

                SkipToDeclarationEnd();
            }
        }
    }

    private void SkipToDeclarationEnd()
    {
        int depth = 0;
        while (!AtEof)
        {
            Token t = Tok;
            if (t.Kind == TokenKind.Punct)
            {
                if (t.Text == "{" )
                {
                    depth++;
                }
                else if (t.Text == "}")
                {
                    depth--;
                    if (depth <= 0)
                    {
                        _pos++;
                        if (Is(";"))
                        {
                            _pos++;
                        }

                        return;
                    }
                }
                else if (t.Text == ";" && depth == 0)
                {
                    _pos++;
                    return;
                }
            }

            _pos++;
        }
    }

    private void ExternalDeclaration()
    {
        if (Consume(";"))
        {
            return;
        }

        if (Is("_Static_assert"))
        {
            StaticAssert();
            return;
        }

        if (Is("asm") || Is("__asm__") || Is("__asm"))
        {
            throw Fatal(Tok.Location, "inline assembly is not supported");
        }

        var attr = new VarAttr();
        Token first = Tok;
        CType basety;
        if (IsUnknownTypeName(first))
        {
            Error(first.Location, $"unknown type name '{first.Text}'");
            _pos++;
            basety = CType.Int;
        }
        else if (!IsTypename(first))
        {
            if (first.Kind != TokenKind.Identifier || s_keywords.Contains(first.Text))
            {
                ExpectedError("identifier or '('");
            }

            // implicit int (old code): "main() { ... }", "x;"
            Warn(first.Location, "type defaults to 'int' in declaration");
            basety = CType.Int;
        }
        else
        {
            basety = DeclSpec(ref attr, allowStorage: true);
        }

        if (attr.IsTypedef)
        {
            ParseTypedef(basety);
            return;
        }

        if (Consume(";"))
        {
            return; // struct/enum declaration
        }

        bool firstDecl = true;
        while (true)
        {
            Token nameTok = Tok;
            _declName = null;
            CType ty = Declarator(basety, out Token? name);
            if (name is null)
            {
                throw Fatal(nameTok.Location, "identifier expected in declaration");
            }

            if (ty.Kind == TypeKind.Function)
            {
                if (firstDecl && (Is("{") || (IsTypename(Tok) && ty.IsOldStyle)))
                {
                    FunctionDefinition(ty, name, attr);
                    return;
                }

                DeclareFunction(ty, name, attr, isDefinition: false);
            }
            else
            {
                GlobalVariable(ty, name, attr);
            }

            firstDecl = false;
            if (Consume(";"))
            {
                return;
            }

            if (!Consume(","))
            {
                ExpectedError("',' or ';'");
            }
        }
    }

    // static-assert = "_Static_assert" "(" const-expr ("," string)? ")" ";"
    private void StaticAssert()
    {
        Token kw = Next();
        Expect("(");
        Node e = Conditional();
        string msg = "static assertion failed";
        if (Consume(","))
        {
            if (Tok.Kind == TokenKind.StringLiteral)
            {
                Node s = StringLiteral();
                msg = "static assertion failed: \"" + StringValue(s) + "\"";
            }
        }

        Expect(")");
        Expect(";");
        if (!TryEvalInt(e, out long v))
        {
            Error(e.Loc, "expression in static assertion is not constant");
        }
        else if (v == 0)
        {
            Error(kw.Location, msg);
        }
    }

    private void ParseTypedef(CType basety)
    {
        bool first = true;
        while (!Consume(";"))
        {
            if (!first)
            {
                Expect(",");
            }

            first = false;
            CType ty = Declarator(basety, out Token? name);
            if (name is null)
            {
                throw Fatal(Tok.Location, "typedef name omitted");
            }

            SkipAttributes();
            VarEntry? prev = FindInCurrentScope(name.Text);
            if (prev is not null && prev.TypeDef is null)
            {
                Error(name.Location, $"'{name.Text}' redeclared as different kind of symbol");
            }

            // A complete struct or union gets a named copy too (for the debug info: gdb's `whatis` and `sizeof(Point)`);
            // an incomplete one stays shared, as its completion later must be seen through the typedef.
            bool named = ty.TypedefName is null && (ty.Kind is TypeKind.Struct or TypeKind.Union ? !ty.IsIncomplete : ty.Kind is not (TypeKind.Array or TypeKind.Function));
            PushTypedef(name.Text, named ? ty.AsTypedef(name.Text) : ty);
        }
    }

    private Obj DeclareFunction(CType ty, Token name, VarAttr attr, bool isDefinition)
    {
        string n = name.Text;
        if (_scopes.Count > 1 && !isDefinition)
        {
            VarEntry? local = FindInCurrentScope(n);
            if (local is not null && local.Var is not null && !local.Var.IsFunction)
            {
                Error(name.Location, $"'{n}' redeclared as different kind of symbol");
            }
        }

        if (_globalByName.TryGetValue(n, out Obj? fn))
        {
            if (!fn.IsFunction)
            {
                Error(name.Location, $"'{n}' redeclared as different kind of symbol");
            }
            else if (!TypeRules.IsCompatible(fn.Type, ty))
            {
                Error(name.Location, $"conflicting types for '{n}'");
            }
            else if (!ty.IsOldStyle || fn.Type.IsOldStyle)
            {
                if (!(ty.IsOldStyle && !fn.Type.IsOldStyle))
                {
                    fn.Type = ty;
                }
            }

            fn.IsStatic |= attr.IsStatic;
            fn.IsInline |= attr.IsInline;
        }
        else
        {
            fn = new Obj(n, ty, name.Location)
            {
                IsFunction = true, IsStatic = attr.IsStatic, IsInline = attr.IsInline, Symbol = n,
            };
            _globalByName[n] = fn;
            Globals.Add(fn);
            _scopes[0].Vars ??= new Dictionary<string, VarEntry>();
            _scopes[0].Vars![n] = new VarEntry { Var = fn };
        }

        if (_scopes.Count > 1 && !isDefinition)
        {
            PushScopeEntry(n).Var = fn;
        }

        if (isDefinition)
        {
            fn.Type = ty;
            fn.Loc = name.Location;
        }

        return fn;
    }

    // function-definition = declspec declarator kr-declarations? compound-stmt
    private void FunctionDefinition(CType ty, Token name, VarAttr attr)
    {
        List<Parameter> ps = ty.Parameters;
        bool oldStyle = ty.IsOldStyle;
        EnterScope();
        var kr = new Dictionary<string, CType>();
        if (oldStyle && !Is("{"))
        {
            // K&R parameter declarations
            while (IsTypename(Tok))
            {
                var pattr = new VarAttr();
                CType bt = DeclSpec(ref pattr, allowStorage: true);
                bool firstP = true;
                while (!Consume(";"))
                {
                    if (!firstP)
                    {
                        Expect(",");
                    }

                    firstP = false;
                    CType pt = Declarator(bt, out Token? pn);
                    if (pn is null)
                    {
                        continue;
                    }

                    kr[pn.Text] = pt;
                }
            }

            var newPs = new List<Parameter>(ps.Count);
            foreach (Parameter p in ps)
            {
                CType pt = p.Name is not null && kr.TryGetValue(p.Name, out CType? t) ? AdjustParamType(t) : CType.Int;
                if (pt.Kind == TypeKind.Float)
                {
                    pt = CType.Double;
                }

                newPs.Add(p with { Type = pt });
            }

            ty = TypeRules.FunctionOf(ty.Base!, newPs, false, oldStyle: ps.Count == 0);
            ps = newPs;
        }

        Obj fn = DeclareFunction(ty, name, attr, isDefinition: true);
        if (fn.IsDefinition)
        {
            Error(name.Location, $"redefinition of '{name.Text}'");
        }

        fn.IsDefinition = true;
        fn.Type = ty;
        _currentFn = fn;
        _gotos = new List<Node>();
        _labels = new Dictionary<string, Node>();
        fn.Params = new List<Obj>(ps.Count);
        var prologue = new List<Node>();
        _paramObjs.TryGetValue(ty, out List<Obj?>? protoObjs);
        for (int pi = 0; pi < ps.Count; pi++)
        {
            Parameter p = ps[pi];
            CType pt = p.Type;
            if (pt.Kind == TypeKind.Void)
            {
                Error(p.Location, "parameter has void type");
                pt = CType.Int;
            }

            Obj? proto = protoObjs is not null && pi < protoObjs.Count ? protoObjs[pi] : null;
            Obj v;
            if (proto is not null && p.Name is not null)
            {
                if (FindInCurrentScope(p.Name) is { Var: not null })
                {
                    Error(p.Location, $"redefinition of parameter '{p.Name}'");
                }

                proto.Type = pt;
                PushScopeEntry(p.Name).Var = proto;
                v = proto;
            }
            else
            {
                v = p.Name is null
                    ? NewTemp(pt, p.Location)
                    : NewLocal(p.Name, pt, p.Location);
            }
            v.IsParam = true;
            fn.Params.Add(v);
            if (pt.Kind == TypeKind.Pointer && ContainsVla(pt.Base!))
            {
                prologue.Add(ExprStmt(ComputeVlaSize(pt.Base!, p.Location), p.Location));
            }
        }

        if (ty.IsVariadic)
        {
            // nothing to allocate: VaStart reads the incoming registers itself
        }

        Token open = Tok;
        Node body = CompoundStmt(newScope: false);
        if (prologue.Count > 0)
        {
            body.Body!.InsertRange(0, prologue);
        }

        Scope sc = LeaveScope();
        body.Locals = sc.Locals;
        fn.Body = body;
        fn.EndLoc = body.EndLoc;
        foreach (Node g in _gotos)
        {
            if (!_labels.ContainsKey(g.Label!))
            {
                Error(g.Loc, $"label '{g.Label}' used but not defined");
            }
        }

        _currentFn = null;
        _gotos = null;
        _labels = null;
    }

    private bool ContainsVla(CType t)
    {
        while (t.Kind == TypeKind.Array)
        {
            if (t.IsVla)
            {
                return true;
            }

            t = t.Base!;
        }

        return false;
    }

    private void GlobalVariable(CType ty, Token name, VarAttr attr)
    {
        string n = name.Text;
        SkipAttributes();
        bool hasInit = Is("=");
        bool isExtern = attr.IsExtern && !hasInit;
        Obj? v;
        if (_globalByName.TryGetValue(n, out v))
        {
            if (v.IsFunction)
            {
                Error(name.Location, $"'{n}' redeclared as different kind of symbol");
            }
            else if (!TypeRules.IsCompatible(v.Type, ty))
            {
                Error(name.Location, $"conflicting types for '{n}'");
            }
            else if (v.Type.Kind == TypeKind.Array && v.Type.ArrayLength < 0)
            {
                v.Type = ty;
            }

            if (hasInit && v.InitData is not null)
            {
                Error(name.Location, $"redefinition of '{n}'");
            }

            v.IsStatic |= attr.IsStatic;
            if (!isExtern)
            {
                v.IsExtern = false;
                if (!hasInit)
                {
                    v.IsTentative = true;
                }
            }
        }
        else
        {
            v = new Obj(n, ty, name.Location)
            {
                IsStatic = attr.IsStatic, IsExtern = isExtern, IsTentative = !isExtern && !hasInit, Symbol = n,
            };
            _globalByName[n] = v;
            Globals.Add(v);
            _scopes[0].Vars ??= new Dictionary<string, VarEntry>();
            _scopes[0].Vars![n] = new VarEntry { Var = v };
        }

        if (_scopes.Count > 1)
        {
            PushScopeEntry(n).Var = v;
        }

        if (hasInit)
        {
            _pos++;
            GlobalInitializer(v, ty);
            v.IsDefinition = true;
            v.IsTentative = false;
        }
        else if (!isExtern)
        {
            CType u = v.Type.Unqualified;
            if (u.Kind == TypeKind.Array && u.ArrayLength < 0)
            {
                // completed as one element at the end of the unit if nothing else completes it
            }
            else if (u.Size < 0 || u.IsIncomplete && u.IsRecord)
            {
                // may be completed later in the unit; checked at the end
            }
        }

        if (attr.Align > 0)
        {
            _alignOverride[v] = attr.Align;
        }
    }

    private readonly Dictionary<Obj, int> _alignOverride = new(ReferenceEqualityComparer.Instance);

    /// <summary>Alignment of a variable, honouring _Alignas.</summary>
    public int AlignOf(Obj v)
    {
        int a = v.Type.Unqualified.Align;
        if (v.Type.Kind == TypeKind.Array)
        {
            a = v.Type.Align;
        }

        if (_alignOverride.TryGetValue(v, out int o))
        {
            a = Math.Max(a, o);
        }

        return Math.Max(1, a);
    }

    /// <summary>
    /// Parses and type-checks one translation unit and checks its tentative definitions. The parser takes the
    /// tokens from <paramref name="tokens"/> and sets it to null (the caller's reference too), then drops its own
    /// copy once parsed (<see cref="ReleaseTokens"/>): they are garbage then. Errors go to
    /// <paramref name="diagnostics"/>; the parser holds the tree for the <see cref="Lower.Lowerer"/>.
    /// </summary>
    public static Parser ParseUnit(ref List<Token>? tokens, DiagnosticBag diagnostics)
    {
        var parser = new Parser(tokens!, diagnostics);
        tokens = null;
        parser.ParseTranslationUnit();
        parser.FinishUnit();
        parser.ReleaseTokens();
        return parser;
    }

    /// <summary>
    /// Drops the parser's token array once the unit is parsed: the tree keeps locations, not tokens, and the tokens
    /// are about half of what the front end holds (~40 MB for bench/frontend's 56k lines), so the lowering and the
    /// JIT can reuse that memory instead of touching fresh pages.
    /// </summary>
    public void ReleaseTokens() => _tokens = Array.Empty<Token>();

    /// <summary>Checks tentative definitions at the end of the unit.</summary>
    public void FinishUnit()
    {
        foreach (Obj v in Globals)
        {
            if (v.IsFunction || v.IsExtern || v.IsDefinition)
            {
                continue;
            }

            if (v.IsTentative)
            {
                CType u = v.Type;
                if (u.Kind == TypeKind.Array && u.ArrayLength < 0)
                {
                    v.Type = CType.ArrayOf(u.Base!, 1);
                }
                else if (SizeOf(u) < 0)
                {
                    Error(v.Loc, $"storage size of '{v.Name}' isn't known");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Types

    /// <summary>Size of a type, looking through typedef copies of structs (which may have been completed since).</summary>
    public static int SizeOf(CType t)
    {
        if (t.Kind is TypeKind.Struct or TypeKind.Union)
        {
            CType u = t.Unqualified;
            return u.IsIncomplete ? -1 : u.Size;
        }

        return t.Size;
    }

    private static bool IsIncompleteType(CType t)
    {
        if (t.Kind is TypeKind.Struct or TypeKind.Union)
        {
            return t.Unqualified.IsIncomplete;
        }

        if (t.Kind == TypeKind.Array)
        {
            return t.ArrayLength < 0 && !t.IsVla;
        }

        return t.Kind == TypeKind.Void;
    }

    private static CType Qualify(CType t, TypeQualifiers q)
    {
        if (q == TypeQualifiers.None || t.Kind is TypeKind.Struct or TypeKind.Union or TypeKind.Array or TypeKind.Function)
        {
            return t;
        }

        return t.WithQualifiers(t.Qualifiers | q);
    }

    private void SkipAttributes()
    {
        while (Is("__attribute__") || Is("__asm__") || Is("__asm") || Is("asm"))
        {
            bool isAsm = !Is("__attribute__");
            _pos++;
            SkipParens(isAsm ? null : _attrSink);
        }
    }

    private List<string>? _attrSink;

    private void SkipParens(List<string>? sink)
    {
        Expect("(");
        int depth = 1;
        while (depth > 0 && !AtEof)
        {
            Token t = Next();
            if (t.Kind == TokenKind.Punct)
            {
                if (t.Text == "(")
                {
                    depth++;
                }
                else if (t.Text == ")")
                {
                    depth--;
                }
            }
            else if (t.Kind == TokenKind.Identifier && sink is not null)
            {
                sink.Add(t.Text);
                if ((t.Text == "aligned" || t.Text == "__aligned__") && Is("(") && Peek(1).Kind == TokenKind.Number && Peek(2).Is(")"))
                {
                    sink.Add(Peek(1).Text);
                }
            }
        }
    }

    // declspec = ("void" | "_Bool" | "char" | "short" | "int" | "long" | "float" | "double" | "signed" | "unsigned"
    //             | struct-decl | union-decl | enum-decl | typedef-name | typeof
    //             | "typedef" | "static" | "extern" | "inline" | "_Thread_local" | "auto" | "register" | "_Noreturn"
    //             | "const" | "volatile" | "restrict" | "_Atomic" | "_Alignas" ("(" (typename | const-expr) ")")
    //             | attribute)+
    private CType DeclSpec(ref VarAttr attr, bool allowStorage)
    {
        const int VOID = 1 << 0, BOOL = 1 << 2, CHAR = 1 << 4, SHORT = 1 << 6, INT = 1 << 8, LONG = 1 << 10,
            FLOAT = 1 << 12, DOUBLE = 1 << 14, OTHER = 1 << 16, SIGNED = 1 << 17, UNSIGNED = 1 << 18;
        CType ty = CType.Int;
        int counter = 0;
        TypeQualifiers quals = TypeQualifiers.None;
        Token start = Tok;
        while (IsTypename(Tok))
        {
            Token tok = Tok;
            string s = tok.Text;
            switch (s)
            {
                case "typedef":
                case "static":
                case "extern":
                case "inline":
                case "__inline":
                case "__inline__":
                case "_Thread_local":
                case "__thread":
                case "auto":
                case "register":
                case "_Noreturn":
                    if (!allowStorage)
                    {
                        Error(tok.Location, "storage class specified in this context");
                    }

                    if (s == "typedef")
                    {
                        attr.IsTypedef = true;
                    }
                    else if (s == "static")
                    {
                        attr.IsStatic = true;
                    }
                    else if (s == "extern")
                    {
                        attr.IsExtern = true;
                    }
                    else if (s is "inline" or "__inline" or "__inline__")
                    {
                        attr.IsInline = true;
                    }
                    else if (s is "_Thread_local" or "__thread")
                    {
                        attr.IsThreadLocal = true;
                    }

                    if (attr.IsTypedef && (attr.IsStatic || attr.IsExtern || attr.IsInline || attr.IsThreadLocal))
                    {
                        Error(tok.Location, "multiple storage classes in declaration specifiers");
                    }

                    _pos++;
                    continue;
                case "const":
                case "__const":
                    quals |= TypeQualifiers.Const;
                    _pos++;
                    continue;
                case "volatile":
                case "__volatile__":
                case "__volatile":
                    quals |= TypeQualifiers.Volatile;
                    _pos++;
                    continue;
                case "restrict":
                case "__restrict":
                case "__restrict__":
                    quals |= TypeQualifiers.Restrict;
                    _pos++;
                    continue;
                case "_Atomic":
                    _pos++;
                    if (Is("("))
                    {
                        _pos++;
                        ty = TypeName();
                        Expect(")");
                        counter += OTHER;
                    }

                    continue;
                case "_Complex":
                    throw Fatal(tok.Location, "_Complex types are not supported");
                case "__int128":
                    throw Fatal(tok.Location, "__int128 is not supported");
                case "__extension__":
                    _pos++;
                    continue;
                case "__attribute__":
                    SkipAttributes();
                    continue;
                case "_Alignas":
                {
                    _pos++;
                    Expect("(");
                    if (IsTypename(Tok))
                    {
                        attr.Align = TypeName().Align;
                    }
                    else
                    {
                        attr.Align = (int)ConstExpr();
                    }

                    Expect(")");
                    continue;
                }
            }

            CType? td = null;
            bool isTagOrTypeof = s is "struct" or "union" or "enum" or "typeof" or "__typeof__" or "__typeof";
            if (!isTagOrTypeof)
            {
                td = FindTypedef(tok);
            }

            if (isTagOrTypeof || td is not null)
            {
                if (counter != 0)
                {
                    break;
                }

                if (s == "struct")
                {
                    _pos++;
                    ty = StructUnionDecl(TypeKind.Struct);
                }
                else if (s == "union")
                {
                    _pos++;
                    ty = StructUnionDecl(TypeKind.Union);
                }
                else if (s == "enum")
                {
                    _pos++;
                    ty = EnumSpecifier();
                }
                else if (isTagOrTypeof)
                {
                    _pos++;
                    ty = TypeofSpecifier();
                }
                else
                {
                    ty = td!;
                    _pos++;
                }

                counter += OTHER;
                continue;
            }

            switch (s)
            {
                case "void": counter += VOID; break;
                case "_Bool": counter += BOOL; break;
                case "char": counter += CHAR; break;
                case "short": counter += SHORT; break;
                case "int": counter += INT; break;
                case "long": counter += LONG; break;
                case "float": counter += FLOAT; break;
                case "double": counter += DOUBLE; break;
                case "signed":
                case "__signed__":
                case "__signed":
                    counter |= SIGNED;
                    break;
                case "unsigned": counter |= UNSIGNED; break;
            }

            switch (counter)
            {
                case VOID: ty = CType.Void; break;
                case BOOL: ty = CType.Bool; break;
                case CHAR: ty = CType.Char; break;
                case SIGNED + CHAR: ty = CType.SChar; break;
                case UNSIGNED + CHAR: ty = CType.UChar; break;
                case SHORT:
                case SHORT + INT:
                case SIGNED + SHORT:
                case SIGNED + SHORT + INT:
                    ty = CType.Short;
                    break;
                case UNSIGNED + SHORT:
                case UNSIGNED + SHORT + INT:
                    ty = CType.UShort;
                    break;
                case INT:
                case SIGNED:
                case SIGNED + INT:
                    ty = CType.Int;
                    break;
                case UNSIGNED:
                case UNSIGNED + INT:
                    ty = CType.UInt;
                    break;
                case LONG:
                case LONG + INT:
                case SIGNED + LONG:
                case SIGNED + LONG + INT:
                    ty = CType.Long;
                    break;
                case LONG + LONG:
                case LONG + LONG + INT:
                case SIGNED + LONG + LONG:
                case SIGNED + LONG + LONG + INT:
                    ty = CType.LongLong;
                    break;
                case UNSIGNED + LONG:
                case UNSIGNED + LONG + INT:
                    ty = CType.ULong;
                    break;
                case UNSIGNED + LONG + LONG:
                case UNSIGNED + LONG + LONG + INT:
                    ty = CType.ULongLong;
                    break;
                case FLOAT: ty = CType.Float; break;
                case DOUBLE: ty = CType.Double; break;
                case LONG + DOUBLE: ty = CType.LongDouble; break;
                default:
                    Error(tok.Location, "two or more data types in declaration specifiers");
                    break;
            }

            _pos++;
        }

        return Qualify(ty, quals);
    }

    // typeof = "(" (type-name | expr) ")"
    private CType TypeofSpecifier()
    {
        Expect("(");
        CType t;
        if (IsTypename(Tok))
        {
            t = TypeName();
        }
        else
        {
            Node e = Expr();
            t = e.Type;
        }

        Expect(")");
        return t;
    }

    // struct-decl = attribute? ident? ("{" struct-members "}")? attribute?
    private CType StructUnionDecl(TypeKind kind)
    {
        var attrs = new List<string>();
        List<string>? saved = _attrSink;
        _attrSink = attrs;
        SkipAttributes();
        Token? tag = null;
        if (Tok.Kind == TokenKind.Identifier && !Is("{"))
        {
            tag = ExpectIdent();
        }

        if (tag is not null && !Is("{"))
        {
            _attrSink = saved;
            CType? existing = FindTag(tag.Text);
            if (existing is not null && !(Is(";") && FindCurrentTag(tag.Text) is null))
            {
                if (existing.Kind != kind)
                {
                    Error(tag.Location, $"'{tag.Text}' defined as wrong kind of tag");
                }

                return existing;
            }

            var inc = new CType(kind, -1, 1) { Tag = tag.Text, IsIncomplete = true, Location = tag.Location };
            PushTag(tag.Text, inc);
            return inc;
        }

        Token open = Tok;
        Expect("{");
        CType ty;
        CType? prev = tag is null ? null : FindCurrentTag(tag.Text);
        if (prev is not null && prev.Kind == kind && prev.IsIncomplete)
        {
            ty = prev;
        }
        else
        {
            if (prev is not null)
            {
                Error(tag!.Location, $"redefinition of '{(kind == TypeKind.Struct ? "struct" : "union")} {tag.Text}'");
            }

            ty = new CType(kind, -1, 1) { Tag = tag?.Text, IsIncomplete = true, Location = (tag ?? open).Location };
            if (tag is not null)
            {
                PushTag(tag.Text, ty);
            }
        }

        List<Member> members = StructMembers(ty);
        _attrSink = attrs;
        SkipAttributes();
        _attrSink = saved;
        bool packed = attrs.Contains("packed") || attrs.Contains("__packed__");
        int minAlign = 1;
        for (int i = 0; i < attrs.Count - 1; i++)
        {
            if ((attrs[i] == "aligned" || attrs[i] == "__aligned__") && int.TryParse(attrs[i + 1], out int al))
            {
                minAlign = al;
            }
        }

        TypeRules.Layout(ty, members, packed, minAlign);
        return ty;
    }

    private CType? FindCurrentTag(string tag)
    {
        Dictionary<string, CType>? tags = CurrentScope.Tags;
        return tags is not null && tags.TryGetValue(tag, out CType? t) ? t : null;
    }

    // struct-members = (declspec declarator ("," declarator)* ";")* "}"
    private List<Member> StructMembers(CType owner)
    {
        var members = new List<Member>();
        while (!Consume("}"))
        {
            if (AtEof)
            {
                ExpectedError("'}'");
            }

            if (Is("_Static_assert"))
            {
                StaticAssert();
                continue;
            }

            if (Consume(";"))
            {
                continue;
            }

            var attr = new VarAttr();
            if (!IsTypename(Tok))
            {
                ExpectedError("specifier-qualifier-list");
            }

            CType basety = DeclSpec(ref attr, allowStorage: false);
            // anonymous struct/union member
            if (basety.Kind is TypeKind.Struct or TypeKind.Union && Consume(";"))
            {
                members.Add(new Member { Name = null, Type = basety, Location = Tok.Location });
                continue;
            }

            bool first = true;
            while (!Consume(";"))
            {
                if (!first)
                {
                    if (Is("}"))
                    {
                        Warn(Tok.Location, "no semicolon at end of struct or union");
                        break;
                    }

                    Expect(",");
                }

                first = false;
                Token loc = Tok;
                string? name = null;
                CType mt = basety;
                if (!Is(":"))
                {
                    mt = Declarator(basety, out Token? nameTok);
                    name = nameTok?.Text;
                    if (nameTok is not null)
                    {
                        loc = nameTok;
                    }
                }

                int width = -1;
                if (Consume(":"))
                {
                    Node we = Conditional();
                    if (!TryEvalInt(we, out long w))
                    {
                        Error(we.Loc, $"bit-field '{name}' width not an integer constant");
                        w = 1;
                    }
                    else if (w < 0)
                    {
                        Error(we.Loc, $"negative width in bit-field '{name}'");
                        w = 1;
                    }
                    else if (w > mt.Size * 8)
                    {
                        Error(we.Loc, $"width of '{name}' exceeds its type");
                        w = mt.Size * 8;
                    }
                    else if (w == 0 && name is not null)
                    {
                        Error(we.Loc, $"zero width for bit-field '{name}'");
                    }

                    if (!mt.IsInteger)
                    {
                        Error(loc.Location, $"bit-field '{name}' has invalid type");
                        mt = CType.Int;
                    }

                    width = (int)w;
                }

                SkipAttributes();
                if (mt.Kind == TypeKind.Function)
                {
                    Error(loc.Location, $"field '{name}' declared as a function");
                    mt = Ptr(mt);
                }
                else if (IsIncompleteType(mt) && !(mt.Kind == TypeKind.Array && mt.ArrayLength < 0))
                {
                    Error(loc.Location, $"field '{name}' has incomplete type");
                    mt = CType.Int;
                }

                members.Add(new Member { Name = name, Type = mt, BitWidth = width, Location = loc.Location, Alignas = attr.Align });
            }
        }

        for (int i = 0; i < members.Count; i++)
        {
            Member m = members[i];
            if (m.Type.Kind == TypeKind.Array && m.Type.ArrayLength < 0 && !m.Type.IsVla)
            {
                if (i != members.Count - 1 || owner.Kind == TypeKind.Union && false)
                {
                    Error(m.Location, "flexible array member not at end of struct");
                }

                owner.HasFlexibleArray = true;
            }
        }

        return members;
    }

    // enum-specifier = ident? "{" enum-list? "}"
    // enum-list      = ident ("=" num)? ("," ident ("=" num)?)* ","?
    private CType EnumSpecifier()
    {
        SkipAttributes();
        Token? tag = null;
        if (Tok.Kind == TokenKind.Identifier)
        {
            tag = ExpectIdent();
        }

        if (tag is not null && !Is("{"))
        {
            CType? existing = FindTag(tag.Text);
            if (existing is not null)
            {
                if (existing.Kind != TypeKind.Enum)
                {
                    Error(tag.Location, $"'{tag.Text}' defined as wrong kind of tag");
                }

                return existing;
            }

            var inc = new CType(TypeKind.Enum, 4, 4) { Tag = tag.Text, Location = tag.Location };
            PushTag(tag.Text, inc);
            return inc;
        }

        Token open = Tok;
        Expect("{");
        var ty = new CType(TypeKind.Enum, 4, 4) { Tag = tag?.Text, Location = (tag ?? open).Location };
        if (tag is not null)
        {
            CType? prev = FindCurrentTag(tag.Text);
            if (prev is not null && prev.Kind == TypeKind.Enum && prev.Enumerators.Count == 0)
            {
                ty = prev;
            }
            else
            {
                if (prev is not null)
                {
                    Error(tag.Location, $"redefinition of 'enum {tag.Text}'");
                }

                PushTag(tag.Text, ty);
            }
        }

        long val = 0;
        bool first = true;
        while (!Consume("}"))
        {
            if (!first)
            {
                Expect(",");
                if (Consume("}"))
                {
                    break;
                }
            }

            first = false;
            Token name = ExpectIdent();
            SkipAttributes();
            if (Consume("="))
            {
                Node e = Conditional();
                if (!TryEvalInt(e, out val))
                {
                    Error(e.Loc, $"enumerator value for '{name.Text}' is not an integer constant");
                }
            }

            VarEntry? prev = FindInCurrentScope(name.Text);
            if (prev is not null)
            {
                Error(name.Location, $"redeclaration of enumerator '{name.Text}'");
            }

            VarEntry e2 = PushScopeEntry(name.Text);
            e2.EnumType = ty;
            e2.EnumVal = val;
            ty.Enumerators.Add((name.Text, val));
            val++;
        }

        SkipAttributes();
        return ty;
    }

    // pointers = ("*" ("const" | "volatile" | "restrict" | attribute)*)*
    private CType Pointers(CType ty)
    {
        SkipAttributes();
        while (Consume("*"))
        {
            ty = Ptr(ty);
            TypeQualifiers q = TypeQualifiers.None;
            while (true)
            {
                if (Is("const") || Is("__const"))
                {
                    q |= TypeQualifiers.Const;
                }
                else if (Is("volatile") || Is("__volatile__") || Is("__volatile"))
                {
                    q |= TypeQualifiers.Volatile;
                }
                else if (Is("restrict") || Is("__restrict") || Is("__restrict__"))
                {
                    q |= TypeQualifiers.Restrict;
                }
                else if (Is("_Atomic"))
                {
                }
                else if (Is("__attribute__"))
                {
                    SkipAttributes();
                    continue;
                }
                else
                {
                    break;
                }

                _pos++;
            }

            ty = Qualify(ty, q);
        }

        return ty;
    }

    // declarator = pointers ("(" ident ")" | "(" declarator ")" | ident) type-suffix
    private CType Declarator(CType ty, out Token? name)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        ty = Pointers(ty);
        SkipAttributes();
        if (IsNestedDeclarator())
        {
            int start = _pos;
            _pos++;
            Declarator(CType.Int, out _);
            Expect(")");
            ty = TypeSuffix(ty);
            int end = _pos;
            _pos = start + 1;
            ty = Declarator(ty, out name);
            _pos = end;
            return ty;
        }

        name = null;
        if (Tok.Kind == TokenKind.Identifier && !s_keywords.Contains(Tok.Text))
        {
            name = Next();
            _declName = name.Text;
            _declNameLoc = name.Location;
        }

        ty = TypeSuffix(ty);
        SkipAttributes();
        return ty;
    }

    /// <summary>An undeclared identifier followed by an identifier: a misspelled or missing type name.</summary>
    private bool IsUnknownTypeName(Token t)
    {
        if (t.Kind != TokenKind.Identifier || s_keywords.Contains(t.Text) || FindVar(t.Text) is not null)
        {
            return false;
        }

        Token n = Peek(1);
        return n.Kind == TokenKind.Identifier && !s_keywords.Contains(n.Text) && FindTypedef(n) is null
            || n.Is("*") && Peek(2).Kind == TokenKind.Identifier && (Peek(3).Is(";") || Peek(3).Is("=") || Peek(3).Is(",")) && _currentFn is null;
    }

    /// <summary>"(" starts a nested declarator (not a parameter list).</summary>
    private bool IsNestedDeclarator()
    {
        if (!Is("("))
        {
            return false;
        }

        Token n = Peek(1);
        if (n.Is("__attribute__") || n.Is("*") || n.Is("("))
        {
            return true;
        }

        return !IsTypename(n) && !n.Is(")") && !n.Is("...");
    }

    // abstract-declarator = pointers ("(" abstract-declarator ")")? type-suffix
    private CType AbstractDeclarator(CType ty)
    {
        ty = Pointers(ty);
        SkipAttributes();
        if (IsNestedDeclarator())
        {
            int start = _pos;
            _pos++;
            AbstractDeclarator(CType.Int);
            Expect(")");
            ty = TypeSuffix(ty);
            int end = _pos;
            _pos = start + 1;
            ty = AbstractDeclarator(ty);
            _pos = end;
            return ty;
        }

        return TypeSuffix(ty);
    }

    // type-name = declspec abstract-declarator
    private CType TypeName()
    {
        var attr = new VarAttr();
        CType ty = DeclSpec(ref attr, allowStorage: false);
        return AbstractDeclarator(ty);
    }

    // type-suffix = "(" func-params | "[" array-dimensions | ε
    private CType TypeSuffix(CType ty)
    {
        if (Is("("))
        {
            _pos++;
            return FuncParams(ty);
        }

        if (Is("["))
        {
            _pos++;
            return ArrayDimensions(ty);
        }

        return ty;
    }

    // func-params = ("void" | param ("," param)* ("," "...")?)? ")"
    // param       = declspec declarator
    private CType FuncParams(CType ret)
    {
        Token open = _tokens[_pos - 1];
        if (ret.Kind == TypeKind.Function)
        {
            Error(open.Location, "function returning a function");
        }
        else if (ret.Kind == TypeKind.Array)
        {
            Error(open.Location, "function returning an array");
        }

        if (Is("void") && Peek(1).Is(")"))
        {
            _pos += 2;
            return TypeRules.FunctionOf(ret, new List<Parameter>(), false, false);
        }

        if (Consume(")"))
        {
            return TypeRules.FunctionOf(ret, new List<Parameter>(), false, oldStyle: true);
        }

        var ps = new List<Parameter>();
        // K&R identifier list
        if (Tok.Kind == TokenKind.Identifier && !IsTypename(Tok) && (Peek(1).Is(",") || Peek(1).Is(")")))
        {
            while (true)
            {
                Token n = ExpectIdent();
                ps.Add(new Parameter(n.Text, CType.Int, n.Location));
                if (Consume(")"))
                {
                    break;
                }

                Expect(",");
            }

            return TypeRules.FunctionOf(ret, ps, false, oldStyle: true);
        }

        bool variadic = false;
        string? savedName = _declName;
        // prototype scope: parameters are visible to later parameters (VLA sizes such as int a[n][m])
        EnterScope();
        _protoDepth++;
        var objs = new List<Obj?>();
        try
        {
        while (true)
        {
            if (Consume("..."))
            {
                variadic = true;
                Expect(")");
                break;
            }

            Token pt = Tok;
            var attr = new VarAttr();
            CType bt;
            if (IsUnknownTypeName(pt) || (pt.Kind == TokenKind.Identifier && !IsTypename(pt) && !s_keywords.Contains(pt.Text) && (Peek(1).Is("*") || Peek(1).Is(",") || Peek(1).Is(")")) && ps.Count > 0))
            {
                Error(pt.Location, $"unknown type name '{pt.Text}'");
                _pos++;
                bt = CType.Int;
            }
            else
            {
                if (!IsTypename(pt))
                {
                    ExpectedError("declaration specifiers or '...'");
                }

                bt = DeclSpec(ref attr, allowStorage: true);
            }

            CType t = Declarator(bt, out Token? name);
            CType adjusted = AdjustParamType(t);
            ps.Add(new Parameter(name?.Text, adjusted, name?.Location ?? pt.Location));
            Obj? po = null;
            if (name is not null)
            {
                po = new Obj(name.Text, adjusted, name.Location) { IsLocal = true, IsParam = true, IsDefinition = true };
                PushScopeEntry(name.Text).Var = po;
            }

            objs.Add(po);
            if (Consume(")"))
            {
                break;
            }

            Expect(",");
        }
        }
        finally
        {
            _protoDepth--;
            LeaveScope();
        }

        _declName = savedName;
        CType ft = TypeRules.FunctionOf(ret, ps, variadic, false);
        _paramObjs[ft] = objs;
        return ft;
    }

    /// <summary>Array and function parameters are adjusted to pointers (C11 6.7.6.3): the expression decay.</summary>
    private CType AdjustParamType(CType t) => Decay(t);

    // array-dimensions = ("static" | "restrict" | "const" | "volatile")* const-expr? "]" type-suffix
    private CType ArrayDimensions(CType ty)
    {
        while (Is("static") || Is("restrict") || Is("const") || Is("volatile") || Is("__restrict"))
        {
            _pos++;
        }

        if (Consume("]"))
        {
            ty = TypeSuffix(ty);
            CheckArrayElement(ty);
            return CType.ArrayOf(ty, -1);
        }

        Token st = Tok;
        string? name = _declName;
        Node e;
        if (Is("*") && Peek(1).Is("]"))
        {
            _pos++;
            e = NewNum(1, st.Location);
        }
        else
        {
            e = Conditional();
        }

        Expect("]");
        ty = TypeSuffix(ty);
        CheckArrayElement(ty);
        if (!e.Type.IsInteger)
        {
            Error(e.Loc, name is null ? "size of array has non-integer type" : $"size of array '{name}' has non-integer type");
            return CType.ArrayOf(ty, 1);
        }

        if (!ty.IsVla && TryEvalInt(e, out long len))
        {
            if (len < 0 || (!TypeRules.IsUnsignedType(e.Type) && len < 0))
            {
                Error(name is null ? e.Loc : _declNameLoc, name is null ? "size of array is negative" : $"size of array '{name}' is negative");
                len = 1;
            }

            if (len * Math.Max(1, SizeOf(ty)) > int.MaxValue)
            {
                Error(e.Loc, name is null ? "size of array is too large" : $"size of array '{name}' is too large");
                len = 1;
            }

            return CType.ArrayOf(ty, (int)len);
        }

        if (_currentFn is null && _protoDepth == 0)
        {
            Error(e.Loc, name is null ? "variably modified type at file scope" : $"variably modified '{name}' at file scope");
            return CType.ArrayOf(ty, 1);
        }

        var vla = new CType(TypeKind.Array, -1, ty.Align) { Base = ty, ArrayLength = -1, IsVla = true };
        _vlaLength[vla] = e;
        return vla;
    }

    private void CheckArrayElement(CType ty)
    {
        if (ty.Kind == TypeKind.Function)
        {
            Error(Tok.Location, "declaration of array of functions");
        }
        else if (IsIncompleteType(ty) && ty.Kind != TypeKind.Void)
        {
            if (ty.Kind == TypeKind.Array)
            {
                Error(Tok.Location, "array type has incomplete element type");
            }
        }
    }

    /// <summary>Builds the statements computing the byte size of a VLA type (and of its VLA element types).</summary>
    private Node ComputeVlaSize(CType ty, SourceLocation loc)
    {
        Node result = new Node(NodeKind.NullExpr, loc) { Type = CType.Void };
        if (ty.Kind != TypeKind.Array)
        {
            return result;
        }

        if (ContainsVla(ty.Base!))
        {
            result = ComputeVlaSize(ty.Base!, loc);
        }

        if (!ty.IsVla)
        {
            return result;
        }

        Obj sizeVar = NewTemp(CType.ULong, loc);
        _vlaSize[ty] = sizeVar;
        Node len = Cast(_vlaLength[ty], CType.ULong);
        Node elemSize = SizeNode(ty.Base!, loc);
        Node assign = NewAssignRaw(VarNode(sizeVar, loc), NewBinaryRaw(NodeKind.Mul, len, elemSize, CType.ULong, loc), loc);
        return NewComma(result, assign, loc);
    }

    /// <summary>sizeof as an expression (run-time for VLAs).</summary>
    private Node SizeNode(CType ty, SourceLocation loc)
    {
        if (ty.Kind == TypeKind.Array && ty.IsVla)
        {
            if (_vlaSize.TryGetValue(ty, out Obj? v))
            {
                return VarNode(v, loc);
            }

            Error(loc, "size of variable length array is not known here");
            return NewULong(1, loc);
        }

        if (ty.Kind == TypeKind.Array && ContainsVla(ty.Base!))
        {
            return NewBinaryRaw(NodeKind.Mul, SizeNode(ty.Base!, loc), NewULong(ty.ArrayLength, loc), CType.ULong, loc);
        }

        return NewULong(SizeOf(ty), loc);
    }
}
