using Lantern.Observability.Binary;

namespace Lantern.Observability.Elf;

/// <summary>A section header of an <see cref="ElfFile"/>.</summary>
public sealed record ElfSection(int Index, string Name, uint Type, ulong Flags, ulong Address, ulong Offset, ulong Size, uint Link, uint Info, ulong Alignment, ulong EntrySize);

/// <summary>A program header of an <see cref="ElfFile"/>.</summary>
public sealed record ElfSegment(uint Type, uint Flags, ulong Offset, ulong Address, ulong FileSize, ulong MemorySize, ulong Alignment);

/// <summary>
/// A symbol of .symtab or .dynsym. <see cref="Address"/> is the absolute value: <c>st_value</c>, plus the
/// section's address in a relocatable (ET_REL) file, where <c>st_value</c> is section-relative.
/// </summary>
public sealed record ElfSymbol(string Name, ulong Value, ulong Size, byte Binding, byte Type, ushort SectionIndex, ulong Address, bool IsDynamic);

/// <summary>
/// A parsed ELF64 little-endian file (the reader side; it shares only <see cref="ElfConst"/> with the writer):
/// header, section and program headers, symbols, and section contents by name.
/// </summary>
public sealed class ElfFile
{
    private readonly byte[] _bytes;

    private ElfFile(byte[] bytes)
    {
        _bytes = bytes;
    }

    /// <summary>e_type (ET_REL, ET_EXEC, ET_DYN).</summary>
    public ushort Type { get; private set; }

    /// <summary>e_machine.</summary>
    public ushort Machine { get; private set; }

    /// <summary>e_entry.</summary>
    public ulong Entry { get; private set; }

    /// <summary>The section headers, including the null section at index 0.</summary>
    public IReadOnlyList<ElfSection> Sections { get; private set; } = [];

    /// <summary>The program headers.</summary>
    public IReadOnlyList<ElfSegment> Segments { get; private set; } = [];

    /// <summary>The symbols of .symtab followed by those of .dynsym (null symbols excluded).</summary>
    public IReadOnlyList<ElfSymbol> Symbols { get; private set; } = [];

    /// <summary>The whole file.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>The GNU build ID (the NT_GNU_BUILD_ID note), or empty if the file has none.</summary>
    public ReadOnlyMemory<byte> BuildId { get; private set; } = ReadOnlyMemory<byte>.Empty;

    /// <summary>
    /// The <c>.gnu_debuglink</c> section: the file name of the detached debug file and the CRC-32 of its contents,
    /// or null.
    /// </summary>
    public (string Name, uint Crc)? DebugLink { get; private set; }

    /// <summary>Reads an ELF file from disk.</summary>
    public static ElfFile Load(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>Parses the bytes of an ELF64 little-endian file.</summary>
    /// <exception cref="FormatException">The bytes are not a well-formed ELF64 LSB file.</exception>
    public static ElfFile Parse(byte[] bytes)
    {
        var file = new ElfFile(bytes);
        return Malformed.Guard("ELF file", () =>
        {
            file.ParseHeaders();
            return file;
        });
    }

    /// <summary>The section called <paramref name="name"/>, or null.</summary>
    public ElfSection? FindSection(string name) => Sections.FirstOrDefault(s => s.Name == name);

    /// <summary>The contents of a section (empty for SHT_NOBITS).</summary>
    public ReadOnlyMemory<byte> GetData(ElfSection section)
    {
        if (section.Type == ElfConst.ShtNobits || section.Type == ElfConst.ShtNull)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        CheckRange(section.Offset, section.Size, section.Name);
        return _bytes.AsMemory((int)section.Offset, (int)section.Size);
    }

    /// <summary>
    /// The contents of the section called <paramref name="name"/>, or empty if there is none. In a relocatable
    /// file the section's RELA relocations (R_X86_64_64/32/32S/PC32/PC64 against section and defined symbols) are
    /// applied, so DWARF from <c>gcc -c</c> reads as the linker would see it with sections at their sh_addr.
    /// </summary>
    public ReadOnlyMemory<byte> GetData(string name)
    {
        if (FindSection(name) is not ElfSection section)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        ReadOnlyMemory<byte> data = GetData(section);
        if (Type != ElfConst.EtRel)
        {
            return data;
        }

        ElfSection? rela = Sections.FirstOrDefault(s => s.Type == ElfConst.ShtRela && s.Info == (uint)section.Index);
        return rela is null ? data : Malformed.Guard(rela.Name, () => ApplyRelocations(section, data.ToArray(), rela));
    }

    private byte[] ApplyRelocations(ElfSection target, byte[] data, ElfSection rela)
    {
        if (rela.Link >= Sections.Count)
        {
            throw new FormatException($"{rela.Name}: bad symbol table link");
        }

        ReadOnlySpan<byte> symtab = GetData(Sections[(int)rela.Link]).Span;
        var r = new ByteReader(GetData(rela).Span);
        while (r.Position + 24 <= r.Length)
        {
            ulong offset = r.ReadUInt64();                      // r_offset
            ulong info = r.ReadUInt64();                        // r_info
            long addend = r.ReadInt64();                        // r_addend
            uint type = (uint)info;
            int symbol = (int)(info >> 32);
            var s = new ByteReader(symtab, symbol * ElfConst.Elf64SymSize + 6);
            ushort shndx = s.ReadUInt16();                      // st_shndx
            ulong value = s.ReadUInt64();                       // st_value
            ulong symbolAddress = shndx != ElfConst.ShnUndef && shndx < Sections.Count && shndx != ElfConst.ShnAbs ? Sections[shndx].Address + value : value;
            ulong result = symbolAddress + (ulong)addend;
            ulong place = target.Address + offset;
            Span<byte> at = data.AsSpan(checked((int)offset));
            switch (type)
            {
                case 1:                                         // R_X86_64_64
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(at, result);
                    break;
                case 2:                                         // R_X86_64_PC32
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)(result - place));
                    break;
                case 10:                                        // R_X86_64_32
                case 11:                                        // R_X86_64_32S
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)result);
                    break;
                case 24:                                        // R_X86_64_PC64
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(at, result - place);
                    break;
                case 0:                                         // R_X86_64_NONE
                    break;
                default:
                    throw new FormatException($"{rela.Name}: unsupported relocation type {type}");
            }
        }

        return data;
    }

    /// <summary>The function symbol whose [address, address + size) contains <paramref name="address"/>, or null.</summary>
    public ElfSymbol? FindFunction(ulong address) => Symbols.FirstOrDefault(s => s.Type == ElfConst.SttFunc && address >= s.Address && address < s.Address + Math.Max(s.Size, 1));

    private void ParseHeaders()
    {
        var r = new ByteReader(_bytes);
        if (_bytes.Length < ElfConst.Elf64EhdrSize || _bytes[0] != 0x7f || _bytes[1] != 'E' || _bytes[2] != 'L' || _bytes[3] != 'F')
        {
            throw new FormatException("not an ELF file");
        }

        if (_bytes[4] != ElfConst.ElfClass64 || _bytes[5] != ElfConst.ElfData2Lsb)
        {
            throw new FormatException("only ELF64 little-endian files are supported");
        }

        r.Position = 16;
        Type = r.ReadUInt16();                                  // e_type
        Machine = r.ReadUInt16();                               // e_machine
        r.ReadUInt32();                                         // e_version
        Entry = r.ReadUInt64();                                 // e_entry
        ulong phoff = r.ReadUInt64();                           // e_phoff
        ulong shoff = r.ReadUInt64();                           // e_shoff
        r.ReadUInt32();                                         // e_flags
        r.ReadUInt16();                                         // e_ehsize
        ushort phentsize = r.ReadUInt16();                      // e_phentsize
        ushort phnum = r.ReadUInt16();                          // e_phnum
        ushort shentsize = r.ReadUInt16();                      // e_shentsize
        ushort shnum = r.ReadUInt16();                          // e_shnum
        ushort shstrndx = r.ReadUInt16();                       // e_shstrndx

        var segments = new List<ElfSegment>();
        for (int i = 0; i < phnum; i++)
        {
            CheckRange(phoff + (ulong)(i * phentsize), ElfConst.Elf64PhdrSize, "program header");
            r.Position = (int)phoff + i * phentsize;
            uint type = r.ReadUInt32();
            uint flags = r.ReadUInt32();
            ulong offset = r.ReadUInt64();
            ulong vaddr = r.ReadUInt64();
            r.ReadUInt64();                                     // p_paddr
            ulong filesz = r.ReadUInt64();
            ulong memsz = r.ReadUInt64();
            ulong align = r.ReadUInt64();
            segments.Add(new ElfSegment(type, flags, offset, vaddr, filesz, memsz, align));
        }

        Segments = segments;

        var raw = new List<(uint Name, uint Type, ulong Flags, ulong Addr, ulong Offset, ulong Size, uint Link, uint Info, ulong Align, ulong EntSize)>();
        for (int i = 0; i < shnum; i++)
        {
            CheckRange(shoff + (ulong)(i * shentsize), ElfConst.Elf64ShdrSize, "section header");
            r.Position = (int)shoff + i * shentsize;
            raw.Add((r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt64(), r.ReadUInt64()));
        }

        ReadOnlySpan<byte> names = shstrndx < raw.Count ? SectionBytes(raw[shstrndx].Offset, raw[shstrndx].Size) : [];
        var sections = new List<ElfSection>();
        for (int i = 0; i < raw.Count; i++)
        {
            var h = raw[i];
            string name = names.Length > 0 && h.Name < names.Length ? ByteReader.CStringAt(names, h.Name) : "";
            sections.Add(new ElfSection(i, name, h.Type, h.Flags, h.Addr, h.Offset, h.Size, h.Link, h.Info, h.Align, h.EntSize));
        }

        Sections = sections;
        var symbols = new List<ElfSymbol>();
        foreach (ElfSection section in sections.Where(s => s.Type == ElfConst.ShtSymtab))
        {
            ReadSymbols(section, symbols, isDynamic: false);
        }

        foreach (ElfSection section in sections.Where(s => s.Type == ElfConst.ShtDynsym))
        {
            ReadSymbols(section, symbols, isDynamic: true);
        }

        Symbols = symbols;
        ReadBuildId();
        if (FindSection(".gnu_debuglink") is { Type: not ElfConst.ShtNobits } link)
        {
            ReadOnlySpan<byte> data = GetData(link).Span;
            string name = ByteReader.CStringAt(data, 0);
            int crcAt = (name.Length + 4) & ~3;                 // the name, its NUL, padding to 4, then the CRC
            if (name.Length > 0 && crcAt + 4 <= data.Length)
            {
                DebugLink = (name, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[crcAt..]));
            }
        }
    }

    /// <summary>The build ID from the note sections, or from the PT_NOTE segments if the sections are gone.</summary>
    private void ReadBuildId()
    {
        var notes = Sections.Where(s => s.Type == ElfConst.ShtNote).Select(s => (s.Offset, s.Size)).ToList();
        if (notes.Count == 0)
        {
            notes = Segments.Where(s => s.Type == ElfConst.PtNote).Select(s => (s.Offset, s.FileSize)).ToList();
        }

        foreach ((ulong offset, ulong size) in notes)
        {
            ReadOnlySpan<byte> data = SectionBytes(offset, size);
            int p = 0;
            while (p + 12 <= data.Length)
            {
                var r = new ByteReader(data, p);
                int nameSize = (int)r.ReadUInt32();             // n_namesz
                int descSize = (int)r.ReadUInt32();             // n_descsz
                uint type = r.ReadUInt32();                     // n_type
                int descAt = p + 12 + ((nameSize + 3) & ~3);
                if (nameSize < 0 || descSize < 0 || descAt + (long)descSize > data.Length)
                {
                    break;
                }

                if (type == ElfConst.NtGnuBuildId && nameSize == 4 && data.Slice(p + 12, 4).SequenceEqual("GNU\0"u8))
                {
                    BuildId = data.Slice(descAt, descSize).ToArray();
                    return;
                }

                p = descAt + ((descSize + 3) & ~3);
            }
        }
    }

    private void ReadSymbols(ElfSection section, List<ElfSymbol> symbols, bool isDynamic)
    {
        if (section.Link >= Sections.Count)
        {
            throw new FormatException($"{section.Name}: bad string table link {section.Link}");
        }

        ReadOnlySpan<byte> data = GetData(section).Span;
        ReadOnlySpan<byte> strings = GetData(Sections[(int)section.Link]).Span;
        var r = new ByteReader(data);
        int count = data.Length / ElfConst.Elf64SymSize;
        for (int i = 1; i < count; i++)
        {
            r.Position = i * ElfConst.Elf64SymSize;
            uint name = r.ReadUInt32();                         // st_name
            byte info = r.ReadByte();                           // st_info
            r.ReadByte();                                       // st_other
            ushort shndx = r.ReadUInt16();                      // st_shndx
            ulong value = r.ReadUInt64();                       // st_value
            ulong size = r.ReadUInt64();                        // st_size
            ulong address = value;
            if (Type == ElfConst.EtRel && shndx != ElfConst.ShnUndef && shndx < Sections.Count)
            {
                address = Sections[shndx].Address + value;
            }

            symbols.Add(new ElfSymbol(ByteReader.CStringAt(strings, name), value, size, (byte)(info >> 4), (byte)(info & 0xf), shndx, address, isDynamic));
        }
    }

    private ReadOnlySpan<byte> SectionBytes(ulong offset, ulong size)
    {
        CheckRange(offset, size, "section");
        return _bytes.AsSpan((int)offset, (int)size);
    }

    private void CheckRange(ulong offset, ulong size, string what)
    {
        if (offset > (ulong)_bytes.Length || size > (ulong)_bytes.Length - offset)
        {
            throw new FormatException($"{what} [0x{offset:x}, +0x{size:x}) lies outside the file ({_bytes.Length} bytes)");
        }
    }
}
