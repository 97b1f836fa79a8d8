using Lantern.C.Ir;

namespace Lantern.C.Abi;

/// <summary>Where one argument travels in a System V x86-64 call.</summary>
public enum ArgLocKind : byte
{
    /// <summary>A general-purpose register (<see cref="ArgLoc.Reg"/> = 0..5: rdi, rsi, rdx, rcx, r8, r9).</summary>
    Gp,

    /// <summary>An SSE register (<see cref="ArgLoc.Reg"/> = 0..7: xmm0..xmm7).</summary>
    Sse,

    /// <summary>An 8-byte stack slot at <see cref="ArgLoc.StackOffset"/>.</summary>
    Stack,

    /// <summary>An aggregate in one or two registers (classes Lo/Hi, registers Reg/Reg2, each a GP or SSE index by its class).</summary>
    AggRegs,

    /// <summary>An aggregate copied into the stack argument area at <see cref="ArgLoc.StackOffset"/>.</summary>
    AggStack,
}

/// <summary>The location of one argument (see <see cref="SysVAbi.PlanCall"/>).</summary>
public struct ArgLoc
{
    public ArgLocKind Kind;
    public IrType Type;
    public ArgClass Lo;
    public ArgClass Hi;
    public int Reg;
    public int Reg2;
    public int StackOffset;
    public int Size;
}
