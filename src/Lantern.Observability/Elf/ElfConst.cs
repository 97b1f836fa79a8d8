namespace Lantern.Observability.Elf;

// The ELF64 wire-format vocabulary (System V gABI, x86-64 psABI), shared by ElfWriter and ElfFile.

/// <summary>ELF constants used by the writer and the reader.</summary>
public static class ElfConst
{
    public const byte ElfClass64 = 2;
    public const byte ElfData2Lsb = 1;
    public const byte EvCurrent = 1;
    public const byte ElfOsAbiSysV = 0;

    public const ushort EtRel = 1;
    public const ushort EtExec = 2;
    public const ushort EtDyn = 3;
    public const ushort EmX86_64 = 62;

    public const int Elf64EhdrSize = 64;
    public const int Elf64PhdrSize = 56;
    public const int Elf64ShdrSize = 64;
    public const int Elf64SymSize = 24;
    public const int Elf64DynSize = 16;

    public const uint ShtNull = 0;
    public const uint ShtProgbits = 1;
    public const uint ShtSymtab = 2;
    public const uint ShtStrtab = 3;
    public const uint ShtRela = 4;
    public const uint ShtHash = 5;
    public const uint ShtDynamic = 6;
    public const uint ShtNote = 7;
    public const uint ShtNobits = 8;
    public const uint ShtDynsym = 11;
    public const uint ShtX86_64Unwind = 0x70000001;

    public const ulong ShfWrite = 0x1;
    public const ulong ShfAlloc = 0x2;
    public const ulong ShfExecinstr = 0x4;
    public const ulong ShfMerge = 0x10;
    public const ulong ShfStrings = 0x20;
    public const ulong ShfInfoLink = 0x40;

    public const ushort ShnUndef = 0;
    public const ushort ShnAbs = 0xfff1;

    public const uint PtNull = 0;
    public const uint PtLoad = 1;
    public const uint PtDynamic = 2;
    public const uint PtNote = 4;
    public const uint PtPhdr = 6;
    public const uint PtGnuEhFrame = 0x6474e550;
    public const uint PtGnuStack = 0x6474e551;

    public const uint PfX = 1;
    public const uint PfW = 2;
    public const uint PfR = 4;

    public const byte StbLocal = 0;
    public const byte StbGlobal = 1;
    public const byte SttNotype = 0;
    public const byte SttObject = 1;
    public const byte SttFunc = 2;
    public const byte SttSection = 3;
    public const byte SttFile = 4;
    public const byte StvDefault = 0;

    public const uint NtGnuBuildId = 3;

    public const long DtNull = 0;
    public const long DtHash = 4;
    public const long DtStrtab = 5;
    public const long DtSymtab = 6;
    public const long DtStrsz = 10;
    public const long DtSyment = 11;
    public const long DtSoname = 14;
}
