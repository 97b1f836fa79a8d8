namespace Lantern.Observability.Debugging;

/// <summary>
/// Layout of the register block that the site trampoline and the signal handler fill in for a parked thread:
/// one qword per DWARF register 0-16 (rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp, r8-r15, rip), then rflags, the site
/// address (set by the trampoline; 0 for a signal stop), and the 16 xmm registers (16 bytes each).
/// The controller reads and edits it while the thread is parked; the thread resumes with its contents.
/// </summary>
public static class RegisterBlock
{
    /// <summary>Offset of rip (DWARF 16).</summary>
    public const int Rip = 16 * 8;

    /// <summary>Offset of rflags.</summary>
    public const int Rflags = 17 * 8;

    /// <summary>Offset of the patch site address the trampoline was called from (resume at site + 5 when rip is unchanged).</summary>
    public const int Site = 18 * 8;

    /// <summary>Offset of xmm0; xmmN is at <c>Xmm0 + 16 * N</c>.</summary>
    public const int Xmm0 = 160;

    /// <summary>Bytes used by the block.</summary>
    public const int Used = Xmm0 + 16 * 16;

    /// <summary>Bytes reserved on the stack by the trampoline (16-byte multiple, top 16 bytes unused).</summary>
    public const int Size = Used + 16;

    /// <summary>DWARF number of rflags.</summary>
    public const int DwarfRflags = 49;

    /// <summary>The byte offset in the block of DWARF register <paramref name="dwarfRegister"/>, or -1.</summary>
    public static int OffsetOf(int dwarfRegister) => dwarfRegister switch
    {
        >= 0 and <= 16 => dwarfRegister * 8,
        >= 17 and <= 32 => Xmm0 + (16 * (dwarfRegister - 17)),
        DwarfRflags => Rflags,
        _ => -1,
    };
}
