using Lantern.Observability.Binary;
using Lantern.Observability.Elf;

namespace Lantern.Observability.Dwarf.Read;

/// <summary>A source position found for an address.</summary>
public sealed record SourcePosition(string File, int Line, int Column, ulong RowAddress);

/// <summary>What an address is: the function (DWARF subprogram or symbol) and the source position.</summary>
public sealed record AddressInfo(string? Function, ulong FunctionStart, SourcePosition? Position);

/// <summary>An entry of a location or range list: [Start, End) and, for a location list, the expression.</summary>
public readonly record struct ListEntry(ulong Start, ulong End, byte[]? Expression);

/// <summary>A variable or parameter visible at an address.</summary>
public sealed record ScopedVariable(string Name, bool IsParameter, DwarfDie Die, DwarfDie? Type, string TypeName, SimpleLocation Location, int Depth);

/// <summary>
/// The debug information of one object, read back from its DWARF and symbols (the consumer side, sharing only the
/// wire-format vocabulary with the writer): address → function/file/line, variables in scope, and unwind rules.
/// </summary>
public sealed class DebugData
{
    private readonly Dictionary<ulong, LineTable> _lineTables = new();
    private List<(ulong Start, ulong End, LineTableRow Row, LineTable Table)>? _lineIndex;
    private List<(ulong Start, ulong End, DwarfDie Die)>? _functionIndex;

    private DebugData(DwarfSectionSet sections, ElfFile? elf)
    {
        Sections = sections;
        Elf = elf;
        Info = DebugInfo.Parse(sections);
        DebugFrame = sections.DebugFrame.IsEmpty ? null : CallFrameInfo.ParseDebugFrame(sections.DebugFrame);
        EhFrame = sections.EhFrame.IsEmpty ? null : CallFrameInfo.ParseEhFrame(sections.EhFrame, sections.EhFrameAddress);
    }

    public DwarfSectionSet Sections { get; }
    public ElfFile? Elf { get; }
    public DebugInfo Info { get; }
    public CallFrameInfo? DebugFrame { get; }
    public CallFrameInfo? EhFrame { get; }

    /// <summary>Reads the debug information of an ELF file.</summary>
    public static DebugData Load(ElfFile elf) => new(DwarfSectionSet.FromElf(elf), elf);

    /// <summary>Reads debug information from raw sections.</summary>
    public static DebugData Parse(DwarfSectionSet sections) => new(sections, null);

    /// <summary>The line table of <paramref name="unit"/> (DW_AT_stmt_list), or null.</summary>
    public LineTable? GetLineTable(DwarfUnit unit)
    {
        if (unit.Root.GetUnsigned(DwAt.StmtList) is not ulong offset)
        {
            return null;
        }

        if (!_lineTables.TryGetValue(offset, out LineTable? table))
        {
            table = LineTable.Parse(Sections, offset, unit.Root.Get(DwAt.CompDir)?.Text, unit.Root.Name);
            _lineTables[offset] = table;
        }

        return table;
    }

    /// <summary>The address ranges of a DIE: low_pc/high_pc or DW_AT_ranges (DWARF 5 rnglists or DWARF 4 ranges).</summary>
    public IReadOnlyList<(ulong Low, ulong High)> GetRanges(DwarfDie die) => Malformed.Guard("range list", () => ReadRanges(die));

    private IReadOnlyList<(ulong Low, ulong High)> ReadRanges(DwarfDie die)
    {
        if (die.PcRange is (ulong low, ulong high))
        {
            return [(low, high)];
        }

        if (die.GetUnsigned(DwAt.Ranges) is not ulong offset)
        {
            return [];
        }

        ulong unitBase = die.Unit.Root.GetUnsigned(DwAt.LowPc) ?? 0;
        if (die.Unit.Version >= 5)
        {
            return ReadList(Sections.DebugRnglists.Span, offset, die.Unit, unitBase, isLocationList: false).Select(e => (e.Start, e.End)).ToList();
        }

        var result = new List<(ulong, ulong)>();
        var r = new ByteReader(Sections.DebugRanges.Span, checked((int)offset));
        ulong baseAddress = unitBase;
        while (true)
        {
            ulong start = r.ReadUInt64();
            ulong end = r.ReadUInt64();
            if (start == 0 && end == 0)
            {
                return result;
            }

            if (start == ulong.MaxValue)
            {
                baseAddress = end;
                continue;
            }

            result.Add((baseAddress + start, baseAddress + end));
        }
    }

    /// <summary>Reads a DWARF 5 location list (DW_AT_location of form sec_offset or loclistx).</summary>
    public IReadOnlyList<ListEntry> GetLocationList(DwarfUnit unit, ulong offset)
        => Malformed.Guard("location list", () => ReadList(Sections.DebugLoclists.Span, offset, unit, unit.Root.GetUnsigned(DwAt.LowPc) ?? 0, isLocationList: true));

    private List<ListEntry> ReadList(ReadOnlySpan<byte> data, ulong offset, DwarfUnit unit, ulong baseAddress, bool isLocationList)
    {
        var result = new List<ListEntry>();
        var r = new ByteReader(data, checked((int)offset));
        ulong Addrx(ulong index)
        {
            var a = new ByteReader(Sections.DebugAddr.Span, checked((int)(unit.AddrBase + index * unit.AddressSize)));
            return a.ReadUnsigned(unit.AddressSize);
        }

        while (true)
        {
            byte kind = r.ReadByte();
            ulong start, end;
            // The range list and location list entry kinds share codes 0-4; they differ after.
            switch (kind)
            {
                case 0:                                         // end_of_list
                    return result;
                case 1:                                         // base_addressx
                    baseAddress = Addrx(r.ReadULeb128());
                    continue;
                case 2:                                         // startx_endx
                    start = Addrx(r.ReadULeb128());
                    end = Addrx(r.ReadULeb128());
                    break;
                case 3:                                         // startx_length
                    start = Addrx(r.ReadULeb128());
                    end = start + r.ReadULeb128();
                    break;
                case 4:                                         // offset_pair
                    start = baseAddress + r.ReadULeb128();
                    end = baseAddress + r.ReadULeb128();
                    break;
                default:
                    if (isLocationList && kind == DwLle.DefaultLocation)
                    {
                        start = 0;
                        end = ulong.MaxValue;
                        break;
                    }

                    // Past default_location, the location list kinds are the range list kinds one code up.
                    switch (isLocationList ? kind - 1 : kind)
                    {
                        case DwRle.BaseAddress:
                            baseAddress = r.ReadUInt64();
                            continue;
                        case DwRle.StartEnd:
                            start = r.ReadUInt64();
                            end = r.ReadUInt64();
                            break;
                        case DwRle.StartLength:
                            start = r.ReadUInt64();
                            end = start + r.ReadULeb128();
                            break;
                        default:
                            throw new FormatException($"unknown {(isLocationList ? "location" : "range")} list entry kind {kind}");
                    }

                    break;
            }

            byte[]? expression = null;
            if (isLocationList)
            {
                expression = r.ReadBytes(checked((int)r.ReadULeb128())).ToArray();
            }

            result.Add(new ListEntry(start, end, expression));
        }
    }

    /// <summary>All subprogram DIEs with code, depth first.</summary>
    public IEnumerable<DwarfDie> Functions()
    {
        foreach (DwarfUnit unit in Info.Units)
        {
            foreach (DwarfDie die in Descendants(unit.Root))
            {
                if (die.Tag == DwTag.Subprogram && (die.Has(DwAt.LowPc) || die.Has(DwAt.Ranges)))
                {
                    yield return die;
                }
            }
        }
    }

    /// <summary>The subprogram whose ranges contain <paramref name="pc"/>, or null (binary search over all ranges).</summary>
    public DwarfDie? FindFunction(ulong pc)
    {
        if (_functionIndex is null)
        {
            _functionIndex = new();
            foreach (DwarfDie function in Functions())
            {
                foreach ((ulong low, ulong high) in GetRanges(function))
                {
                    if (high > low)
                    {
                        _functionIndex.Add((low, high, function));
                    }
                }
            }

            _functionIndex.Sort((a, b) => a.Start.CompareTo(b.Start));
        }

        int i = LastStartingAtOrBefore(_functionIndex, pc, e => e.Start);
        return i >= 0 && pc < _functionIndex[i].End ? _functionIndex[i].Die : null;
    }

    /// <summary>The line table row covering <paramref name="pc"/>, or null (binary search over all rows).</summary>
    public SourcePosition? FindLine(ulong pc)
    {
        if (_lineIndex is null)
        {
            _lineIndex = new();
            foreach (DwarfUnit unit in Info.Units)
            {
                if (GetLineTable(unit) is not LineTable table)
                {
                    continue;
                }

                IReadOnlyList<LineTableRow> rows = table.Rows;
                for (int i = 0; i + 1 < rows.Count; i++)
                {
                    if (!rows[i].EndSequence && rows[i + 1].Address > rows[i].Address)
                    {
                        _lineIndex.Add((rows[i].Address, rows[i + 1].Address, rows[i], table));
                    }
                }
            }

            _lineIndex.Sort((a, b) => a.Start.CompareTo(b.Start));
        }

        int index = LastStartingAtOrBefore(_lineIndex, pc, e => e.Start);
        if (index < 0 || pc >= _lineIndex[index].End)
        {
            return null;
        }

        (_, _, LineTableRow row, LineTable found) = _lineIndex[index];
        return new SourcePosition(found.GetFullPath(row.File), (int)row.Line, (int)row.Column, row.Address);
    }

    /// <summary>The index of the last element whose start is at or before <paramref name="pc"/>, or -1.</summary>
    private static int LastStartingAtOrBefore<T>(List<T> sorted, ulong pc, Func<T, ulong> start)
    {
        int low = 0, high = sorted.Count - 1, found = -1;
        while (low <= high)
        {
            int mid = low + ((high - low) / 2);
            if (start(sorted[mid]) <= pc)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return found;
    }

    /// <summary>Address → function name and source position (falling back to ELF symbols for the name).</summary>
    public AddressInfo? Lookup(ulong pc)
    {
        DwarfDie? function = FindFunction(pc);
        SourcePosition? position = FindLine(pc);
        if (function is not null)
        {
            string? name = function.Name ?? function.GetReference(DwAt.AbstractOrigin)?.Name ?? function.GetReference(DwAt.Specification)?.Name;
            return new AddressInfo(name, GetRanges(function).Select(r => r.Low).DefaultIfEmpty(0UL).Min(), position);
        }

        if (Elf?.FindFunction(pc) is ElfSymbol symbol)
        {
            return new AddressInfo(symbol.Name, symbol.Address, position);
        }

        return position is null ? null : new AddressInfo(null, 0, position);
    }

    /// <summary>
    /// The parameters and variables visible at <paramref name="pc"/>, innermost scope first; variables whose
    /// location list does not cover the pc are left out.
    /// </summary>
    public IReadOnlyList<ScopedVariable> VariablesAt(ulong pc)
    {
        var result = new List<ScopedVariable>();
        DwarfDie? function = FindFunction(pc);
        if (function is null)
        {
            return result;
        }

        var scopes = new List<DwarfDie> { function };
        DwarfDie current = function;
        while (true)
        {
            DwarfDie? inner = current.Children.FirstOrDefault(c => c.Tag == DwTag.LexicalBlock && GetRanges(c).Any(r => pc >= r.Low && pc < r.High));
            if (inner is null)
            {
                break;
            }

            scopes.Add(inner);
            current = inner;
        }

        for (int depth = scopes.Count - 1; depth >= 0; depth--)
        {
            foreach (DwarfDie child in scopes[depth].Children)
            {
                if (child.Tag is not (DwTag.Variable or DwTag.FormalParameter) || child.Name is null)
                {
                    continue;
                }

                SimpleLocation? location = LocationAt(child, pc);
                if (location is null)
                {
                    continue;
                }

                DwarfDie? type = child.GetReference(DwAt.Type);
                result.Add(new ScopedVariable(child.Name, child.Tag == DwTag.FormalParameter, child, type, TypeName(type), location.Value, depth));
            }
        }

        return result;
    }

    /// <summary>The location of a variable DIE valid at <paramref name="pc"/> (any pc for an exprloc), or null.</summary>
    public SimpleLocation? LocationAt(DwarfDie variable, ulong pc)
    {
        DwarfAttribute? location = variable.Get(DwAt.Location);
        if (location is null)
        {
            return null;
        }

        if (location.Block is byte[] expression)
        {
            return DwarfExpression.Decode(expression);
        }

        foreach (ListEntry entry in GetLocationList(variable.Unit, location.Value))
        {
            if (pc >= entry.Start && pc < entry.End && entry.Expression is not null)
            {
                return DwarfExpression.Decode(entry.Expression);
            }
        }

        return null;
    }

    /// <summary>
    /// The frame base (DW_AT_frame_base) of the function containing <paramref name="pc"/> in a frame whose registers
    /// <paramref name="readRegister"/> reads: the CFA (DW_OP_call_frame_cfa, computed from the CFI), a register's
    /// value (DW_OP_regN) or register + offset (DW_OP_bregN). Null if unknown.
    /// </summary>
    public ulong? GetFrameBase(ulong pc, Func<ulong, ulong?> readRegister)
    {
        if (FindFunction(pc)?.Get(DwAt.FrameBase)?.Block is not byte[] expression)
        {
            return null;
        }

        SimpleLocation frameBase = DwarfExpression.Decode(expression);
        return frameBase.Kind switch
        {
            LocationKind.CallFrameCfa => GetCfa(pc, readRegister),
            LocationKind.Register => readRegister(frameBase.Register),
            LocationKind.RegisterOffset => readRegister(frameBase.Register) is ulong value ? value + (ulong)frameBase.Offset : null,
            _ => null,
        };
    }

    /// <summary>The CFA of a frame stopped at <paramref name="pc"/>, from the CFI; null if unknown.</summary>
    public ulong? GetCfa(ulong pc, Func<ulong, ulong?> readRegister)
    {
        UnwindRow? row = Unwind(pc);
        if (row is null || row.CfaExpression is not null)
        {
            return null;
        }

        return readRegister(row.CfaRegister) is ulong value ? value + (ulong)row.CfaOffset : null;
    }

    /// <summary>
    /// Where a variable found by <see cref="VariablesAt"/> lives in a frame stopped at <paramref name="pc"/>: its
    /// memory address, or null with <paramref name="register"/> set for a register variable (both null if unknown).
    /// </summary>
    public ulong? GetVariableAddress(ScopedVariable variable, ulong pc, Func<ulong, ulong?> readRegister, out ulong? register)
    {
        register = null;
        SimpleLocation location = variable.Location;
        switch (location.Kind)
        {
            case LocationKind.Register:
                register = location.Register;
                return null;
            case LocationKind.Address:
                return location.Address;
            case LocationKind.FrameBaseOffset:
                return GetFrameBase(pc, readRegister) is ulong frameBase ? frameBase + (ulong)location.Offset : null;
            case LocationKind.RegisterOffset:
                return readRegister(location.Register) is ulong value ? value + (ulong)location.Offset : null;
            default:
                try
                {
                    ulong frameBaseValue = GetFrameBase(pc, readRegister) ?? 0;
                    ulong cfa = GetCfa(pc, readRegister) ?? 0;
                    return DwarfExpression.Evaluate(location.Expression, r => readRegister(r) ?? 0, frameBaseValue, cfa, out register);
                }
                catch (Exception e) when (e is NotSupportedException or FormatException or InvalidOperationException)
                {
                    return null;
                }
        }
    }

    /// <summary>The unwind rules at <paramref name="pc"/> from .debug_frame, else .eh_frame; null if neither covers it.</summary>
    public UnwindRow? Unwind(ulong pc) => DebugFrame?.Evaluate(pc) ?? EhFrame?.Evaluate(pc);

    /// <summary>A C-like spelling of a type DIE ("int", "node *", "int[10]", "const char *", "int (*)(int, ...)").</summary>
    public static string TypeName(DwarfDie? type) => TypeName(type, 0);

    private static string TypeName(DwarfDie? type, int depth)
    {
        if (type is null)
        {
            return "void";
        }

        if (depth > 16)
        {
            return "...";
        }

        DwarfDie? target = type.GetReference(DwAt.Type);
        switch (type.Tag)
        {
            case DwTag.BaseType:
            case DwTag.Typedef:
                return type.Name ?? "?";
            case DwTag.StructureType:
                return "struct " + (type.Name ?? "<anonymous>");
            case DwTag.UnionType:
                return "union " + (type.Name ?? "<anonymous>");
            case DwTag.EnumerationType:
                return "enum " + (type.Name ?? "<anonymous>");
            case DwTag.PointerType:
                if (target?.Tag == DwTag.SubroutineType)
                {
                    return SubroutineName(target, "(*)", depth);
                }

                return TypeName(target, depth + 1) + " *";
            case DwTag.ConstType:
                return "const " + TypeName(target, depth + 1);
            case DwTag.VolatileType:
                return "volatile " + TypeName(target, depth + 1);
            case DwTag.RestrictType:
                return TypeName(target, depth + 1) + " restrict";
            case DwTag.AtomicType:
                return "_Atomic " + TypeName(target, depth + 1);
            case DwTag.ArrayType:
                string dims = string.Concat(type.Children.Where(c => c.Tag == DwTag.SubrangeType).Select(c =>
                    c.GetUnsigned(DwAt.Count) is ulong count ? $"[{count}]"
                    : c.Get(DwAt.UpperBound) is DwarfAttribute upper ? $"[{upper.SignedValue + 1}]"
                    : "[]"));
                return TypeName(target, depth + 1) + dims;
            case DwTag.SubroutineType:
                return SubroutineName(type, "", depth);
            default:
                return type.Name ?? $"<tag 0x{type.Tag:x}>";
        }
    }

    private static string SubroutineName(DwarfDie type, string inner, int depth)
    {
        var parameters = type.Children.Where(c => c.Tag == DwTag.FormalParameter).Select(c => TypeName(c.GetReference(DwAt.Type), depth + 1)).ToList();
        if (type.Children.Any(c => c.Tag == DwTag.UnspecifiedParameters))
        {
            parameters.Add("...");
        }

        return $"{TypeName(type.GetReference(DwAt.Type), depth + 1)} {inner}({string.Join(", ", parameters)})";
    }

    internal static IEnumerable<DwarfDie> Descendants(DwarfDie die)
    {
        foreach (DwarfDie child in die.Children)
        {
            yield return child;
            foreach (DwarfDie descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }
}
