using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Types;

namespace Lantern.C.Parse;

/// <summary>Kinds of AST nodes (chibicc's NodeKind, plus a few builtins).</summary>
public enum NodeKind : byte
{
    NullExpr,
    Num,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Assign,
    Cond,
    Comma,
    Member,
    Addr,
    Deref,
    Not,
    BitNot,
    Neg,
    LogAnd,
    LogOr,
    Cast,
    Funcall,
    StmtExpr,
    Var,
    MemZero,
    LabelVal,
    VaStart,
    VaArg,
    VaCopy,
    VlaAlloc,
    Alloca,
    BuiltinCall,

    // statements
    Return,
    If,
    For,
    Do,
    Switch,
    Case,
    Block,
    Goto,
    GotoExpr,
    Label,
    ExprStmt,
    Break,
    Continue,

    /// <summary><c>__builtin_trap()</c>: an expression of type void that raises SIGILL (lowers to Opcode.Trap).</summary>
    Trap,
}

/// <summary>An AST node; expressions carry their C type in <see cref="Type"/>.</summary>
/// <remarks>
/// Kept small (expressions are most nodes): fields used only by statements live in a lazily created
/// <see cref="StmtFields"/> object behind properties.
/// </remarks>
public sealed class Node(NodeKind kind, SourceLocation loc)
{
    public NodeKind Kind = kind;
    public CType Type = CType.Int;
    public SourceLocation Loc = loc;

    public Node? Lhs;
    public Node? Rhs;

    /// <summary>Integer value (Num of integer type), or the bits of <see cref="FVal"/>.</summary>
    public long Val;

    public Obj? Var;
    public Member? Member;

    /// <summary>Block statements, or call arguments.</summary>
    public List<Node>? Body;

    private StmtFields? _s;

    private StmtFields S => _s ??= new StmtFields();

    /// <summary>Floating value of a Num of floating type.</summary>
    public double FVal
    {
        get => BitConverter.Int64BitsToDouble(Val);
        set => Val = BitConverter.DoubleToInt64Bits(value);
    }

    // if / for / while / do / ?:
    public Node? Cond { get => _s?.Cond; set => S.Cond = value; }

    public Node? Then { get => _s?.Then; set => S.Then = value; }

    public Node? Els { get => _s?.Els; set => S.Els = value; }

    public Node? Init { get => _s?.Init; set => S.Init = value; }

    public Node? Inc { get => _s?.Inc; set => S.Inc = value; }

    /// <summary>Variables declared directly in a block (for scopes and debug info).</summary>
    public List<Obj>? Locals { get => _s?.Locals; set => S.Locals = value; }

    /// <summary>Goto/label name.</summary>
    public string? Label { get => _s?.Label; set => S.Label = value; }

    /// <summary>Function type of a call.</summary>
    public CType? FuncType { get => _s?.FuncType; set => S.FuncType = value; }

    /// <summary>Switch: its case nodes and default.</summary>
    public List<Node>? Cases { get => _s?.Cases; set => S.Cases = value; }

    public Node? DefaultCase { get => _s?.DefaultCase; set => S.DefaultCase = value; }

    /// <summary>Case: last value of a range (equals Val for a single value).</summary>
    public long CaseEnd { get => _s?.CaseEnd ?? 0; set => S.CaseEnd = value; }

    /// <summary>Break/continue: the loop or switch node.</summary>
    public Node? Target { get => _s?.Target; set => S.Target = value; }

    /// <summary>End of a block (closing brace), for scope ranges.</summary>
    public SourceLocation EndLoc { get => _s?.EndLoc ?? default; set => S.EndLoc = value; }

    /// <summary>Lowering scratch: block ids.</summary>
    internal int BlockId { get => _s?.BlockId ?? -1; set => S.BlockId = value; }

    internal int BreakBlock { get => _s?.BreakBlock ?? -1; set => S.BreakBlock = value; }

    internal int ContinueBlock { get => _s?.ContinueBlock ?? -1; set => S.ContinueBlock = value; }

    public override string ToString() => $"{Kind} : {Type}";

    private sealed class StmtFields
    {
        public Node? Cond;
        public Node? Then;
        public Node? Els;
        public Node? Init;
        public Node? Inc;
        public List<Obj>? Locals;
        public string? Label;
        public CType? FuncType;
        public List<Node>? Cases;
        public Node? DefaultCase;
        public long CaseEnd;
        public Node? Target;
        public SourceLocation EndLoc;
        public int BlockId = -1;
        public int BreakBlock = -1;
        public int ContinueBlock = -1;
    }
}

/// <summary>A variable or function.</summary>
public sealed class Obj
{
    public Obj(string name, CType type, SourceLocation loc)
    {
        Name = name;
        Type = type;
        Loc = loc;
    }

    public string Name;
    public CType Type;
    public SourceLocation Loc;

    public bool IsLocal;
    public bool IsFunction;
    public bool IsDefinition;
    public bool IsStatic;
    public bool IsExtern;
    public bool IsTentative;
    public bool IsInline;

    /// <summary>Compiler temporary (no debug info).</summary>
    public bool IsTemp;

    /// <summary>Stands for an undeclared identifier already reported (no follow-on errors).</summary>
    public bool IsPoisoned;

    /// <summary>A function parameter.</summary>
    public bool IsParam;

    /// <summary>Used by the program (a reference to an undefined one becomes an extern).</summary>
    public bool IsReferenced;

    /// <summary>Symbol name of a global or static local (static locals: fn.name.N).</summary>
    public string Symbol = "";

    // global data
    public byte[]? InitData;
    public List<IrReloc>? Relocs;
    public bool IsReadOnly;

    /// <summary>Static local: declared in this function (for its scope).</summary>
    public bool IsStaticLocal;

    // function
    public List<Obj>? Params;
    public Node? Body;
    public SourceLocation EndLoc;
    public bool CallsSetjmp;

    // lowering
    internal int Slot = -1;
    internal int PtrSlot = -1;

    public override string ToString() => Name + " : " + Type;
}
