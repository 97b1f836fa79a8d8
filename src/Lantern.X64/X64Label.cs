namespace Lantern.X64;

/// <summary>
/// A branch target in an <see cref="X64Assembler"/> block. Like Iced's <c>Label</c> it is a value: the id names
/// it in branch instructions (their near-branch target) and in the instruction it binds to (its IP), so the same
/// instruction list can be handed to Iced's BlockEncoder for the <c>LANTERN_ENCODER_CHECK</c> comparison.
/// </summary>
public struct X64Label
{
    internal X64Label(ulong id)
    {
        Id = id;
        InstructionIndex = -1;
    }

    /// <summary>The label's id, 1 upwards within its assembler.</summary>
    public ulong Id { get; }

    /// <summary>Index of the instruction the label is bound to, -1 until <see cref="X64Assembler.Label"/>.</summary>
    public int InstructionIndex { get; internal set; }

    /// <summary>True for <c>default(X64Label)</c>.</summary>
    public readonly bool IsEmpty => Id == 0;
}
