using System.Runtime.InteropServices;
using Lantern.C.Abi;
using Lantern.C.Diagnostics;
using Lantern.C.Ir;

namespace Lantern.C.Interp;

/// <summary>
/// Decoded opcodes: the IR opcodes specialized by type at decode time. Integer values live in vregs
/// sign-extended from their width (the canonical form); F64 as its bits; F32 as its 32 bits, zero-extended.
/// <see cref="DInstr.Sh"/> is 64 minus the width of the integer type involved.
/// </summary>
internal enum DOp : ushort
{
    Nop,
    Const,
    Mov,
    SlotAddr,

    LoadI8,
    LoadI16,
    LoadI32,
    LoadI64,
    LoadU32,
    StoreI8,
    StoreI16,
    StoreI32,
    StoreI64,
    Copy,
    Zero,
    Alloca,

    // integer arithmetic, generic width (result normalized with Sh)
    Add,
    Sub,
    Mul,
    SDiv,
    UDiv,
    SRem,
    URem,
    And,
    Or,
    Xor,
    Shl,
    LShr,
    AShr,
    Neg,
    Not,

    // specialized widths
    Add32,
    Sub32,
    Mul32,
    Add64,
    Sub64,
    Mul64,
    AddImm32,
    AddImm64,
    MulImm32,
    MulImm64,

    // loads and stores with the address folded: a stack slot (Imm = offset from the frame base) or an immediate value
    LoadSlotI8,
    LoadSlotI16,
    LoadSlotI32,
    LoadSlotI64,
    LoadSlotU32,
    StoreSlotI8,
    StoreSlotI16,
    StoreSlotI32,
    StoreSlotI64,
    StoreSlotImmI8,
    StoreSlotImmI16,
    StoreSlotImmI32,
    StoreSlotImmI64,
    StoreImmI8,
    StoreImmI16,
    StoreImmI32,
    StoreImmI64,

    // loads and stores at r[A] + Imm (field access) or r[A] + r[B] (indexing); indexed stores take the index in D
    LoadOffI8,
    LoadOffI16,
    LoadOffI32,
    LoadOffI64,
    LoadOffU32,
    LoadIdxI8,
    LoadIdxI16,
    LoadIdxI32,
    LoadIdxI64,
    LoadIdxU32,
    StoreOffI8,
    StoreOffI16,
    StoreOffI32,
    StoreOffI64,
    StoreIdxI8,
    StoreIdxI16,
    StoreIdxI32,
    StoreIdxI64,

    FAdd64,
    FSub64,
    FMul64,
    FDiv64,
    FNeg64,
    FAdd32,
    FSub32,
    FMul32,
    FDiv32,
    FNeg32,

    Eq,
    Ne,
    SLt,
    SLe,
    SGt,
    SGe,
    ULt,
    ULe,
    UGt,
    UGe,
    FEq64,
    FNe64,
    FLt64,
    FLe64,
    FGt64,
    FGe64,
    FEq32,
    FNe32,
    FLt32,
    FLe32,
    FGt32,
    FGe32,

    // compare-and-branch fusions: d = (a op b), then branch on it
    BrEq,
    BrNe,
    BrSLt,
    BrSLe,
    BrSGt,
    BrSGe,
    BrULt,
    BrULe,
    BrUGt,
    BrUGe,

    // compare-with-immediate-and-branch fusions (Imm = the constant operand b)
    BrEqImm,
    BrNeImm,
    BrSLtImm,
    BrSLeImm,
    BrSGtImm,
    BrSGeImm,
    BrULtImm,
    BrULeImm,
    BrUGtImm,
    BrUGeImm,

    ZExt,
    Trunc,
    SIToF64,
    SIToF32,
    UIToF64,
    UIToF32,
    F64ToSI32,
    F64ToSI64,
    F32ToSI32,
    F32ToSI64,
    F64ToUI32,
    F64ToUI64,
    F32ToUI32,
    F32ToUI64,
    FPExt,
    FPTrunc,

    Call,
    Setjmp,
    VaStart,
    VaArg,

    Jump,
    Branch,
    Switch,
    Ret,
    RetVoid,
    Unreachable,
    Trap,

    // debugger markers, decoded only for a debug target (Debug/Interpreter.Debug.cs); Imm = the site's index
    DbgEntry,
    DbgStmt,
    DbgReturn,
}

/// <summary>One decoded instruction (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DInstr
{
    public DOp Op;
    public byte Sh;
    public byte Aux;
    public int D;
    public int A;
    public int B;
    public long Imm;
    public int T1;
    public int T2;
}

internal enum CallKind : byte
{
    Interp,
    Native,
    Indirect,
    Intrinsic,
}

internal enum Intrinsic : byte
{
    None,
    Setjmp,
    Longjmp,
    Exit,
    Atexit,
    Alloca,
}

/// <summary>A decoded call site.</summary>
internal sealed class CallSite
{
    public CallKind Kind;
    public Intrinsic Intrinsic;
    public DFunc? Target;
    public long NativeAddress;
    public string? Symbol;
    public int FnVReg = -1;
    public required int[] Args;
    public required IrParamType[] ArgTypes;
    public required IrSignature Signature;
    public int Dest = -1;
    public IrType DestType;
    public int RetAddrVReg = -1;
    public required CallPlan Plan;
}

/// <summary>A decoded switch: sorted case values and their targets (instruction indices).</summary>
internal sealed class SwitchTable
{
    public required long[] Values;
    public required int[] Targets;
    public int Default;

    // Dense jump table when the case values are compact.
    public long Min;
    public int[]? Jump;

    public int Lookup(long v)
    {
        if (Jump is not null)
        {
            ulong k = (ulong)(v - Min);
            return k < (ulong)Jump.Length ? Jump[k] : Default;
        }

        int i = Array.BinarySearch(Values, v);
        return i >= 0 ? Targets[i] : Default;
    }
}

/// <summary>Where the prologue puts parameter i.</summary>
internal struct ParamInfo
{
    public int SlotOffset;
    public int Size;
    public IrType Type;
    public bool IsAggregate;
}

/// <summary>A function decoded for the interpreter.</summary>
internal sealed unsafe class DFunc
{
    public required IrFunction Ir;
    public required int Index;

    public string Name => Ir.Name;

    public DInstr* Code;
    public int CodeLength;
    public SourceLocation[] Locs = Array.Empty<SourceLocation>();
    public int NumVRegs;
    public int FrameSize;
    public int FrameAlign = 16;
    public int[] SlotOffsets = Array.Empty<int>();
    public ParamInfo[] Params = Array.Empty<ParamInfo>();
    public int ArgCount;
    public bool IsVariadic;
    public CallPlan EntryPlan = null!;
    public int ReturnPtrVReg = -1;
    public bool UsesSetjmp;
    public CallSite[] Calls = Array.Empty<CallSite>();
    public SwitchTable[] Switches = Array.Empty<SwitchTable>();
}
