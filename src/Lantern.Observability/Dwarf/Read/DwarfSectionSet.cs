using Lantern.Observability.Elf;

namespace Lantern.Observability.Dwarf.Read;

/// <summary>The raw debug sections a <see cref="DebugData"/> is read from.</summary>
public sealed class DwarfSectionSet
{
    public ReadOnlyMemory<byte> DebugInfo { get; init; }
    public ReadOnlyMemory<byte> DebugAbbrev { get; init; }
    public ReadOnlyMemory<byte> DebugStr { get; init; }
    public ReadOnlyMemory<byte> DebugLineStr { get; init; }
    public ReadOnlyMemory<byte> DebugStrOffsets { get; init; }
    public ReadOnlyMemory<byte> DebugAddr { get; init; }
    public ReadOnlyMemory<byte> DebugLine { get; init; }
    public ReadOnlyMemory<byte> DebugRnglists { get; init; }
    public ReadOnlyMemory<byte> DebugLoclists { get; init; }
    public ReadOnlyMemory<byte> DebugRanges { get; init; }
    public ReadOnlyMemory<byte> DebugFrame { get; init; }
    public ReadOnlyMemory<byte> EhFrame { get; init; }

    /// <summary>The address .eh_frame is loaded at (its PC-relative pointers are relative to it).</summary>
    public ulong EhFrameAddress { get; init; }

    /// <summary>The sections of an ELF file (missing ones are empty).</summary>
    public static DwarfSectionSet FromElf(ElfFile elf) => new()
    {
        DebugInfo = elf.GetData(".debug_info"),
        DebugAbbrev = elf.GetData(".debug_abbrev"),
        DebugStr = elf.GetData(".debug_str"),
        DebugLineStr = elf.GetData(".debug_line_str"),
        DebugStrOffsets = elf.GetData(".debug_str_offsets"),
        DebugAddr = elf.GetData(".debug_addr"),
        DebugLine = elf.GetData(".debug_line"),
        DebugRnglists = elf.GetData(".debug_rnglists"),
        DebugLoclists = elf.GetData(".debug_loclists"),
        DebugRanges = elf.GetData(".debug_ranges"),
        DebugFrame = elf.GetData(".debug_frame"),
        EhFrame = elf.GetData(".eh_frame"),
        EhFrameAddress = elf.FindSection(".eh_frame")?.Address ?? 0,
    };
}
