using Lantern.Observability.Binary;
using Lantern.Observability.Elf;

namespace Lantern.Observability.Dwarf.Read;

/// <summary>
/// An attribute of a DIE with its decoded value: <see cref="Value"/> for addresses, constants, offsets, flags and
/// references (references are .debug_info section offsets); <see cref="SignedValue"/> for sdata/implicit_const (and
/// data1/2/4/8 sign-extended); <see cref="Text"/> for strings; <see cref="Block"/> for exprloc and blocks.
/// </summary>
public sealed class DwarfAttribute
{
    internal DwarfAttribute(ushort name, byte form)
    {
        Name = name;
        Form = form;
    }

    public ushort Name { get; }
    public byte Form { get; }
    public ulong Value { get; internal set; }
    public long SignedValue { get; internal set; }
    public string? Text { get; internal set; }
    public byte[]? Block { get; internal set; }

    /// <summary>Whether the value is a reference to another DIE.</summary>
    public bool IsReference => Form is DwForm.Ref1 or DwForm.Ref2 or DwForm.Ref4 or DwForm.Ref8 or DwForm.RefUdata or DwForm.RefAddr;

    public override string ToString() => Text ?? (Block is not null ? Convert.ToHexString(Block) : $"0x{Value:x}");
}

/// <summary>A debugging information entry.</summary>
public sealed class DwarfDie
{
    internal DwarfDie(DwarfUnit unit, ulong offset, ushort tag, DwarfDie? parent)
    {
        Unit = unit;
        Offset = offset;
        Tag = tag;
        Parent = parent;
    }

    public DwarfUnit Unit { get; }

    /// <summary>The offset of the DIE in .debug_info.</summary>
    public ulong Offset { get; }

    public ushort Tag { get; }
    public DwarfDie? Parent { get; }
    public List<DwarfAttribute> Attributes { get; } = new();
    public List<DwarfDie> Children { get; } = new();

    /// <summary>The attribute <paramref name="name"/>, or null.</summary>
    public DwarfAttribute? Get(ushort name)
    {
        foreach (DwarfAttribute attribute in Attributes)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }

    public bool Has(ushort name) => Get(name) is not null;

    /// <summary>DW_AT_name, or null.</summary>
    public string? Name => Get(DwAt.Name)?.Text;

    /// <summary>The unsigned value of <paramref name="name"/>, or null.</summary>
    public ulong? GetUnsigned(ushort name) => Get(name)?.Value;

    /// <summary>The DIE referenced by <paramref name="name"/> (e.g. DW_AT_type), or null.</summary>
    public DwarfDie? GetReference(ushort name) => Get(name) is { IsReference: true } a ? Unit.Info.FindDie(a.Value) : null;

    /// <summary>[low, high) from DW_AT_low_pc and DW_AT_high_pc (address or length form), or null.</summary>
    public (ulong Low, ulong High)? PcRange
    {
        get
        {
            if (Get(DwAt.LowPc) is not DwarfAttribute low || Get(DwAt.HighPc) is not DwarfAttribute high)
            {
                return null;
            }

            ulong end = high.Form == DwForm.Addr || high.Form is DwForm.Addrx or DwForm.Addrx1 or DwForm.Addrx2 or DwForm.Addrx3 or DwForm.Addrx4
                ? high.Value
                : low.Value + high.Value;
            return (low.Value, end);
        }
    }

    public override string ToString() => $"<0x{Offset:x}> tag 0x{Tag:x} {Name}";
}

/// <summary>A unit of .debug_info (DWARF 2-5 headers).</summary>
public sealed class DwarfUnit
{
    internal DwarfUnit(DebugInfo info, ulong offset)
    {
        Info = info;
        Offset = offset;
    }

    public DebugInfo Info { get; }
    public ulong Offset { get; }
    public ushort Version { get; internal set; }
    public byte UnitType { get; internal set; }
    public byte AddressSize { get; internal set; }
    public ulong AbbrevOffset { get; internal set; }
    public DwarfDie Root { get; internal set; } = null!;
    public ulong StrOffsetsBase { get; internal set; }
    public ulong AddrBase { get; internal set; }
    public ulong RnglistsBase { get; internal set; }
    public ulong LoclistsBase { get; internal set; }
}

/// <summary>The parsed .debug_info: units with their DIE trees (forms of DWARF 2-5 as gcc, clang and we emit them).</summary>
public sealed class DebugInfo
{
    private readonly Dictionary<ulong, DwarfDie> _dies = new();
    private readonly DwarfSectionSet _sections;

    private DebugInfo(DwarfSectionSet sections)
    {
        _sections = sections;
    }

    public IReadOnlyList<DwarfUnit> Units { get; private set; } = [];

    /// <summary>The DIE at .debug_info offset <paramref name="offset"/>, or null.</summary>
    public DwarfDie? FindDie(ulong offset) => _dies.GetValueOrDefault(offset);

    /// <summary>Parses all units.</summary>
    /// <exception cref="FormatException">Malformed DWARF.</exception>
    public static DebugInfo Parse(DwarfSectionSet sections)
    {
        var info = new DebugInfo(sections);
        return Malformed.Guard(".debug_info", () =>
        {
            info.ParseUnits();
            return info;
        });
    }

    private sealed record Abbrev(ushort Tag, bool HasChildren, (ushort At, byte Form, long Implicit)[] Specs);

    private Dictionary<ulong, Abbrev> ParseAbbrevs(ulong offset)
    {
        var table = new Dictionary<ulong, Abbrev>();
        var r = new ByteReader(_sections.DebugAbbrev.Span, checked((int)offset));
        while (true)
        {
            ulong code = r.ReadULeb128();
            if (code == 0)
            {
                return table;
            }

            ushort tag = (ushort)r.ReadULeb128();
            bool children = r.ReadByte() == DwChildren.Yes;
            var specs = new List<(ushort, byte, long)>();
            while (true)
            {
                ushort at = (ushort)r.ReadULeb128();
                byte form = (byte)r.ReadULeb128();
                if (at == 0 && form == 0)
                {
                    break;
                }

                long implicitConst = form == DwForm.ImplicitConst ? r.ReadSLeb128() : 0;
                specs.Add((at, form, implicitConst));
            }

            table[code] = new Abbrev(tag, children, specs.ToArray());
        }
    }

    private void ParseUnits()
    {
        var units = new List<DwarfUnit>();
        var abbrevCache = new Dictionary<ulong, Dictionary<ulong, Abbrev>>();
        ReadOnlySpan<byte> data = _sections.DebugInfo.Span;
        var r = new ByteReader(data);
        while (!r.AtEnd)
        {
            var unit = new DwarfUnit(this, (ulong)r.Position);
            ulong length = r.ReadUInt32();
            if (length == 0xffffffff)
            {
                throw new FormatException("64-bit DWARF is not supported");
            }

            int end = r.Position + (int)length;
            unit.Version = r.ReadUInt16();
            if (unit.Version >= 5)
            {
                unit.UnitType = r.ReadByte();
                unit.AddressSize = r.ReadByte();
                unit.AbbrevOffset = r.ReadUInt32();
                if (unit.UnitType is DwUt.Skeleton or DwUt.SplitCompile)
                {
                    r.ReadUInt64();                             // dwo_id
                }
                else if (unit.UnitType is DwUt.Type or DwUt.SplitType)
                {
                    r.ReadUInt64();                             // type_signature
                    r.ReadUInt32();                             // type_offset
                }
            }
            else if (unit.Version >= 2)
            {
                unit.UnitType = DwUt.Compile;
                unit.AbbrevOffset = r.ReadUInt32();
                unit.AddressSize = r.ReadByte();
            }
            else
            {
                throw new FormatException($"unsupported DWARF version {unit.Version}");
            }

            if (!abbrevCache.TryGetValue(unit.AbbrevOffset, out Dictionary<ulong, Abbrev>? abbrevs))
            {
                abbrevs = ParseAbbrevs(unit.AbbrevOffset);
                abbrevCache[unit.AbbrevOffset] = abbrevs;
            }

            var pending = new List<DwarfAttribute>();
            var stack = new Stack<DwarfDie>();
            DwarfDie? root = null;
            while (r.Position < end)
            {
                ulong dieOffset = (ulong)r.Position;
                ulong code = r.ReadULeb128();
                if (code == 0)
                {
                    if (stack.Count > 0)
                    {
                        stack.Pop();
                    }

                    continue;
                }

                if (!abbrevs.TryGetValue(code, out Abbrev? abbrev))
                {
                    throw new FormatException($"DIE at 0x{dieOffset:x}: unknown abbreviation code {code}");
                }

                DwarfDie? parent = stack.Count > 0 ? stack.Peek() : null;
                var die = new DwarfDie(unit, dieOffset, abbrev.Tag, parent);
                foreach ((ushort at, byte form, long implicitConst) in abbrev.Specs)
                {
                    die.Attributes.Add(ReadAttribute(ref r, unit, at, form, implicitConst, pending));
                }

                _dies[dieOffset] = die;
                if (parent is null)
                {
                    root ??= die;
                }
                else
                {
                    parent.Children.Add(die);
                }

                if (abbrev.HasChildren)
                {
                    stack.Push(die);
                }
            }

            r.Position = end;
            unit.Root = root ?? throw new FormatException($"unit at 0x{unit.Offset:x} has no DIE");
            unit.StrOffsetsBase = root.GetUnsigned(DwAt.StrOffsetsBase) ?? 8;
            unit.AddrBase = root.GetUnsigned(DwAt.AddrBase) ?? 8;
            unit.RnglistsBase = root.GetUnsigned(DwAt.RnglistsBase) ?? 0;
            unit.LoclistsBase = root.GetUnsigned(DwAt.LoclistsBase) ?? 0;
            foreach (DwarfAttribute attribute in pending)
            {
                ResolveIndexed(unit, attribute);
            }

            units.Add(unit);
        }

        Units = units;
    }

    private DwarfAttribute ReadAttribute(ref ByteReader r, DwarfUnit unit, ushort at, byte form, long implicitConst, List<DwarfAttribute> pending)
    {
        var a = new DwarfAttribute(at, form);
        switch (form)
        {
            case DwForm.Addr:
                a.Value = r.ReadUnsigned(unit.AddressSize);
                break;
            case DwForm.Data1:
                a.Value = r.ReadByte();
                a.SignedValue = (sbyte)a.Value;
                break;
            case DwForm.Data2:
                a.Value = r.ReadUInt16();
                a.SignedValue = (short)a.Value;
                break;
            case DwForm.Data4:
                a.Value = r.ReadUInt32();
                a.SignedValue = (int)a.Value;
                break;
            case DwForm.Data8:
                a.Value = r.ReadUInt64();
                a.SignedValue = (long)a.Value;
                break;
            case DwForm.Data16:
                a.Block = r.ReadBytes(16).ToArray();
                break;
            case DwForm.Sdata:
                a.SignedValue = r.ReadSLeb128();
                a.Value = (ulong)a.SignedValue;
                break;
            case DwForm.Udata:
                a.Value = r.ReadULeb128();
                a.SignedValue = (long)a.Value;
                break;
            case DwForm.ImplicitConst:
                a.SignedValue = implicitConst;
                a.Value = (ulong)implicitConst;
                break;
            case DwForm.String:
                a.Text = r.ReadCString();
                break;
            case DwForm.Strp:
                a.Value = r.ReadUInt32();
                a.Text = ByteReader.CStringAt(_sections.DebugStr.Span, a.Value);
                break;
            case DwForm.LineStrp:
                a.Value = r.ReadUInt32();
                a.Text = ByteReader.CStringAt(_sections.DebugLineStr.Span, a.Value);
                break;
            case DwForm.Strx:
            case DwForm.Addrx:
            case DwForm.Rnglistx:
            case DwForm.Loclistx:
                a.Value = r.ReadULeb128();
                pending.Add(a);
                break;
            case DwForm.Strx1:
            case DwForm.Addrx1:
                a.Value = r.ReadByte();
                pending.Add(a);
                break;
            case DwForm.Strx2:
            case DwForm.Addrx2:
                a.Value = r.ReadUInt16();
                pending.Add(a);
                break;
            case DwForm.Strx3:
            case DwForm.Addrx3:
                a.Value = r.ReadUInt24();
                pending.Add(a);
                break;
            case DwForm.Strx4:
            case DwForm.Addrx4:
                a.Value = r.ReadUInt32();
                pending.Add(a);
                break;
            case DwForm.Ref1:
                a.Value = unit.Offset + r.ReadByte();
                break;
            case DwForm.Ref2:
                a.Value = unit.Offset + r.ReadUInt16();
                break;
            case DwForm.Ref4:
                a.Value = unit.Offset + r.ReadUInt32();
                break;
            case DwForm.Ref8:
                a.Value = unit.Offset + r.ReadUInt64();
                break;
            case DwForm.RefUdata:
                a.Value = unit.Offset + r.ReadULeb128();
                break;
            case DwForm.RefAddr:
                a.Value = unit.Version <= 2 ? r.ReadUnsigned(unit.AddressSize) : r.ReadUInt32();
                break;
            case DwForm.RefSig8:
                a.Value = r.ReadUInt64();
                break;
            case DwForm.SecOffset:
            case DwForm.StrpSup:
            case DwForm.RefSup4:
                a.Value = r.ReadUInt32();
                break;
            case DwForm.RefSup8:
                a.Value = r.ReadUInt64();
                break;
            case DwForm.Flag:
                a.Value = r.ReadByte();
                break;
            case DwForm.FlagPresent:
                a.Value = 1;
                break;
            case DwForm.Exprloc:
            case DwForm.Block:
                a.Block = r.ReadBytes(checked((int)r.ReadULeb128())).ToArray();
                break;
            case DwForm.Block1:
                a.Block = r.ReadBytes(r.ReadByte()).ToArray();
                break;
            case DwForm.Block2:
                a.Block = r.ReadBytes(r.ReadUInt16()).ToArray();
                break;
            case DwForm.Block4:
                a.Block = r.ReadBytes(checked((int)r.ReadUInt32())).ToArray();
                break;
            case DwForm.Indirect:
                return ReadAttribute(ref r, unit, at, (byte)r.ReadULeb128(), implicitConst, pending);
            default:
                throw new FormatException($"unsupported attribute form 0x{form:x} (attribute 0x{at:x})");
        }

        return a;
    }

    private void ResolveIndexed(DwarfUnit unit, DwarfAttribute a)
    {
        switch (a.Form)
        {
            case DwForm.Strx or DwForm.Strx1 or DwForm.Strx2 or DwForm.Strx3 or DwForm.Strx4:
            {
                var r = new ByteReader(_sections.DebugStrOffsets.Span, checked((int)(unit.StrOffsetsBase + a.Value * 4)));
                a.Text = ByteReader.CStringAt(_sections.DebugStr.Span, r.ReadUInt32());
                break;
            }
            case DwForm.Addrx or DwForm.Addrx1 or DwForm.Addrx2 or DwForm.Addrx3 or DwForm.Addrx4:
            {
                var r = new ByteReader(_sections.DebugAddr.Span, checked((int)(unit.AddrBase + a.Value * unit.AddressSize)));
                a.Value = r.ReadUnsigned(unit.AddressSize);
                break;
            }
            case DwForm.Rnglistx:
            {
                var r = new ByteReader(_sections.DebugRnglists.Span, checked((int)(unit.RnglistsBase + a.Value * 4)));
                a.Value = unit.RnglistsBase + r.ReadUInt32();
                break;
            }
            case DwForm.Loclistx:
            {
                var r = new ByteReader(_sections.DebugLoclists.Span, checked((int)(unit.LoclistsBase + a.Value * 4)));
                a.Value = unit.LoclistsBase + r.ReadUInt32();
                break;
            }
        }
    }
}
