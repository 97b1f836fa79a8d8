namespace Lantern.Observability.Dwarf.Write;

/// <summary>The contents of the DWARF sections produced by <see cref="DwarfWriter"/>, by section name.</summary>
public sealed class DwarfSections
{
    public byte[] DebugInfo { get; init; } = [];
    public byte[] DebugAbbrev { get; init; } = [];
    public byte[] DebugStr { get; init; } = [];
    public byte[] DebugLineStr { get; init; } = [];
    public byte[] DebugLine { get; init; } = [];
    public byte[] DebugAranges { get; init; } = [];
    public byte[] DebugRnglists { get; init; } = [];
    public byte[] DebugLoclists { get; init; } = [];
    public byte[] DebugFrame { get; init; } = [];

    /// <summary>The non-empty sections as (name, bytes), in the conventional order.</summary>
    public IEnumerable<(string Name, byte[] Bytes)> All()
    {
        (string, byte[])[] all =
        [
            (".debug_info", DebugInfo),
            (".debug_abbrev", DebugAbbrev),
            (".debug_line", DebugLine),
            (".debug_str", DebugStr),
            (".debug_line_str", DebugLineStr),
            (".debug_aranges", DebugAranges),
            (".debug_rnglists", DebugRnglists),
            (".debug_loclists", DebugLoclists),
            (".debug_frame", DebugFrame),
        ];
        return all.Where(s => s.Item2.Length > 0);
    }
}
