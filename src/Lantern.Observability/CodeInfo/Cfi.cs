namespace Lantern.Observability;

/// <summary>
/// A change of the call frame rules (a DWARF call frame instruction without its address advance). Registers are
/// DWARF numbers (<see cref="X64Registers"/>); offsets are in bytes.
/// </summary>
public abstract record CfiOp
{
    /// <summary>CFA = <paramref name="Register"/> + <paramref name="Offset"/> (DW_CFA_def_cfa).</summary>
    public sealed record DefCfa(int Register, long Offset) : CfiOp;

    /// <summary>CFA = <paramref name="Register"/> + the current offset (DW_CFA_def_cfa_register).</summary>
    public sealed record DefCfaRegister(int Register) : CfiOp;

    /// <summary>CFA = the current register + <paramref name="Offset"/> (DW_CFA_def_cfa_offset).</summary>
    public sealed record DefCfaOffset(long Offset) : CfiOp;

    /// <summary>The caller's <paramref name="Register"/> is saved at CFA + <paramref name="CfaOffset"/> (DW_CFA_offset).</summary>
    public sealed record SavedAt(int Register, long CfaOffset) : CfiOp;

    /// <summary>The rule of <paramref name="Register"/> goes back to the one at function entry (DW_CFA_restore).</summary>
    public sealed record Restore(int Register) : CfiOp;

    /// <summary><paramref name="Register"/> still holds the caller's value (DW_CFA_same_value).</summary>
    public sealed record SameValue(int Register) : CfiOp;

    /// <summary>Pushes the current rules (DW_CFA_remember_state).</summary>
    public sealed record RememberState : CfiOp;

    /// <summary>Pops the rules pushed by <see cref="RememberState"/> (DW_CFA_restore_state).</summary>
    public sealed record RestoreState : CfiOp;
}

/// <summary>A rule change that takes effect at code offset <see cref="Offset"/> (relative to the function start).</summary>
public readonly record struct CfiRow(uint Offset, CfiOp Op);

/// <summary>Builders of common call frame descriptions.</summary>
public static class Cfi
{
    /// <summary>The length of <c>push rbp</c> (0x55).</summary>
    public const int PushRbpLength = 1;

    /// <summary>The length of <c>mov rbp, rsp</c> (48 89 E5).</summary>
    public const int MovRbpRspLength = 3;

    /// <summary>
    /// The CFI of the standard frame-pointer convention, exact at every instruction: <c>push rbp</c> at
    /// <paramref name="prologuePushOffset"/>, <c>mov rbp, rsp</c> at <paramref name="movOffset"/>, and for each
    /// offset in <paramref name="epilogues"/> a one-byte frame teardown (<c>leave</c>, or <c>pop rbp</c> with rsp
    /// already pointing at the saved rbp) followed by a one-byte <c>ret</c>. Code after an epilogue gets the
    /// frame's rules back (remember/restore state); the writer drops rows at or past the end of the function.
    /// </summary>
    public static IReadOnlyList<CfiRow> StandardFramePointer(uint prologuePushOffset, uint movOffset, params uint[] epilogues)
    {
        var rows = new List<CfiRow>
        {
            // After push rbp: CFA = rsp + 16, caller's rbp at CFA - 16.
            new(prologuePushOffset + PushRbpLength, new CfiOp.DefCfaOffset(16)),
            new(prologuePushOffset + PushRbpLength, new CfiOp.SavedAt(X64Registers.Rbp, -16)),
            // After mov rbp, rsp: CFA = rbp + 16.
            new(movOffset + MovRbpRspLength, new CfiOp.DefCfaRegister(X64Registers.Rbp)),
        };
        foreach (uint epilogue in epilogues.Order())
        {
            rows.Add(new CfiRow(epilogue, new CfiOp.RememberState()));
            // After leave / pop rbp: rsp points at the return address, rbp holds the caller's value again.
            rows.Add(new CfiRow(epilogue + 1, new CfiOp.DefCfa(X64Registers.Rsp, 8)));
            rows.Add(new CfiRow(epilogue + 1, new CfiOp.Restore(X64Registers.Rbp)));
            // After ret: code that follows runs with the frame set up.
            rows.Add(new CfiRow(epilogue + 2, new CfiOp.RestoreState()));
        }

        return rows;
    }
}
