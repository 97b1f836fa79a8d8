using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

/// <summary>
/// Writes DWARF 5 (32-bit format, 8-byte addresses) for compilation units described by <see cref="CompilationUnitInfo"/>:
/// .debug_info, .debug_abbrev, .debug_str, .debug_line_str, .debug_line, .debug_aranges, .debug_rnglists,
/// .debug_loclists and .debug_frame. (.eh_frame and .eh_frame_hdr depend on their load address: see
/// <see cref="EhFrameWriter"/>.)
/// <para>
/// The writer is split by topic like the reader in <c>Dwarf/Read</c>: DIEs of .debug_info/.debug_abbrev in
/// <c>DwarfWriter.Info.cs</c> (reader: <see cref="Read.DebugInfo"/>), .debug_line in <c>DwarfWriter.Line.cs</c>
/// (<see cref="Read.LineTable"/>), .debug_frame in <c>DwarfWriter.Frame.cs</c> (<see cref="Read.CallFrameInfo"/>),
/// location expressions in <c>DwarfWriter.Expression.cs</c> (<see cref="Read.DwarfExpression"/>), and
/// .debug_aranges/.debug_rnglists/.debug_loclists in <c>DwarfWriter.Ranges.cs</c> (<see cref="Read.DebugData"/>).
/// </para>
/// </summary>
public static partial class DwarfWriter
{
    /// <summary>Writes the sections for one unit.</summary>
    /// <param name="addressOf">The address of each function's first byte; default <see cref="CodeInfo.Address"/>.
    /// A shared object writer passes the address the code has inside the object.</param>
    public static DwarfSections Write(CompilationUnitInfo unit, Func<CodeInfo, ulong>? addressOf = null) => Write([unit], addressOf);

    /// <summary>Writes the sections for several units (one DWARF unit and one line program each).</summary>
    public static DwarfSections Write(IReadOnlyList<CompilationUnitInfo> units, Func<CodeInfo, ulong>? addressOf = null)
    {
        addressOf ??= f => f.Address;
        var state = new SectionState();
        foreach (CompilationUnitInfo unit in units)
        {
            new UnitWriter(state, unit, addressOf).Write();
        }

        var frame = new ByteBuilder();
        WriteDebugFrame(frame, units.SelectMany(u => u.Functions), addressOf);

        return new DwarfSections
        {
            DebugInfo = state.Info.ToArray(),
            DebugAbbrev = state.Abbrev.Finish(),
            DebugStr = state.Str.ToArray(),
            DebugLineStr = state.LineStr.ToArray(),
            DebugLine = state.Line.ToArray(),
            DebugAranges = state.Aranges.ToArray(),
            DebugRnglists = state.Rnglists.ToArray(),
            DebugLoclists = state.Loclists.ToArray(),
            DebugFrame = frame.ToArray(),
        };
    }

    private sealed class SectionState
    {
        public ByteBuilder Info { get; } = new();
        public AbbrevTable Abbrev { get; } = new();
        public StringTable Str { get; } = new();
        public StringTable LineStr { get; } = new();
        public ByteBuilder Line { get; } = new();
        public ByteBuilder Aranges { get; } = new();
        public ByteBuilder Rnglists { get; } = new();
        public ByteBuilder Loclists { get; } = new();
    }
}
