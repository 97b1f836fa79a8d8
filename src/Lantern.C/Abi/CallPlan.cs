using Lantern.C.Ir;

namespace Lantern.C.Abi;

/// <summary>The System V plan of a whole call: every argument's location, the register counts, the stack area.</summary>
public sealed class CallPlan
{
    public required ArgLoc[] Args { get; init; }

    /// <summary>General-purpose registers used (including the hidden return pointer).</summary>
    public int GpUsed { get; init; }

    /// <summary>SSE registers used (the value of al for a variadic callee).</summary>
    public int SseUsed { get; init; }

    /// <summary>Size of the stack argument area in bytes (multiple of 8; a caller rounds it up to 16).</summary>
    public int StackBytes { get; init; }

    /// <summary>The return value is an aggregate returned through a hidden pointer passed in rdi.</summary>
    public bool HiddenReturn { get; init; }

    public IrParamType Return { get; init; }
}
