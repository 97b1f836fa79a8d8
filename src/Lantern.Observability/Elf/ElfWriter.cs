using System.Collections;
using Lantern.Observability.Binary;
using Lantern.Observability.Dwarf.Write;

namespace Lantern.Observability.Elf;

/// <summary>A section to be written by <see cref="ElfWriter"/>.</summary>
internal sealed class OutSection(string name, uint type, ulong flags, byte[] data, ulong align = 1)
{
    public string Name { get; } = name;
    public uint Type { get; } = type;
    public ulong Flags { get; } = flags;
    public byte[] Data { get; set; } = data;
    public ulong Align { get; } = align;
    public ulong Address { get; set; }
    public ulong NobitsSize { get; set; }
    public uint Link { get; set; }
    public uint Info { get; set; }
    public ulong EntSize { get; set; }
    public ulong Offset { get; set; }
    public uint NameOffset { get; set; }
    public ulong Size => Type == ElfConst.ShtNobits ? NobitsSize : (ulong)Data.Length;
}

/// <summary>The sections of an object in section header order; <see cref="Add"/> hands out each one's index.</summary>
internal sealed class OutSectionList : IEnumerable<OutSection>
{
    private readonly List<OutSection> _sections = new();

    /// <summary>The number of sections (without the null section).</summary>
    public int Count => _sections.Count;

    /// <summary>Appends <paramref name="section"/> and returns its index in the section header table (0 is the null section).</summary>
    public ushort Add(OutSection section)
    {
        _sections.Add(section);
        return (ushort)_sections.Count;
    }

    public IEnumerator<OutSection> GetEnumerator() => _sections.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A program header to be written by <see cref="ElfWriter"/>.</summary>
internal readonly record struct OutSegment(uint Type, uint Flags, ulong Offset, ulong Address, ulong FileSize, ulong MemorySize, ulong Align);

/// <summary>A shared object produced by <see cref="ElfWriter.WriteSharedObject"/>.</summary>
public sealed class SharedObjectImage
{
    internal SharedObjectImage(byte[] bytes, IReadOnlyDictionary<CodeInfo, ulong> addresses)
    {
        Bytes = bytes;
        Addresses = addresses;
    }

    /// <summary>The file contents.</summary>
    public byte[] Bytes { get; }

    /// <summary>Where each function's code sits in the object (virtual address relative to the load base).</summary>
    public IReadOnlyDictionary<CodeInfo, ulong> Addresses { get; }
}

/// <summary>
/// Writes ELF64 x86-64 little-endian objects carrying the DWARF of a <see cref="CompilationUnitInfo"/>:
/// an in-memory symbol file for the GDB JIT interface (<see cref="WriteSymfile"/>) and a loadable shared object
/// with the code copied inside (<see cref="WriteSharedObject"/>).
/// </summary>
public static class ElfWriter
{
    private const ulong PageSize = 0x1000;

    /// <summary>
    /// An ET_REL symbol file for the GDB JIT interface (after LuaJIT's lj_gdbjit.c): .text is SHT_NOBITS with
    /// sh_addr = the lowest function address and the size of the span of all functions, FUNC symbols relative to it
    /// (so each resolves to the function's absolute address), the DWARF sections with absolute addresses, and
    /// .debug_frame for unwinding. The only SHF_ALLOC section is .text, at the real address of the code.
    /// </summary>
    public static byte[] WriteSymfile(CompilationUnitInfo unit) => WriteSymfile([unit]);

    /// <summary>A symbol file batching several units (one DWARF unit each) into one object.</summary>
    public static byte[] WriteSymfile(IReadOnlyList<CompilationUnitInfo> units)
    {
        List<CodeInfo> functions = units.SelectMany(u => u.Functions).ToList();
        if (functions.Count == 0)
        {
            throw new ArgumentException("a symfile needs at least one function", nameof(units));
        }

        ulong low = functions.Min(f => f.Address);
        ulong high = functions.Max(f => f.Address + f.Size);
        DwarfSections dwarf = DwarfWriter.Write(units);

        var sections = new OutSectionList();
        var text = new OutSection(".text", ElfConst.ShtNobits, ElfConst.ShfAlloc | ElfConst.ShfExecinstr, [], 16)
        {
            Address = low,
            NobitsSize = high - low,
        };
        ushort textIndex = sections.Add(text);
        foreach ((string name, byte[] bytes) in dwarf.All())
        {
            sections.Add(DebugSection(name, bytes));
        }

        (byte[] symtab, byte[] strtab, uint firstGlobal) = WriteSymtab(units, textIndex, f => f.Address - low, _ => ElfSymbolKind.Function);
        var symtabSection = new OutSection(".symtab", ElfConst.ShtSymtab, 0, symtab, 8) { EntSize = ElfConst.Elf64SymSize, Info = firstGlobal };
        sections.Add(symtabSection);
        symtabSection.Link = sections.Add(new OutSection(".strtab", ElfConst.ShtStrtab, 0, strtab));

        ulong offset = ElfConst.Elf64EhdrSize;
        foreach (OutSection section in sections)
        {
            if (section.Type != ElfConst.ShtNobits)
            {
                offset = AlignUp(offset, section.Align);
            }

            section.Offset = offset;
            if (section.Type != ElfConst.ShtNobits)
            {
                offset += (ulong)section.Data.Length;
            }
        }

        return Serialize(ElfConst.EtRel, sections, [], offset);
    }

    /// <summary>
    /// A shared object (ET_DYN) that glibc's dlopen accepts: the functions' code copied into .text, exported in
    /// .dynsym/.dynstr/.hash (and .symtab), .dynamic, .eh_frame with .eh_frame_hdr (PT_GNU_EH_FRAME), and the DWARF
    /// sections with the addresses the code has inside the object. The code must be position independent (no
    /// absolute references to itself): it runs at load base + <see cref="SharedObjectImage.Addresses"/>.
    /// </summary>
    /// <param name="unit">The functions and their debug information.</param>
    /// <param name="codeOf">The machine code of each function (<see cref="CodeInfo.Size"/> bytes).</param>
    /// <param name="soname">The DT_SONAME, or null.</param>
    /// <param name="symbolKind">The symbol type of each function in .dynsym and .symtab; null: all <see cref="ElfSymbolKind.Function"/>.</param>
    public static SharedObjectImage WriteSharedObject(CompilationUnitInfo unit, Func<CodeInfo, byte[]> codeOf, string? soname = null, Func<CodeInfo, ElfSymbolKind>? symbolKind = null)
        => WriteSharedObject([unit], codeOf, soname, symbolKind);

    /// <summary>A shared object with the functions of several units (one DWARF unit each).</summary>
    public static SharedObjectImage WriteSharedObject(IReadOnlyList<CompilationUnitInfo> units, Func<CodeInfo, byte[]> codeOf, string? soname = null, Func<CodeInfo, ElfSymbolKind>? symbolKind = null)
    {
        symbolKind ??= _ => ElfSymbolKind.Function;
        List<CodeInfo> functions = units.SelectMany(u => u.Functions).ToList();
        if (functions.Count == 0)
        {
            throw new ArgumentException("a shared object needs at least one function", nameof(units));
        }

        const int SegmentCount = 6;
        // Dynamic string table and symbols.
        var dynstr = new StringTable(leadingNul: true);
        uint sonameOffset = soname is null ? 0 : dynstr.Add(soname);
        List<CodeInfo> exported = functions.Where(f => f.IsExternal).ToList();
        foreach (CodeInfo function in exported)
        {
            dynstr.Add(function.SymbolName);
        }

        int dynsymCount = exported.Count + 1;
        int hashSize = 4 * (2 + dynsymCount + dynsymCount);     // nbucket, nchain, buckets, chains

        // Layout of the read-only segment: headers, .hash, .dynsym, .dynstr, .eh_frame_hdr, .eh_frame.
        ulong offset = ElfConst.Elf64EhdrSize + (ulong)(SegmentCount * ElfConst.Elf64PhdrSize);
        ulong hashAddress = AlignUp(offset, 8);
        ulong dynsymAddress = AlignUp(hashAddress + (ulong)hashSize, 8);
        ulong dynstrAddress = dynsymAddress + (ulong)(dynsymCount * ElfConst.Elf64SymSize);
        ulong ehFrameHdrAddress = AlignUp(dynstrAddress + (ulong)dynstr.Count, 4);
        ulong ehFrameAddress = AlignUp(ehFrameHdrAddress + (ulong)EhFrameWriter.HeaderSize(functions.Count), 8);

        // The .eh_frame size does not depend on addresses: measure it, then place .text after it.
        int ehFrameSize = EhFrameWriter.Write(functions.Select(f => new EhFrameFunction(ehFrameAddress, f.Size, f.Cfi)), ehFrameAddress, widePointers: false).Bytes.Length;
        ulong textAddress = AlignUp(ehFrameAddress + (ulong)ehFrameSize, PageSize);
        var addresses = new Dictionary<CodeInfo, ulong>();
        var text = new ByteBuilder();
        foreach (CodeInfo function in functions)
        {
            text.Align(16, 0xcc);
            addresses[function] = textAddress + (ulong)text.Count;
            byte[] code = codeOf(function);
            if (code.Length != function.Size)
            {
                throw new ArgumentException($"function {function.Name}: {code.Length} bytes of code for size {function.Size}", nameof(codeOf));
            }

            text.WriteBytes(code);
        }

        ulong dynamicAddress = AlignUp(textAddress + (ulong)text.Count, PageSize);
        EhFrame ehFrame = EhFrameWriter.Write(functions.Select(f => new EhFrameFunction(addresses[f], f.Size, f.Cfi)), ehFrameAddress, widePointers: false);
        byte[] ehFrameHdr = EhFrameWriter.WriteHeader(ehFrame, ehFrameHdrAddress);

        // The allocated sections, in address order; .hash, .dynsym and .dynamic get their contents below.
        var sections = new OutSectionList();
        var hash = new OutSection(".hash", ElfConst.ShtHash, ElfConst.ShfAlloc, [], 8) { Address = hashAddress, EntSize = 4 };
        var dynsym = new OutSection(".dynsym", ElfConst.ShtDynsym, ElfConst.ShfAlloc, [], 8) { Address = dynsymAddress, EntSize = ElfConst.Elf64SymSize, Info = 1 };
        var dynstrSection = new OutSection(".dynstr", ElfConst.ShtStrtab, ElfConst.ShfAlloc, dynstr.ToArray()) { Address = dynstrAddress };
        var textSection = new OutSection(".text", ElfConst.ShtProgbits, ElfConst.ShfAlloc | ElfConst.ShfExecinstr, text.ToArray(), 16) { Address = textAddress };
        var dynamic = new OutSection(".dynamic", ElfConst.ShtDynamic, ElfConst.ShfAlloc | ElfConst.ShfWrite, [], 8) { Address = dynamicAddress, EntSize = ElfConst.Elf64DynSize };
        sections.Add(hash);
        ushort dynsymIndex = sections.Add(dynsym);
        ushort dynstrIndex = sections.Add(dynstrSection);
        sections.Add(new OutSection(".eh_frame_hdr", ElfConst.ShtProgbits, ElfConst.ShfAlloc, ehFrameHdr, 4) { Address = ehFrameHdrAddress });
        sections.Add(new OutSection(".eh_frame", ElfConst.ShtProgbits, ElfConst.ShfAlloc, ehFrame.Bytes, 8) { Address = ehFrameAddress });
        ushort textIndex = sections.Add(textSection);
        sections.Add(dynamic);
        hash.Link = dynsymIndex;
        dynsym.Link = dynstrIndex;
        dynamic.Link = dynstrIndex;

        // .dynsym: the null symbol, then one global symbol per exported function.
        var symbols = new ByteBuilder();
        WriteSymbol(symbols, 0, 0, 0, 0, 0);
        var names = new List<string> { "" };
        foreach (CodeInfo function in exported)
        {
            WriteSymbol(symbols, dynstr.Add(function.SymbolName), StInfo(ElfConst.StbGlobal, symbolKind(function)), textIndex, addresses[function], function.Size);
            names.Add(function.SymbolName);
        }

        dynsym.Data = symbols.ToArray();
        hash.Data = WriteSysvHash(names);

        // .dynamic: what ld.so needs to look symbols up.
        var d = new ByteBuilder();
        WriteDynamic(d, ElfConst.DtHash, hashAddress);
        WriteDynamic(d, ElfConst.DtStrtab, dynstrAddress);
        WriteDynamic(d, ElfConst.DtSymtab, dynsymAddress);
        WriteDynamic(d, ElfConst.DtStrsz, (ulong)dynstr.Count);
        WriteDynamic(d, ElfConst.DtSyment, ElfConst.Elf64SymSize);
        if (soname is not null)
        {
            WriteDynamic(d, ElfConst.DtSoname, sonameOffset);
        }

        WriteDynamic(d, ElfConst.DtNull, 0);
        dynamic.Data = d.ToArray();

        foreach (OutSection section in sections)
        {
            section.Offset = section.Address;                   // file offset == virtual address
        }

        offset = dynamicAddress + (ulong)dynamic.Data.Length;

        // Non-allocated sections: DWARF at the addresses the code has in the object, .symtab, .strtab.
        DwarfSections dwarf = DwarfWriter.Write(units, f => addresses[f]);
        foreach ((string name, byte[] contents) in dwarf.All())
        {
            sections.Add(DebugSection(name, contents));
        }

        (byte[] symtab, byte[] strtab, uint firstGlobal) = WriteSymtab(units, textIndex, f => addresses[f], symbolKind);
        var symtabSection = new OutSection(".symtab", ElfConst.ShtSymtab, 0, symtab, 8) { EntSize = ElfConst.Elf64SymSize, Info = firstGlobal };
        sections.Add(symtabSection);
        symtabSection.Link = sections.Add(new OutSection(".strtab", ElfConst.ShtStrtab, 0, strtab));
        foreach (OutSection section in sections.Where(s => (s.Flags & ElfConst.ShfAlloc) == 0))
        {
            offset = AlignUp(offset, section.Align);
            section.Offset = offset;
            offset += (ulong)section.Data.Length;
        }

        ulong roEnd = ehFrameAddress + (ulong)ehFrame.Bytes.Length;
        ulong textEnd = textAddress + (ulong)textSection.Data.Length;
        ulong dynamicSize = (ulong)dynamic.Data.Length;
        var segments = new List<OutSegment>
        {
            new(ElfConst.PtLoad, ElfConst.PfR, 0, 0, roEnd, roEnd, PageSize),
            new(ElfConst.PtLoad, ElfConst.PfR | ElfConst.PfX, textAddress, textAddress, textEnd - textAddress, textEnd - textAddress, PageSize),
            new(ElfConst.PtLoad, ElfConst.PfR | ElfConst.PfW, dynamicAddress, dynamicAddress, dynamicSize, dynamicSize, PageSize),
            new(ElfConst.PtDynamic, ElfConst.PfR | ElfConst.PfW, dynamicAddress, dynamicAddress, dynamicSize, dynamicSize, 8),
            new(ElfConst.PtGnuEhFrame, ElfConst.PfR, ehFrameHdrAddress, ehFrameHdrAddress, (ulong)ehFrameHdr.Length, (ulong)ehFrameHdr.Length, 4),
            new(ElfConst.PtGnuStack, ElfConst.PfR | ElfConst.PfW, 0, 0, 0, 0, 16),
        };
        if (segments.Count != SegmentCount)
        {
            throw new InvalidOperationException("program header count mismatch");
        }

        byte[] bytes = Serialize(ElfConst.EtDyn, sections, segments, offset);
        return new SharedObjectImage(bytes, addresses);
    }

    private static OutSection DebugSection(string name, byte[] bytes)
    {
        bool strings = name is ".debug_str" or ".debug_line_str";
        var section = new OutSection(name, ElfConst.ShtProgbits, strings ? ElfConst.ShfMerge | ElfConst.ShfStrings : 0, bytes, name == ".debug_frame" ? 8UL : 1UL);
        if (strings)
        {
            section.EntSize = 1;
        }

        return section;
    }

    /// <summary>.symtab and .strtab: null; per unit a FILE symbol and its local function symbols; then the global ones.</summary>
    private static (byte[] Symtab, byte[] Strtab, uint FirstGlobal) WriteSymtab(IReadOnlyList<CompilationUnitInfo> units, ushort textIndex, Func<CodeInfo, ulong> valueOf, Func<CodeInfo, ElfSymbolKind> kindOf)
    {
        var strtab = new StringTable(leadingNul: true);
        var symbols = new ByteBuilder();
        WriteSymbol(symbols, 0, 0, 0, 0, 0);
        uint firstGlobal = 1;
        foreach (CompilationUnitInfo unit in units)
        {
            WriteSymbol(symbols, strtab.Add(unit.Name), StInfo(ElfConst.StbLocal, ElfConst.SttFile), ElfConst.ShnAbs, 0, 0);
            firstGlobal++;
            foreach (CodeInfo function in unit.Functions.Where(f => !f.IsExternal))
            {
                WriteSymbol(symbols, strtab.Add(function.SymbolName), StInfo(ElfConst.StbLocal, kindOf(function)), textIndex, valueOf(function), function.Size);
                firstGlobal++;
            }
        }

        foreach (CodeInfo function in units.SelectMany(u => u.Functions).Where(f => f.IsExternal))
        {
            WriteSymbol(symbols, strtab.Add(function.SymbolName), StInfo(ElfConst.StbGlobal, kindOf(function)), textIndex, valueOf(function), function.Size);
        }

        return (symbols.ToArray(), strtab.ToArray(), firstGlobal);
    }

    /// <summary>st_info from a binding and a type (gABI's ELF64_ST_INFO).</summary>
    private static byte StInfo(byte binding, ElfSymbolKind kind) => StInfo(binding, (byte)kind);

    private static byte StInfo(byte binding, byte type) => (byte)((binding << 4) | type);

    private static void WriteSymbol(ByteBuilder b, uint name, byte info, ushort sectionIndex, ulong value, ulong size)
    {
        b.WriteUInt32LittleEndian(name);                        /* st_name */
        b.WriteByte(info);                                      /* st_info */
        b.WriteByte(ElfConst.StvDefault);                       /* st_other */
        b.WriteUInt16LittleEndian(sectionIndex);                /* st_shndx */
        b.WriteUInt64LittleEndian(value);                       /* st_value */
        b.WriteUInt64LittleEndian(size);                        /* st_size */
    }

    private static void WriteDynamic(ByteBuilder b, long tag, ulong value)
    {
        b.WriteInt64LittleEndian(tag);                          /* d_tag */
        b.WriteUInt64LittleEndian(value);                       /* d_val / d_ptr */
    }

    /// <summary>The System V hash table (gABI, "Hash Table") over the dynamic symbol names.</summary>
    private static byte[] WriteSysvHash(IReadOnlyList<string> names)
    {
        uint nbucket = (uint)Math.Max(1, names.Count - 1);
        var buckets = new uint[nbucket];
        var chains = new uint[names.Count];
        for (int i = 1; i < names.Count; i++)
        {
            uint bucket = SysvHash(names[i]) % nbucket;
            // Append symbol i at the end of the bucket's chain.
            if (buckets[bucket] == 0)
            {
                buckets[bucket] = (uint)i;
            }
            else
            {
                uint j = buckets[bucket];
                while (chains[j] != 0)
                {
                    j = chains[j];
                }

                chains[j] = (uint)i;
            }
        }

        var b = new ByteBuilder();
        b.WriteUInt32LittleEndian(nbucket);                     /* nbucket */
        b.WriteUInt32LittleEndian((uint)names.Count);           /* nchain */
        foreach (uint bucket in buckets)
        {
            b.WriteUInt32LittleEndian(bucket);                  /* bucket[i] */
        }

        foreach (uint chain in chains)
        {
            b.WriteUInt32LittleEndian(chain);                   /* chain[i] */
        }

        return b.ToArray();
    }

    /// <summary>The gABI's elf_hash.</summary>
    internal static uint SysvHash(string name)
    {
        uint h = 0;
        foreach (byte c in System.Text.Encoding.UTF8.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0)
            {
                h ^= g >> 24;
            }

            h &= ~g;
        }

        return h;
    }

    /// <summary>Writes the ELF header, program headers, section contents at their offsets, and section headers.</summary>
    private static byte[] Serialize(ushort type, OutSectionList sections, List<OutSegment> segments, ulong contentEnd)
    {
        var shstrtab = new StringTable(leadingNul: true);
        foreach (OutSection section in sections)
        {
            section.NameOffset = shstrtab.Add(section.Name);
        }

        uint shstrtabName = shstrtab.Add(".shstrtab");
        byte[] shstrtabBytes = shstrtab.ToArray();
        ulong shstrtabOffset = contentEnd;
        ulong shoff = AlignUp(shstrtabOffset + (ulong)shstrtabBytes.Length, 8);
        int shnum = sections.Count + 2;                         // null section + sections + .shstrtab

        var b = new ByteBuilder((int)shoff + shnum * ElfConst.Elf64ShdrSize);
        // ELF header (gABI, "ELF Header").
        b.WriteBytes([0x7f, (byte)'E', (byte)'L', (byte)'F']);  /* e_ident[EI_MAG0..3] */
        b.WriteByte(ElfConst.ElfClass64);                       /* e_ident[EI_CLASS] */
        b.WriteByte(ElfConst.ElfData2Lsb);                      /* e_ident[EI_DATA] */
        b.WriteByte(ElfConst.EvCurrent);                        /* e_ident[EI_VERSION] */
        b.WriteByte(ElfConst.ElfOsAbiSysV);                     /* e_ident[EI_OSABI] */
        b.WriteByte(0);                                         /* e_ident[EI_ABIVERSION] */
        b.WriteZeros(7);                                        /* e_ident[EI_PAD] */
        b.WriteUInt16LittleEndian(type);                        /* e_type */
        b.WriteUInt16LittleEndian(ElfConst.EmX86_64);           /* e_machine */
        b.WriteUInt32LittleEndian(ElfConst.EvCurrent);          /* e_version */
        b.WriteUInt64LittleEndian(0);                           /* e_entry */
        b.WriteUInt64LittleEndian(segments.Count > 0 ? (ulong)ElfConst.Elf64EhdrSize : 0); /* e_phoff */
        b.WriteUInt64LittleEndian(shoff);                       /* e_shoff */
        b.WriteUInt32LittleEndian(0);                           /* e_flags */
        b.WriteUInt16LittleEndian(ElfConst.Elf64EhdrSize);      /* e_ehsize */
        b.WriteUInt16LittleEndian(segments.Count > 0 ? (ushort)ElfConst.Elf64PhdrSize : (ushort)0); /* e_phentsize */
        b.WriteUInt16LittleEndian((ushort)segments.Count);      /* e_phnum */
        b.WriteUInt16LittleEndian(ElfConst.Elf64ShdrSize);      /* e_shentsize */
        b.WriteUInt16LittleEndian((ushort)shnum);               /* e_shnum */
        b.WriteUInt16LittleEndian((ushort)(shnum - 1));         /* e_shstrndx */

        // Program headers (gABI, "Program Header").
        foreach (OutSegment segment in segments)
        {
            b.WriteUInt32LittleEndian(segment.Type);            /* p_type */
            b.WriteUInt32LittleEndian(segment.Flags);           /* p_flags */
            b.WriteUInt64LittleEndian(segment.Offset);          /* p_offset */
            b.WriteUInt64LittleEndian(segment.Address);         /* p_vaddr */
            b.WriteUInt64LittleEndian(segment.Address);         /* p_paddr */
            b.WriteUInt64LittleEndian(segment.FileSize);        /* p_filesz */
            b.WriteUInt64LittleEndian(segment.MemorySize);      /* p_memsz */
            b.WriteUInt64LittleEndian(segment.Align);           /* p_align */
        }

        foreach (OutSection section in sections)
        {
            if (section.Type == ElfConst.ShtNobits)
            {
                continue;
            }

            PadTo(b, section.Offset);
            b.WriteBytes(section.Data);
        }

        PadTo(b, shstrtabOffset);
        b.WriteBytes(shstrtabBytes);
        PadTo(b, shoff);

        // Section headers (gABI, "Sections"): the null section, the sections, .shstrtab.
        WriteSectionHeader(b, 0, ElfConst.ShtNull, 0, 0, 0, 0, 0, 0, 0, 0);
        foreach (OutSection s in sections)
        {
            WriteSectionHeader(b, s.NameOffset, s.Type, s.Flags, s.Address, s.Offset, s.Size, s.Link, s.Info, s.Align, s.EntSize);
        }

        WriteSectionHeader(b, shstrtabName, ElfConst.ShtStrtab, 0, 0, shstrtabOffset, (ulong)shstrtabBytes.Length, 0, 0, 1, 0);
        return b.ToArray();
    }

    private static void WriteSectionHeader(ByteBuilder b, uint name, uint type, ulong flags, ulong address, ulong offset, ulong size, uint link, uint info, ulong align, ulong entsize)
    {
        b.WriteUInt32LittleEndian(name);                        /* sh_name */
        b.WriteUInt32LittleEndian(type);                        /* sh_type */
        b.WriteUInt64LittleEndian(flags);                       /* sh_flags */
        b.WriteUInt64LittleEndian(address);                     /* sh_addr */
        b.WriteUInt64LittleEndian(offset);                      /* sh_offset */
        b.WriteUInt64LittleEndian(size);                        /* sh_size */
        b.WriteUInt32LittleEndian(link);                        /* sh_link */
        b.WriteUInt32LittleEndian(info);                        /* sh_info */
        b.WriteUInt64LittleEndian(align);                       /* sh_addralign */
        b.WriteUInt64LittleEndian(entsize);                     /* sh_entsize */
    }

    private static void PadTo(ByteBuilder b, ulong offset)
    {
        if ((ulong)b.Count > offset)
        {
            throw new InvalidOperationException($"ELF layout overlap: at {b.Count}, next item at {offset}");
        }

        b.WriteZeros((int)(offset - (ulong)b.Count));
    }

    private static ulong AlignUp(ulong value, ulong alignment) => alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment;
}
