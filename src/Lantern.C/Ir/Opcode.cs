namespace Lantern.C.Ir;

/// <summary>
/// IR opcodes. Operands are virtual registers (vregs): numbered, typed, function-local variables that
/// are NOT in SSA form (a vreg may be assigned in several places, e.g. the result of <c>?:</c>).
/// Notation below: <c>d</c> = <see cref="Instr.Dest"/>, <c>a</c>/<c>b</c>/<c>c</c> = <see cref="Instr.A"/>/
/// <see cref="Instr.B"/>/<see cref="Instr.C"/>, <c>T</c> = <see cref="Instr.Type"/>.
/// </summary>
public enum Opcode : byte
{
    // ---- values --------------------------------------------------------------------------------
    /// <summary>d:T = Imm. For F32/F64, Imm holds the bits of a double (BitConverter.DoubleToInt64Bits), also for F32.</summary>
    Const,

    /// <summary>d:T = a (copy; same type).</summary>
    Mov,

    /// <summary>d:i64 = address of stack slot number Imm (see <see cref="IrFunction.Slots"/>).</summary>
    SlotAddr,

    /// <summary>d:i64 = address of global data or function <see cref="Instr.Symbol"/> plus Imm.</summary>
    SymAddr,

    // ---- memory --------------------------------------------------------------------------------
    /// <summary>d:T = *(T*)a. A load produces exactly T; widening is a separate SExt/ZExt.</summary>
    Load,

    /// <summary>*(T*)a = b.</summary>
    Store,

    /// <summary>memmove(a, b, Imm) — aggregate copy of Imm bytes (non-overlapping in practice).</summary>
    Copy,

    /// <summary>memset(a, 0, Imm).</summary>
    Zero,

    /// <summary>d:i64 = dynamic stack allocation of a bytes, aligned to Imm (VLA, alloca). Freed at function return.</summary>
    Alloca,

    // ---- integer arithmetic (operands and result of type T) ------------------------------------
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

    /// <summary>d = a &lt;&lt; (b mod bits(T)). b has type T.</summary>
    Shl,

    /// <summary>Logical shift right.</summary>
    LShr,

    /// <summary>Arithmetic shift right.</summary>
    AShr,

    /// <summary>d = -a.</summary>
    Neg,

    /// <summary>d = ~a.</summary>
    Not,

    // ---- floating arithmetic (T is F32 or F64) -------------------------------------------------
    FAdd,
    FSub,
    FMul,
    FDiv,
    FNeg,

    // ---- comparisons: d:i32 = (a op b) ? 1 : 0; T is the OPERAND type ---------------------------
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

    /// <summary>Float comparisons are ordered (false if either is NaN) except FNe which is true on NaN.</summary>
    FEq,
    FNe,
    FLt,
    FLe,
    FGt,
    FGe,

    // ---- conversions: d:T = convert(a); the source type is the type of vreg a -------------------
    SExt,
    ZExt,
    Trunc,
    SIToFP,
    UIToFP,
    FPToSI,
    FPToUI,
    FPExt,
    FPTrunc,

    // ---- calls ---------------------------------------------------------------------------------
    /// <summary>
    /// d:T = call. Direct when <see cref="Instr.Symbol"/> is set, otherwise through the function pointer in a.
    /// Arguments in <see cref="Instr.Args"/>, their ABI types in <see cref="Instr.ArgTypes"/> (which also
    /// covers the variadic part), the callee's prototype in <see cref="Instr.Signature"/>.
    /// An aggregate argument is passed as the address of a fresh copy made by the caller (the callee may
    /// modify it). An aggregate return is written to the address in b; d is -1.
    /// d is -1 when the result is unused or void.
    /// </summary>
    Call,

    // ---- varargs -------------------------------------------------------------------------------
    /// <summary>va_start: initialize the System V va_list at address a for the current (variadic) function.</summary>
    VaStart,

    /// <summary>
    /// d:i64 = address of the next variadic argument, fetched from the va_list at a per the System V
    /// algorithm. Imm = size in bytes of the argument; <see cref="Instr.ArgClass"/> = Integer (one GP
    /// eightbyte), Sse (one double) or Memory (read from the overflow area); for a two-eightbyte struct
    /// in registers, <see cref="Instr.Aggregate"/> gives both classes and the result points at a temporary copy.
    /// </summary>
    VaArg,

    // ---- control flow (terminators) ------------------------------------------------------------
    /// <summary>goto block Target.</summary>
    Jump,

    /// <summary>if (a != 0) goto Target else goto Target2; a is any integer type.</summary>
    Branch,

    /// <summary>switch on integer a (type T): <see cref="Instr.Cases"/> (value, block), default Target.</summary>
    Switch,

    /// <summary>return a (a = -1 for void). A function returning an aggregate returns via the hidden
    /// pointer: the lowering copies the value to the address in <see cref="IrFunction.ReturnPointerVReg"/> and a is -1.</summary>
    Ret,

    /// <summary>Control never reaches here (after a noreturn call, or falling off a non-void function's end).</summary>
    Unreachable,

    // ---- debug markers (no code) ---------------------------------------------------------------
    /// <summary>
    /// A statement boundary: the code that follows implements the statement at <see cref="Instr.Location"/>.
    /// Imm = id of the innermost lexical <see cref="IrScope"/> in effect. Later tiers place patch sites here.
    /// </summary>
    Stmt,

    // ---- added after the first milestone -------------------------------------------------------
    /// <summary>Raise SIGILL like ud2 (<c>__builtin_trap()</c>); a terminator. <see cref="Instr.Location"/> is the call.</summary>
    Trap,
}
