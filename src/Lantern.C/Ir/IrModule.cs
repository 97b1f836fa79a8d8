using Lantern.C.Diagnostics;
using Lantern.C.Types;

namespace Lantern.C.Ir;

/// <summary>One IR instruction. Which fields are meaningful depends on <see cref="Op"/> (see <see cref="Opcode"/>).</summary>
public sealed class Instr
{
    public Opcode Op;

    /// <summary>The result type, or for Store/comparisons/Switch the operand type.</summary>
    public IrType Type;

    /// <summary>Destination vreg, -1 if none.</summary>
    public int Dest = -1;

    public int A = -1;
    public int B = -1;
    public int C = -1;

    /// <summary>Immediate: constant bits, slot number, byte count, offset, scope id...</summary>
    public long Imm;

    /// <summary>Global or function name for SymAddr and direct Call.</summary>
    public string? Symbol;

    /// <summary>Branch targets (block ids).</summary>
    public int Target = -1;
    public int Target2 = -1;

    /// <summary>Call arguments (vregs).</summary>
    public int[]? Args;

    /// <summary>ABI types of <see cref="Args"/> (length equals Args.Length, includes variadic arguments).</summary>
    public IrParamType[]? ArgTypes;

    /// <summary>The callee's prototype (Call).</summary>
    public IrSignature? Signature;

    /// <summary>Switch cases (value, block id).</summary>
    public (long Value, int Block)[]? Cases;

    /// <summary>VaArg: class of the argument.</summary>
    public ArgClass ArgClass;

    /// <summary>VaArg of a struct: its layout.</summary>
    public AggregateInfo? Aggregate;

    /// <summary>Source position (set on Stmt markers, calls and instructions that can fault).</summary>
    public SourceLocation Location;

    /// <summary>How many operand vregs <see cref="Operand"/> numbers: <see cref="A"/>, <see cref="B"/>, <see cref="C"/>, then <see cref="Args"/>.</summary>
    public int OperandCount => 3 + (Args?.Length ?? 0);

    /// <summary>Operand vreg <paramref name="k"/> (below <see cref="OperandCount"/>): A, B, C, then the call arguments; -1 if unused.</summary>
    public int Operand(int k) => k switch { 0 => A, 1 => B, 2 => C, _ => Args![k - 3] };

    public bool IsTerminator => Op is Opcode.Jump or Opcode.Branch or Opcode.Switch or Opcode.Ret or Opcode.Unreachable or Opcode.Trap;

    public override string ToString() => IrPrinter.FormatInstr(this);
}

/// <summary>A basic block: a label and a list of instructions ending in exactly one terminator.</summary>
public sealed class IrBlock
{
    public IrBlock(int id, string? name = null)
    {
        Id = id;
        Name = name;
    }

    /// <summary>Index of the block in <see cref="IrFunction.Blocks"/>.</summary>
    public int Id { get; }

    /// <summary>Optional hint for dumps (e.g. "for.cond", "label.out").</summary>
    public string? Name { get; }

    public List<Instr> Instrs { get; } = new();
}

/// <summary>A stack slot: storage for a local variable, parameter, or compiler temporary.</summary>
public sealed record IrSlot(int Id, int Size, int Align, string? Name);

public enum VariableKind : byte
{
    Parameter,
    Local,

    /// <summary>A static local or a global: lives in <see cref="IrGlobal"/> <see cref="IrVariable.Symbol"/>.</summary>
    Static,
}

/// <summary>A source-level variable, for debuggers.</summary>
public sealed class IrVariable
{
    public required string Name { get; init; }

    public required CType Type { get; init; }

    public required VariableKind Kind { get; init; }

    /// <summary>Slot holding the variable (Parameter, Local); -1 for Static or for a VLA (see <see cref="PointerSlot"/>).</summary>
    public int Slot { get; init; } = -1;

    /// <summary>For a VLA: slot holding the pointer to its storage; otherwise -1.</summary>
    public int PointerSlot { get; init; } = -1;

    /// <summary>Global symbol for <see cref="VariableKind.Static"/>.</summary>
    public string? Symbol { get; init; }

    public SourceLocation Location { get; init; }
}

/// <summary>A lexical scope (function body or a block); scope 0 of a function is its outermost scope.</summary>
public sealed class IrScope
{
    public required int Id { get; init; }

    /// <summary>Enclosing scope id, -1 for the function's outermost scope.</summary>
    public required int Parent { get; init; }

    public List<IrVariable> Variables { get; } = new();

    public SourceLocation Start { get; init; }

    public SourceLocation End { get; set; }
}

/// <summary>A function definition in IR.</summary>
public sealed class IrFunction
{
    public required string Name { get; init; }

    /// <summary>internal linkage (static)</summary>
    public bool IsStatic { get; init; }

    public required IrSignature Signature { get; init; }

    /// <summary>The C type of the function (for debug info).</summary>
    public CType? CType { get; init; }

    /// <summary>
    /// Slot receiving each parameter on entry, in order (the prologue stores the incoming value there;
    /// for an aggregate parameter, the slot receives a copy of the aggregate bytes).
    /// </summary>
    public List<int> ParamSlots { get; } = new();

    /// <summary>For a function returning an aggregate: vreg (i64) holding the hidden return pointer, valid from entry; else -1.</summary>
    public int ReturnPointerVReg { get; set; } = -1;

    public List<IrSlot> Slots { get; } = new();

    public List<IrBlock> Blocks { get; } = new();

    /// <summary>Type of each vreg, indexed by vreg number.</summary>
    public List<IrType> VRegTypes { get; } = new();

    public List<IrScope> Scopes { get; } = new();

    public SourceLocation Location { get; init; }

    public SourceLocation EndLocation { get; set; }

    /// <summary>Calls setjmp (needs care in later tiers).</summary>
    public bool CallsSetjmp { get; set; }

    public int NewVReg(IrType type)
    {
        VRegTypes.Add(type);
        return VRegTypes.Count - 1;
    }

    public int NewSlot(int size, int align, string? name)
    {
        var slot = new IrSlot(Slots.Count, size, align, name);
        Slots.Add(slot);
        return slot.Id;
    }

    public IrBlock NewBlock(string? name = null)
    {
        var b = new IrBlock(Blocks.Count, name);
        Blocks.Add(b);
        return b;
    }
}

/// <summary>A relocation in global data: at <see cref="Offset"/>, write the address of <see cref="Symbol"/> + <see cref="Addend"/> (8 bytes).</summary>
public readonly record struct IrReloc(int Offset, string Symbol, long Addend);

/// <summary>Global data: a C global, a static local, a string literal or a compound literal at file scope.</summary>
public sealed class IrGlobal
{
    public required string Name { get; init; }

    public required int Size { get; init; }

    public required int Align { get; init; }

    /// <summary>Initial bytes (length == Size), or null for zero-initialized.</summary>
    public byte[]? Init { get; set; }

    public List<IrReloc> Relocs { get; } = new();

    public bool IsStatic { get; init; }

    public bool IsReadOnly { get; init; }

    /// <summary>A tentative definition or common symbol (merged with other definitions of the same name).</summary>
    public bool IsTentative { get; init; }

    /// <summary>The C type (for debug info); null for compiler-generated data such as string literals.</summary>
    public CType? CType { get; init; }

    public SourceLocation Location { get; init; }
}

/// <summary>A symbol used but not defined in the module: resolved against the host C library at run time.</summary>
public sealed record IrExtern(string Name, bool IsFunction, IrSignature? Signature, SourceLocation Location);

/// <summary>A translation unit in IR.</summary>
public sealed class IrModule
{
    public List<IrFunction> Functions { get; } = new();

    public List<IrGlobal> Globals { get; } = new();

    public List<IrExtern> Externs { get; } = new();

    /// <summary>Files of the translation unit: index is <see cref="SourceFile.Id"/>.</summary>
    public List<SourceFile> Files { get; } = new();

    public IrFunction? FindFunction(string name) => Functions.FirstOrDefault(f => f.Name == name);

    public override string ToString() => IrPrinter.Print(this);
}
