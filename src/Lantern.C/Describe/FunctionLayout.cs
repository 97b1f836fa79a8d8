using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.Observability.Debugging;

namespace Lantern.C.Describe;

/// <summary>One row of a function's line table: code at <see cref="Offset"/> implements the statement at <see cref="Location"/>.</summary>
public readonly record struct LayoutLine(int Offset, SourceLocation Location, int Scope);

/// <summary>A patch site of debug code: the 5-byte NOP at <see cref="Offset"/> (see X64Backend.EmitPatchSite).</summary>
public readonly record struct LayoutPatchSite(int Offset, PatchSiteKind Kind);

/// <summary>
/// What the baseline backend knows about one compiled function: its code range, frame layout and line table.
/// Offsets are relative to <see cref="Start"/>; frame offsets are relative to rbp (negative: below the saved rbp).
/// This is the raw material for DWARF, the crash reporter and the debugger.
/// </summary>
public sealed class FunctionLayout
{
    public required string Name { get; init; }

    public required IrFunction Function { get; init; }

    /// <summary>Entry address (in the executable view of the code cache).</summary>
    public nint Start { get; set; }

    /// <summary>Code size in bytes.</summary>
    public int Size { get; set; }

    /// <summary>Offset just after <c>push rbp; mov rbp, rsp; sub rsp, N</c>: from here the frame is complete.</summary>
    public int FrameSetupEnd { get; set; }

    /// <summary>Offset after the parameters have been stored into their slots (where a breakpoint on the function goes).</summary>
    public int PrologueEnd { get; set; }

    /// <summary>Offsets of each epilogue (<c>leave; ret</c>, after the Return patch site in debug code).</summary>
    public List<int> EpilogueStarts { get; } = new();

    /// <summary>Patch sites in code order (debug code only; empty otherwise).</summary>
    public List<LayoutPatchSite> PatchSites { get; } = new();

    /// <summary>Line table from the IR's Stmt markers, in code order.</summary>
    public List<LayoutLine> Lines { get; } = new();

    /// <summary>rbp-relative offset of each IR slot (for a slot aligned above 16 bytes: of its unaligned storage; see <see cref="SlotDynamicAlign"/>).</summary>
    public int[] SlotOffsets { get; set; } = Array.Empty<int>();

    /// <summary>For each slot: 0, or the alignment (> 16) applied at run time to rbp+offset.</summary>
    public int[] SlotDynamicAlign { get; set; } = Array.Empty<int>();

    /// <summary>rbp-relative offset of each vreg's 8-byte home.</summary>
    public int[] VRegOffsets { get; set; } = Array.Empty<int>();

    /// <summary>Bytes below rbp reserved by the prologue.</summary>
    public int FrameSize { get; set; }

    /// <summary>rbp-relative offset of the register save area of a variadic function, else 0.</summary>
    public int RegisterSaveAreaOffset { get; set; }

    public bool ContainsOffset(int offset) => offset >= 0 && offset < Size;

    /// <summary>
    /// The statement whose code contains <paramref name="offset"/>. Code between the prologue's end and the first
    /// statement (e.g. the head of a <c>for (;;)</c> loop that a back edge jumps to) belongs to the first
    /// statement; inside the prologue, the function's own declaration line is the answer (as gdb shows it).
    /// </summary>
    public LayoutLine? LineAt(int offset)
    {
        if (Lines.Count > 0 && offset < Lines[0].Offset)
        {
            return offset >= PrologueEnd ? Lines[0] : new LayoutLine(0, Function.Location, 0);
        }

        LayoutLine? best = null;
        foreach (LayoutLine l in Lines)
        {
            if (l.Offset <= offset)
            {
                best = l;
            }
            else
            {
                break;
            }
        }

        return best;
    }
}
