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
}

/// <summary>An AST node; expressions carry their C type in <see cref="Type"/>.</summary>
public sealed class Node
{
    public Node(NodeKind kind, SourceLocation loc)
    {
        Kind = kind;
        Loc = loc;
    }

    public NodeKind Kind;
    public CType Type = CType.Int;
    public SourceLocation Loc;

    public Node? Lhs;
    public Node? Rhs;

    // if / for / while / do / ?:
    public Node? Cond;
    public Node? Then;
    public Node? Els;
    public Node? Init;
    public Node? Inc;

    /// <summary>Block statements, or call arguments.</summary>
    public List<Node>? Body;

    /// <summary>Variables declared directly in a block (for scopes and debug info).</summary>
    public List<Obj>? Locals;

    public Obj? Var;
    public Member? Member;
    public long Val;
    public double FVal;

    /// <summary>Goto/label name.</summary>
    public string? Label;

    /// <summary>Function type of a call.</summary>
    public CType? FuncType;

    /// <summary>Switch: its case nodes and default.</summary>
    public List<Node>? Cases;
    public Node? DefaultCase;

    /// <summary>Case: last value of a range (equals Val for a single value).</summary>
    public long CaseEnd;

    /// <summary>Break/continue: the loop or switch node.</summary>
    public Node? Target;

    /// <summary>End of a block (closing brace), for scope ranges.</summary>
    public SourceLocation EndLoc;

    /// <summary>Lowering scratch: block ids.</summary>
    internal int BlockId = -1;
    internal int BreakBlock = -1;
    internal int ContinueBlock = -1;

    public override string ToString() => $"{Kind} : {Type}";
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
