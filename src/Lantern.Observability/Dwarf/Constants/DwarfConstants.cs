namespace Lantern.Observability.Dwarf;

// The DWARF 5 wire-format vocabulary (DWARF Debugging Information Format, Version 5, section 7), shared by the
// writer (Dwarf/Write) and the reader (Dwarf/Read). Nothing else is shared between them.

/// <summary>Unit types (DWARF 5, 7.5.1, table 7.2).</summary>
public static class DwUt
{
    public const byte Compile = 0x01;
    public const byte Type = 0x02;
    public const byte Partial = 0x03;
    public const byte Skeleton = 0x04;
    public const byte SplitCompile = 0x05;
    public const byte SplitType = 0x06;
}

/// <summary>Tag encodings (DWARF 5, 7.5.3, table 7.3).</summary>
public static class DwTag
{
    public const ushort ArrayType = 0x01;
    public const ushort EnumerationType = 0x04;
    public const ushort FormalParameter = 0x05;
    public const ushort LexicalBlock = 0x0b;
    public const ushort Member = 0x0d;
    public const ushort PointerType = 0x0f;
    public const ushort CompileUnit = 0x11;
    public const ushort StructureType = 0x13;
    public const ushort SubroutineType = 0x15;
    public const ushort Typedef = 0x16;
    public const ushort UnionType = 0x17;
    public const ushort UnspecifiedParameters = 0x18;
    public const ushort InlinedSubroutine = 0x1d;
    public const ushort SubrangeType = 0x21;
    public const ushort BaseType = 0x24;
    public const ushort ConstType = 0x26;
    public const ushort Enumerator = 0x28;
    public const ushort Subprogram = 0x2e;
    public const ushort Variable = 0x34;
    public const ushort VolatileType = 0x35;
    public const ushort RestrictType = 0x37;
    public const ushort UnspecifiedType = 0x3b;
    public const ushort AtomicType = 0x47;
    public const ushort CallSite = 0x48;
}

/// <summary>Children determination encodings (DWARF 5, 7.5.3, table 7.4).</summary>
public static class DwChildren
{
    public const byte No = 0x00;
    public const byte Yes = 0x01;
}

/// <summary>Attribute encodings (DWARF 5, 7.5.4, table 7.5).</summary>
public static class DwAt
{
    public const ushort Sibling = 0x01;
    public const ushort Location = 0x02;
    public const ushort Name = 0x03;
    public const ushort ByteSize = 0x0b;
    public const ushort StmtList = 0x10;
    public const ushort LowPc = 0x11;
    public const ushort HighPc = 0x12;
    public const ushort Language = 0x13;
    public const ushort CompDir = 0x1b;
    public const ushort ConstValue = 0x1c;
    public const ushort Inline = 0x20;
    public const ushort Producer = 0x25;
    public const ushort Prototyped = 0x27;
    public const ushort Count = 0x37;
    public const ushort UpperBound = 0x2f;
    public const ushort AbstractOrigin = 0x31;
    public const ushort BitSize = 0x0d;
    /// <summary>DWARF 2-4 bit-field position, counted from the most significant bit of the storage unit.</summary>
    public const ushort BitOffset = 0x0c;
    public const ushort DataMemberLocation = 0x38;
    public const ushort DeclFile = 0x3a;
    public const ushort DeclLine = 0x3b;
    public const ushort Declaration = 0x3c;
    public const ushort Encoding = 0x3e;
    public const ushort External = 0x3f;
    public const ushort FrameBase = 0x40;
    public const ushort Specification = 0x47;
    public const ushort Type = 0x49;
    public const ushort Ranges = 0x55;
    public const ushort DeclColumn = 0x39;
    public const ushort CallAllCalls = 0x7a;
    public const ushort LinkageName = 0x6e;
    public const ushort DataBitOffset = 0x6b;
    public const ushort MainSubprogram = 0x6a;
    public const ushort StrOffsetsBase = 0x72;
    public const ushort AddrBase = 0x73;
    public const ushort RnglistsBase = 0x74;
    public const ushort LoclistsBase = 0x8c;
    public const ushort Alignment = 0x88;
}

/// <summary>Attribute form encodings (DWARF 5, 7.5.6, table 7.6).</summary>
public static class DwForm
{
    public const byte Addr = 0x01;
    public const byte Block2 = 0x03;
    public const byte Block4 = 0x04;
    public const byte Data2 = 0x05;
    public const byte Data4 = 0x06;
    public const byte Data8 = 0x07;
    public const byte String = 0x08;
    public const byte Block = 0x09;
    public const byte Block1 = 0x0a;
    public const byte Data1 = 0x0b;
    public const byte Flag = 0x0c;
    public const byte Sdata = 0x0d;
    public const byte Strp = 0x0e;
    public const byte Udata = 0x0f;
    public const byte RefAddr = 0x10;
    public const byte Ref1 = 0x11;
    public const byte Ref2 = 0x12;
    public const byte Ref4 = 0x13;
    public const byte Ref8 = 0x14;
    public const byte RefUdata = 0x15;
    public const byte Indirect = 0x16;
    public const byte SecOffset = 0x17;
    public const byte Exprloc = 0x18;
    public const byte FlagPresent = 0x19;
    public const byte Strx = 0x1a;
    public const byte Addrx = 0x1b;
    public const byte RefSup4 = 0x1c;
    public const byte StrpSup = 0x1d;
    public const byte Data16 = 0x1e;
    public const byte LineStrp = 0x1f;
    public const byte RefSig8 = 0x20;
    public const byte ImplicitConst = 0x21;
    public const byte Loclistx = 0x22;
    public const byte Rnglistx = 0x23;
    public const byte RefSup8 = 0x24;
    public const byte Strx1 = 0x25;
    public const byte Strx2 = 0x26;
    public const byte Strx3 = 0x27;
    public const byte Strx4 = 0x28;
    public const byte Addrx1 = 0x29;
    public const byte Addrx2 = 0x2a;
    public const byte Addrx3 = 0x2b;
    public const byte Addrx4 = 0x2c;
}

/// <summary>DWARF expression operations (DWARF 5, 7.7.1, table 7.9).</summary>
public static class DwOp
{
    public const byte Addr = 0x03;
    public const byte Deref = 0x06;
    public const byte Const1u = 0x08;
    public const byte Const1s = 0x09;
    public const byte Constu = 0x10;
    public const byte Consts = 0x11;
    public const byte Plus = 0x22;
    public const byte PlusUconst = 0x23;
    public const byte Lit0 = 0x30;
    public const byte Reg0 = 0x50;
    public const byte Breg0 = 0x70;
    public const byte Regx = 0x90;
    public const byte Fbreg = 0x91;
    public const byte Bregx = 0x92;
    public const byte Piece = 0x93;
    public const byte CallFrameCfa = 0x9c;
    public const byte ImplicitValue = 0x9e;
    public const byte StackValue = 0x9f;
    public const byte EntryValue = 0xa3;
}

/// <summary>Base type encodings (DWARF 5, 7.8, table 7.11).</summary>
public static class DwAte
{
    public const byte Address = 0x01;
    public const byte Boolean = 0x02;
    public const byte Float = 0x04;
    public const byte Signed = 0x05;
    public const byte SignedChar = 0x06;
    public const byte Unsigned = 0x07;
    public const byte UnsignedChar = 0x08;
    public const byte Utf = 0x10;
}

/// <summary>Source language codes (DWARF 5, 7.12, table 7.17).</summary>
public static class DwLang
{
    public const ushort C89 = 0x0001;
    public const ushort C = 0x0002;
    public const ushort C99 = 0x000c;
    public const ushort C11 = 0x001d;
    public const ushort Mips_Assembler = 0x8001;
}

/// <summary>Line number standard opcodes (DWARF 5, 7.22, table 7.25).</summary>
public static class DwLns
{
    public const byte Copy = 0x01;
    public const byte AdvancePc = 0x02;
    public const byte AdvanceLine = 0x03;
    public const byte SetFile = 0x04;
    public const byte SetColumn = 0x05;
    public const byte NegateStmt = 0x06;
    public const byte SetBasicBlock = 0x07;
    public const byte ConstAddPc = 0x08;
    public const byte FixedAdvancePc = 0x09;
    public const byte SetPrologueEnd = 0x0a;
    public const byte SetEpilogueBegin = 0x0b;
    public const byte SetIsa = 0x0c;
}

/// <summary>Line number extended opcodes (DWARF 5, 7.22, table 7.26).</summary>
public static class DwLne
{
    public const byte EndSequence = 0x01;
    public const byte SetAddress = 0x02;
    public const byte DefineFile = 0x03; // DWARF 4 only
    public const byte SetDiscriminator = 0x04;
}

/// <summary>Line number header entry formats (DWARF 5, 7.22, table 7.27).</summary>
public static class DwLnct
{
    public const ushort Path = 0x1;
    public const ushort DirectoryIndex = 0x2;
    public const ushort Timestamp = 0x3;
    public const ushort Size = 0x4;
    public const ushort Md5 = 0x5;
}

/// <summary>Range list entry kinds (DWARF 5, 7.25, table 7.30).</summary>
public static class DwRle
{
    public const byte EndOfList = 0x00;
    public const byte BaseAddressx = 0x01;
    public const byte StartxEndx = 0x02;
    public const byte StartxLength = 0x03;
    public const byte OffsetPair = 0x04;
    public const byte BaseAddress = 0x05;
    public const byte StartEnd = 0x06;
    public const byte StartLength = 0x07;
}

/// <summary>Location list entry kinds (DWARF 5, 7.29, table 7.31).</summary>
public static class DwLle
{
    public const byte EndOfList = 0x00;
    public const byte BaseAddressx = 0x01;
    public const byte StartxEndx = 0x02;
    public const byte StartxLength = 0x03;
    public const byte OffsetPair = 0x04;
    public const byte DefaultLocation = 0x05;
    public const byte BaseAddress = 0x06;
    public const byte StartEnd = 0x07;
    public const byte StartLength = 0x08;
}

/// <summary>Call frame instructions (DWARF 5, 7.24, table 7.29). The first three carry an operand in the low 6 bits.</summary>
public static class DwCfa
{
    public const byte AdvanceLoc = 0x40;
    public const byte Offset = 0x80;
    public const byte Restore = 0xc0;
    public const byte Nop = 0x00;
    public const byte SetLoc = 0x01;
    public const byte AdvanceLoc1 = 0x02;
    public const byte AdvanceLoc2 = 0x03;
    public const byte AdvanceLoc4 = 0x04;
    public const byte OffsetExtended = 0x05;
    public const byte RestoreExtended = 0x06;
    public const byte Undefined = 0x07;
    public const byte SameValue = 0x08;
    public const byte Register = 0x09;
    public const byte RememberState = 0x0a;
    public const byte RestoreState = 0x0b;
    public const byte DefCfa = 0x0c;
    public const byte DefCfaRegister = 0x0d;
    public const byte DefCfaOffset = 0x0e;
    public const byte DefCfaExpression = 0x0f;
    public const byte Expression = 0x10;
    public const byte OffsetExtendedSf = 0x11;
    public const byte DefCfaSf = 0x12;
    public const byte DefCfaOffsetSf = 0x13;
    public const byte ValOffset = 0x14;
    public const byte ValOffsetSf = 0x15;
    public const byte ValExpression = 0x16;
    public const byte GnuArgsSize = 0x2e;
    public const byte GnuNegativeOffsetExtended = 0x2f;
}

/// <summary>Pointer encodings of .eh_frame and .eh_frame_hdr (LSB 5.0, "Exception Frames", DW_EH_PE_*).</summary>
public static class DwEhPe
{
    public const byte Absptr = 0x00;
    public const byte Uleb128 = 0x01;
    public const byte Udata2 = 0x02;
    public const byte Udata4 = 0x03;
    public const byte Udata8 = 0x04;
    public const byte Sleb128 = 0x09;
    public const byte Sdata2 = 0x0a;
    public const byte Sdata4 = 0x0b;
    public const byte Sdata8 = 0x0c;
    public const byte Pcrel = 0x10;
    public const byte Textrel = 0x20;
    public const byte Datarel = 0x30;
    public const byte Funcrel = 0x40;
    public const byte Aligned = 0x50;
    public const byte Indirect = 0x80;
    public const byte Omit = 0xff;
}
