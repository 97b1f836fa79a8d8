using Lantern.Observability.Binary;
using Lantern.Observability.Elf;

namespace Lantern.Observability.Dwarf.Read;

/// <summary>A row of a decoded line table.</summary>
public readonly record struct LineTableRow(
    ulong Address, ulong File, ulong Line, ulong Column, bool IsStmt, bool PrologueEnd, bool EpilogueBegin, bool EndSequence, ulong Discriminator);

/// <summary>A file entry of a line program header.</summary>
public readonly record struct LineFileEntry(string Name, ulong DirectoryIndex);

/// <summary>A decoded line program (.debug_line, DWARF 2-5): header tables and the rows of the state machine.</summary>
public sealed class LineTable
{
    public ulong Offset { get; private init; }
    public ushort Version { get; private init; }
    public IReadOnlyList<string> Directories { get; private init; } = [];
    public IReadOnlyList<LineFileEntry> Files { get; private init; } = [];
    public IReadOnlyList<LineTableRow> Rows { get; private init; } = [];

    /// <summary>
    /// The path of file register value <paramref name="file"/>: 0-based in DWARF 5, 1-based before. The directory
    /// is prefixed unless it is the compilation directory (index 0) and the name is relative.
    /// </summary>
    public string GetFilePath(ulong file)
    {
        long index = Version >= 5 ? (long)file : (long)file - 1;
        if (index < 0 || index >= Files.Count)
        {
            return $"<file {file}>";
        }

        LineFileEntry entry = Files[(int)index];
        if (entry.DirectoryIndex == 0 || Path.IsPathRooted(entry.Name) || entry.DirectoryIndex >= (ulong)Directories.Count)
        {
            return entry.Name;
        }

        return Directories[(int)entry.DirectoryIndex] + "/" + entry.Name;
    }

    /// <summary>The full path, always joined with the directory (with the compilation directory for index 0).</summary>
    public string GetFullPath(ulong file)
    {
        long index = Version >= 5 ? (long)file : (long)file - 1;
        if (index < 0 || index >= Files.Count)
        {
            return $"<file {file}>";
        }

        LineFileEntry entry = Files[(int)index];
        if (Path.IsPathRooted(entry.Name) || entry.DirectoryIndex >= (ulong)Directories.Count)
        {
            return entry.Name;
        }

        string directory = Directories[(int)entry.DirectoryIndex];
        if (!Path.IsPathRooted(directory) && entry.DirectoryIndex != 0 && Directories.Count > 0)
        {
            directory = Directories[0] + "/" + directory;
        }

        return directory.Length == 0 ? entry.Name : directory + "/" + entry.Name;
    }

    /// <summary>Decodes the line program at <paramref name="offset"/> of .debug_line.</summary>
    /// <param name="compDir">The unit's DW_AT_comp_dir: directory 0 of a DWARF 2-4 program.</param>
    /// <param name="compName">The unit's DW_AT_name (not used by the format; kept for symmetry with DWARF 5 file 0).</param>
    /// <exception cref="FormatException">Malformed program.</exception>
    public static LineTable Parse(DwarfSectionSet sections, ulong offset, string? compDir = null, string? compName = null)
        => Malformed.Guard(".debug_line", () => ParseProgram(sections, offset, compDir));

    private static LineTable ParseProgram(DwarfSectionSet sections, ulong offset, string? compDir)
    {
        ReadOnlySpan<byte> data = sections.DebugLine.Span;
        var r = new ByteReader(data, checked((int)offset));
        ulong unitLength = r.ReadUInt32();
        if (unitLength == 0xffffffff)
        {
            throw new FormatException("64-bit DWARF line programs are not supported");
        }

        int end = r.Position + (int)unitLength;
        ushort version = r.ReadUInt16();
        if (version < 2 || version > 5)
        {
            throw new FormatException($"unsupported line program version {version}");
        }

        byte addressSize = 8;
        if (version >= 5)
        {
            addressSize = r.ReadByte();                        // address_size
            r.ReadByte();                                      // segment_selector_size
        }

        uint headerLength = r.ReadUInt32();
        int programStart = r.Position + (int)headerLength;
        byte minInstLength = r.ReadByte();
        if (version >= 4)
        {
            r.ReadByte();                                      // maximum_operations_per_instruction (VLIW only)
        }

        bool defaultIsStmt = r.ReadByte() != 0;
        sbyte lineBase = r.ReadSByte();
        byte lineRange = r.ReadByte();
        byte opcodeBase = r.ReadByte();
        var standardLengths = new byte[Math.Max(opcodeBase, (byte)1)];
        for (int i = 1; i < opcodeBase; i++)
        {
            standardLengths[i] = r.ReadByte();
        }

        var directories = new List<string>();
        var files = new List<LineFileEntry>();
        if (version >= 5)
        {
            foreach (List<(ushort Type, string? Text, ulong Value)> entry in ReadEntries(ref r, sections))
            {
                directories.Add(entry.FirstOrDefault(e => e.Type == DwLnct.Path).Text ?? "");
            }

            foreach (List<(ushort Type, string? Text, ulong Value)> entry in ReadEntries(ref r, sections))
            {
                files.Add(new LineFileEntry(entry.FirstOrDefault(e => e.Type == DwLnct.Path).Text ?? "", entry.FirstOrDefault(e => e.Type == DwLnct.DirectoryIndex).Value));
            }
        }
        else
        {
            directories.Add(compDir ?? "");
            while (true)
            {
                string directory = r.ReadCString();
                if (directory.Length == 0)
                {
                    break;
                }

                directories.Add(directory);
            }

            while (true)
            {
                string name = r.ReadCString();
                if (name.Length == 0)
                {
                    break;
                }

                ulong dir = r.ReadULeb128();
                r.ReadULeb128();                               // modification time
                r.ReadULeb128();                               // length
                files.Add(new LineFileEntry(name, dir));
            }
        }

        r.Position = programStart;
        var rows = new List<LineTableRow>();

        // The state machine registers (DWARF 5, 6.2.2).
        ulong address = 0, file = 1, line = 1, column = 0, discriminator = 0;
        bool isStmt = defaultIsStmt, prologueEnd = false, epilogueBegin = false;
        void Reset()
        {
            address = 0;
            file = 1;
            line = 1;
            column = 0;
            discriminator = 0;
            isStmt = defaultIsStmt;
            prologueEnd = false;
            epilogueBegin = false;
        }

        void Emit(bool endSequence)
        {
            rows.Add(new LineTableRow(address, file, line, column, isStmt, prologueEnd, epilogueBegin, endSequence, discriminator));
            discriminator = 0;
            prologueEnd = false;
            epilogueBegin = false;
        }

        while (r.Position < end)
        {
            byte opcode = r.ReadByte();
            if (opcode >= opcodeBase)
            {
                int adjusted = opcode - opcodeBase;
                address += (ulong)(adjusted / lineRange * minInstLength);
                line = (ulong)((long)line + lineBase + (adjusted % lineRange));
                Emit(false);
                continue;
            }

            switch (opcode)
            {
                case 0:
                {
                    ulong length = r.ReadULeb128();
                    int next = r.Position + (int)length;
                    byte extended = length > 0 ? r.ReadByte() : (byte)0;
                    switch (extended)
                    {
                        case DwLne.EndSequence:
                            Emit(true);
                            Reset();
                            break;
                        case DwLne.SetAddress:
                            address = r.ReadUnsigned((int)length - 1 is 4 or 8 ? (int)length - 1 : addressSize);
                            break;
                        case DwLne.DefineFile:
                        {
                            string name = r.ReadCString();
                            ulong dir = r.ReadULeb128();
                            files.Add(new LineFileEntry(name, dir));
                            break;
                        }
                        case DwLne.SetDiscriminator:
                            discriminator = r.ReadULeb128();
                            break;
                    }

                    r.Position = next;
                    break;
                }
                case DwLns.Copy:
                    Emit(false);
                    break;
                case DwLns.AdvancePc:
                    address += r.ReadULeb128() * minInstLength;
                    break;
                case DwLns.AdvanceLine:
                    line = (ulong)((long)line + r.ReadSLeb128());
                    break;
                case DwLns.SetFile:
                    file = r.ReadULeb128();
                    break;
                case DwLns.SetColumn:
                    column = r.ReadULeb128();
                    break;
                case DwLns.NegateStmt:
                    isStmt = !isStmt;
                    break;
                case DwLns.SetBasicBlock:
                    break;
                case DwLns.ConstAddPc:
                    address += (ulong)((255 - opcodeBase) / lineRange * minInstLength);
                    break;
                case DwLns.FixedAdvancePc:
                    address += r.ReadUInt16();
                    break;
                case DwLns.SetPrologueEnd:
                    prologueEnd = true;
                    break;
                case DwLns.SetEpilogueBegin:
                    epilogueBegin = true;
                    break;
                case DwLns.SetIsa:
                    r.ReadULeb128();
                    break;
                default:
                    for (int i = 0; i < standardLengths[opcode]; i++)
                    {
                        r.ReadULeb128();
                    }

                    break;
            }
        }

        return new LineTable { Offset = offset, Version = version, Directories = directories, Files = files, Rows = rows };
    }

    /// <summary>Reads a DWARF 5 entry format description and the entries that follow it.</summary>
    private static List<List<(ushort Type, string? Text, ulong Value)>> ReadEntries(ref ByteReader r, DwarfSectionSet sections)
    {
        byte formatCount = r.ReadByte();
        var format = new (ushort Type, byte Form)[formatCount];
        for (int i = 0; i < formatCount; i++)
        {
            format[i] = ((ushort)r.ReadULeb128(), (byte)r.ReadULeb128());
        }

        ulong count = r.ReadULeb128();
        var entries = new List<List<(ushort, string?, ulong)>>();
        for (ulong i = 0; i < count; i++)
        {
            var entry = new List<(ushort, string?, ulong)>();
            foreach ((ushort type, byte form) in format)
            {
                string? text = null;
                ulong value = 0;
                switch (form)
                {
                    case DwForm.String:
                        text = r.ReadCString();
                        break;
                    case DwForm.LineStrp:
                        text = ByteReader.CStringAt(sections.DebugLineStr.Span, r.ReadUInt32());
                        break;
                    case DwForm.Strp:
                        text = ByteReader.CStringAt(sections.DebugStr.Span, r.ReadUInt32());
                        break;
                    case DwForm.Udata:
                        value = r.ReadULeb128();
                        break;
                    case DwForm.Data1:
                        value = r.ReadByte();
                        break;
                    case DwForm.Data2:
                        value = r.ReadUInt16();
                        break;
                    case DwForm.Data4:
                        value = r.ReadUInt32();
                        break;
                    case DwForm.Data8:
                        value = r.ReadUInt64();
                        break;
                    case DwForm.Data16:
                        r.Skip(16);
                        break;
                    case DwForm.Block:
                        r.Skip(checked((int)r.ReadULeb128()));
                        break;
                    default:
                        throw new FormatException($"unsupported line header entry form 0x{form:x}");
                }

                entry.Add((type, text, value));
            }

            entries.Add(entry);
        }

        return entries;
    }
}
