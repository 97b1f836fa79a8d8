using Lantern.Observability.Binary;
using Lantern.Observability.Elf;

namespace Lantern.Observability.Dwarf.Read;

/// <summary>A decoded call frame instruction: its opcode (high bits for the three compact ones) and operands.</summary>
public readonly record struct CfaInstruction(byte Opcode, ulong Register, long Operand, ulong Register2 = 0, byte[]? Expression = null);

/// <summary>A Common Information Entry.</summary>
public sealed class CommonInformationEntry
{
    public ulong Offset { get; init; }
    public byte Version { get; init; }
    public string Augmentation { get; init; } = "";
    public ulong CodeAlignment { get; init; }
    public long DataAlignment { get; init; }
    public ulong ReturnAddressRegister { get; init; }
    public byte PointerEncoding { get; init; }
    public bool IsSignalFrame { get; init; }
    public IReadOnlyList<(ulong Advance, CfaInstruction Instruction)> Instructions { get; init; } = [];
}

/// <summary>A Frame Description Entry: the code range and the instructions, each after an address advance.</summary>
public sealed class FrameDescriptionEntry
{
    public ulong Offset { get; init; }
    public CommonInformationEntry Cie { get; init; } = null!;
    public ulong InitialLocation { get; init; }
    public ulong AddressRange { get; init; }

    /// <summary>The instructions with the code offset (from <see cref="InitialLocation"/>) at which each takes effect.</summary>
    public IReadOnlyList<(ulong Offset, CfaInstruction Instruction)> Instructions { get; init; } = [];

    public bool Contains(ulong pc) => pc >= InitialLocation && pc - InitialLocation < AddressRange;
}

/// <summary>How a register of the caller is recovered.</summary>
public enum RegisterRuleKind
{
    Undefined,
    SameValue,
    /// <summary>Saved at CFA + offset.</summary>
    Offset,
    /// <summary>The value is CFA + offset.</summary>
    ValOffset,
    /// <summary>In another register.</summary>
    Register,
    Expression,
    ValExpression,
}

/// <summary>A register rule of an <see cref="UnwindRow"/>.</summary>
public readonly record struct RegisterRule(RegisterRuleKind Kind, long Offset = 0, ulong Register = 0);

/// <summary>The rules in effect at one pc: CFA = <see cref="CfaRegister"/> + <see cref="CfaOffset"/> (unless <see cref="CfaExpression"/>), and the register rules.</summary>
public sealed class UnwindRow
{
    public ulong CfaRegister { get; set; }
    public long CfaOffset { get; set; }
    public byte[]? CfaExpression { get; set; }
    public Dictionary<ulong, RegisterRule> Registers { get; } = new();
    public ulong ReturnAddressRegister { get; init; }

    /// <summary>The rule of <paramref name="register"/> (registers without a rule keep their value: same value).</summary>
    public RegisterRule GetRule(ulong register) => Registers.TryGetValue(register, out RegisterRule rule) ? rule : new RegisterRule(RegisterRuleKind.SameValue);

    /// <summary>The return address rule.</summary>
    public RegisterRule ReturnAddress => Registers.TryGetValue(ReturnAddressRegister, out RegisterRule rule) ? rule : new RegisterRule(RegisterRuleKind.Undefined);

    internal UnwindRow Clone()
    {
        var copy = new UnwindRow { CfaRegister = CfaRegister, CfaOffset = CfaOffset, CfaExpression = CfaExpression, ReturnAddressRegister = ReturnAddressRegister };
        foreach (KeyValuePair<ulong, RegisterRule> pair in Registers)
        {
            copy.Registers[pair.Key] = pair.Value;
        }

        return copy;
    }
}

/// <summary>The caller's state recovered by <see cref="CallFrameInfo.Step"/>: its pc, CFA (= its rsp) and registers.</summary>
public sealed record CallerFrame(ulong Pc, ulong Cfa, IReadOnlyDictionary<ulong, ulong> Registers);

/// <summary>Call frame information parsed from .debug_frame or .eh_frame, with rule evaluation at a pc.</summary>
public sealed class CallFrameInfo
{
    private CallFrameInfo(IReadOnlyList<FrameDescriptionEntry> fdes, bool isEhFrame)
    {
        Fdes = fdes;
        IsEhFrame = isEhFrame;
    }

    public IReadOnlyList<FrameDescriptionEntry> Fdes { get; }
    public bool IsEhFrame { get; }

    /// <summary>Parses .debug_frame (DWARF 5, 6.4).</summary>
    public static CallFrameInfo ParseDebugFrame(ReadOnlyMemory<byte> data) => Malformed.Guard(".debug_frame", () => Parse(data.Span, 0, isEhFrame: false));

    /// <summary>Parses .eh_frame loaded at <paramref name="sectionAddress"/> (LSB "Exception Frames").</summary>
    public static CallFrameInfo ParseEhFrame(ReadOnlyMemory<byte> data, ulong sectionAddress) => Malformed.Guard(".eh_frame", () => Parse(data.Span, sectionAddress, isEhFrame: true));

    /// <summary>The FDE covering <paramref name="pc"/>, or null.</summary>
    public FrameDescriptionEntry? FindFde(ulong pc) => Fdes.FirstOrDefault(f => f.Contains(pc));

    /// <summary>The unwind rules in effect at <paramref name="pc"/>, or null if no FDE covers it.</summary>
    public UnwindRow? Evaluate(ulong pc) => Malformed.Guard("call frame information", () => EvaluateAt(pc));

    /// <summary>
    /// Unwinds one frame: from the registers of a frame stopped at <paramref name="pc"/> (DWARF numbers; a missing
    /// register reads as null), computes the CFA and the caller's pc and registers. For a frame that is not the
    /// innermost one, pass <c>return address - 1</c> as the lookup pc (<paramref name="isCallerFrame"/>) so a call at
    /// the very end of a function finds the right rules. Returns null when no FDE covers the pc, a rule cannot be
    /// evaluated, or the return address is undefined (the outermost frame).
    /// </summary>
    /// <param name="readMemory">Reads 8 bytes of the stopped program's memory.</param>
    public CallerFrame? Step(ulong pc, Func<ulong, ulong?> readRegister, Func<ulong, ulong> readMemory, bool isCallerFrame = false)
    {
        UnwindRow? row = Evaluate(isCallerFrame ? pc - 1 : pc);
        if (row is null || row.CfaExpression is not null || readRegister(row.CfaRegister) is not ulong cfaBase)
        {
            return null;
        }

        ulong cfa = cfaBase + (ulong)row.CfaOffset;
        var registers = new Dictionary<ulong, ulong>();
        for (ulong register = 0; register <= row.ReturnAddressRegister; register++)
        {
            RegisterRule rule = register == row.ReturnAddressRegister ? row.ReturnAddress : row.GetRule(register);
            ulong? value = rule.Kind switch
            {
                RegisterRuleKind.SameValue => register == row.ReturnAddressRegister ? null : readRegister(register),
                RegisterRuleKind.Offset => readMemory(cfa + (ulong)rule.Offset),
                RegisterRuleKind.ValOffset => cfa + (ulong)rule.Offset,
                RegisterRuleKind.Register => readRegister(rule.Register),
                _ => null,
            };
            if (value is ulong v)
            {
                registers[register] = v;
            }
        }

        if (!registers.TryGetValue(row.ReturnAddressRegister, out ulong returnAddress))
        {
            return null;
        }

        registers[X64Registers.Rsp] = cfa;                          // the caller's stack pointer is the CFA by definition
        return new CallerFrame(returnAddress, cfa, registers);
    }

    private UnwindRow? EvaluateAt(ulong pc)
    {
        FrameDescriptionEntry? fde = FindFde(pc);
        if (fde is null)
        {
            return null;
        }

        var row = new UnwindRow { ReturnAddressRegister = fde.Cie.ReturnAddressRegister };
        foreach ((ulong _, CfaInstruction instruction) in fde.Cie.Instructions)
        {
            Execute(row, instruction, fde.Cie, initial: null, stack: null);
        }

        UnwindRow initial = row.Clone();
        var stack = new Stack<UnwindRow>();
        ulong offset = pc - fde.InitialLocation;
        foreach ((ulong at, CfaInstruction instruction) in fde.Instructions)
        {
            if (at > offset)
            {
                break;
            }

            row = Execute(row, instruction, fde.Cie, initial, stack);
        }

        return row;
    }

    private static UnwindRow Execute(UnwindRow row, CfaInstruction i, CommonInformationEntry cie, UnwindRow? initial, Stack<UnwindRow>? stack)
    {
        switch (i.Opcode)
        {
            case DwCfa.DefCfa:
                row.CfaRegister = i.Register;
                row.CfaOffset = i.Operand;
                row.CfaExpression = null;
                break;
            case DwCfa.DefCfaSf:
                row.CfaRegister = i.Register;
                row.CfaOffset = i.Operand * cie.DataAlignment;
                row.CfaExpression = null;
                break;
            case DwCfa.DefCfaRegister:
                row.CfaRegister = i.Register;
                break;
            case DwCfa.DefCfaOffset:
                row.CfaOffset = i.Operand;
                break;
            case DwCfa.DefCfaOffsetSf:
                row.CfaOffset = i.Operand * cie.DataAlignment;
                break;
            case DwCfa.DefCfaExpression:
                row.CfaExpression = i.Expression;
                break;
            case DwCfa.Offset:
            case DwCfa.OffsetExtended:
            case DwCfa.OffsetExtendedSf:
                row.Registers[i.Register] = new RegisterRule(RegisterRuleKind.Offset, i.Operand * cie.DataAlignment);
                break;
            case DwCfa.GnuNegativeOffsetExtended:
                row.Registers[i.Register] = new RegisterRule(RegisterRuleKind.Offset, -i.Operand * cie.DataAlignment);
                break;
            case DwCfa.ValOffset:
            case DwCfa.ValOffsetSf:
                row.Registers[i.Register] = new RegisterRule(RegisterRuleKind.ValOffset, i.Operand * cie.DataAlignment);
                break;
            case DwCfa.Restore:
            case DwCfa.RestoreExtended:
                if (initial is not null && initial.Registers.TryGetValue(i.Register, out RegisterRule rule))
                {
                    row.Registers[i.Register] = rule;
                }
                else
                {
                    row.Registers.Remove(i.Register);
                }

                break;
            case DwCfa.Undefined:
                row.Registers[i.Register] = new RegisterRule(RegisterRuleKind.Undefined);
                break;
            case DwCfa.SameValue:
                row.Registers[i.Register] = new RegisterRule(RegisterRuleKind.SameValue);
                break;
            case DwCfa.Register:
                row.Registers[i.Register] = new RegisterRule(RegisterRuleKind.Register, 0, i.Register2);
                break;
            case DwCfa.Expression:
                row.Registers[i.Register] = new RegisterRule(RegisterRuleKind.Expression);
                break;
            case DwCfa.ValExpression:
                row.Registers[i.Register] = new RegisterRule(RegisterRuleKind.ValExpression);
                break;
            case DwCfa.RememberState:
                stack?.Push(row.Clone());
                break;
            case DwCfa.RestoreState:
                if (stack is { Count: > 0 })
                {
                    UnwindRow saved = stack.Pop();
                    return saved;
                }

                break;
        }

        return row;
    }

    private static CallFrameInfo Parse(ReadOnlySpan<byte> data, ulong sectionAddress, bool isEhFrame)
    {
        var cies = new Dictionary<ulong, CommonInformationEntry>();
        var fdes = new List<FrameDescriptionEntry>();
        var r = new ByteReader(data);
        while (r.Position + 4 <= data.Length)
        {
            int start = r.Position;
            ulong length = r.ReadUInt32();
            if (length == 0)
            {
                if (isEhFrame)
                {
                    break;                                      // terminator
                }

                continue;
            }

            if (length == 0xffffffff)
            {
                throw new FormatException("64-bit DWARF call frame information is not supported");
            }

            int end = r.Position + (int)length;
            int idPosition = r.Position;
            uint id = r.ReadUInt32();
            bool isCie = isEhFrame ? id == 0 : id == 0xffffffff;
            if (isCie)
            {
                cies[(ulong)start] = ReadCie(data, ref r, (ulong)start, end, isEhFrame);
            }
            else
            {
                ulong cieOffset = isEhFrame ? (ulong)(idPosition - (int)id) : id;
                if (!cies.TryGetValue(cieOffset, out CommonInformationEntry? cie))
                {
                    var cr = new ByteReader(data, (int)cieOffset);
                    ulong cieLength = cr.ReadUInt32();
                    cr.ReadUInt32();
                    cie = ReadCie(data, ref cr, cieOffset, (int)cieOffset + 4 + (int)cieLength, isEhFrame);
                    cies[cieOffset] = cie;
                }

                ulong initial, range;
                if (isEhFrame)
                {
                    initial = ReadEncoded(ref r, cie.PointerEncoding, sectionAddress);
                    range = ReadEncoded(ref r, (byte)(cie.PointerEncoding & 0x0f), sectionAddress);
                    if (cie.Augmentation.StartsWith('z'))
                    {
                        r.Skip((int)r.ReadULeb128());
                    }
                }
                else
                {
                    initial = r.ReadUInt64();
                    range = r.ReadUInt64();
                }

                var instructions = new List<(ulong, CfaInstruction)>();
                ulong location = 0;
                foreach ((ulong advance, CfaInstruction instruction) in ReadInstructions(data.Slice(r.Position, end - r.Position), cie))
                {
                    location += advance;
                    instructions.Add((location, instruction));
                }

                fdes.Add(new FrameDescriptionEntry { Offset = (ulong)start, Cie = cie, InitialLocation = initial, AddressRange = range, Instructions = instructions });
            }

            r.Position = end;
        }

        return new CallFrameInfo(fdes, isEhFrame);
    }

    private static CommonInformationEntry ReadCie(ReadOnlySpan<byte> data, ref ByteReader r, ulong offset, int end, bool isEhFrame)
    {
        byte version = r.ReadByte();
        string augmentation = r.ReadCString();
        if (!isEhFrame && version >= 4)
        {
            r.ReadByte();                                       // address_size
            r.ReadByte();                                       // segment_selector_size
        }

        ulong codeAlignment = r.ReadULeb128();
        long dataAlignment = r.ReadSLeb128();
        ulong returnRegister = version == 1 ? r.ReadByte() : r.ReadULeb128();
        byte pointerEncoding = DwEhPe.Absptr;
        bool signalFrame = false;
        if (augmentation.StartsWith('z'))
        {
            ulong augmentationLength = r.ReadULeb128();
            int augmentationEnd = r.Position + (int)augmentationLength;
            foreach (char c in augmentation.AsSpan(1))
            {
                switch (c)
                {
                    case 'R':
                        pointerEncoding = r.ReadByte();
                        break;
                    case 'L':
                        r.ReadByte();
                        break;
                    case 'P':
                    {
                        byte encoding = r.ReadByte();
                        ReadEncoded(ref r, (byte)(encoding & 0x7f), 0);
                        break;
                    }
                    case 'S':
                        signalFrame = true;
                        break;
                }
            }

            r.Position = augmentationEnd;
        }

        var cie = new CommonInformationEntry
        {
            Offset = offset,
            Version = version,
            Augmentation = augmentation,
            CodeAlignment = codeAlignment,
            DataAlignment = dataAlignment,
            ReturnAddressRegister = returnRegister,
            PointerEncoding = pointerEncoding,
            IsSignalFrame = signalFrame,
        };
        var instructions = ReadInstructions(data.Slice(r.Position, end - r.Position), cie);
        return new CommonInformationEntry
        {
            Offset = offset,
            Version = version,
            Augmentation = augmentation,
            CodeAlignment = codeAlignment,
            DataAlignment = dataAlignment,
            ReturnAddressRegister = returnRegister,
            PointerEncoding = pointerEncoding,
            IsSignalFrame = signalFrame,
            Instructions = instructions,
        };
    }

    private static ulong ReadEncoded(ref ByteReader r, byte encoding, ulong sectionAddress)
    {
        ulong fieldAddress = sectionAddress + (ulong)r.Position;
        ulong value = (encoding & 0x0f) switch
        {
            DwEhPe.Absptr => r.ReadUInt64(),
            DwEhPe.Uleb128 => r.ReadULeb128(),
            DwEhPe.Udata2 => r.ReadUInt16(),
            DwEhPe.Udata4 => r.ReadUInt32(),
            DwEhPe.Udata8 => r.ReadUInt64(),
            DwEhPe.Sleb128 => (ulong)r.ReadSLeb128(),
            DwEhPe.Sdata2 => (ulong)(long)(short)r.ReadUInt16(),
            DwEhPe.Sdata4 => (ulong)(long)r.ReadInt32(),
            DwEhPe.Sdata8 => r.ReadUInt64(),
            _ => throw new FormatException($"unsupported pointer encoding 0x{encoding:x}"),
        };
        if ((encoding & 0x70) == DwEhPe.Pcrel)
        {
            value += fieldAddress;
        }

        return value;
    }

    /// <summary>Decodes call frame instructions, each with the address advance (in bytes) that precedes it.</summary>
    private static List<(ulong Advance, CfaInstruction Instruction)> ReadInstructions(ReadOnlySpan<byte> data, CommonInformationEntry cie)
    {
        var list = new List<(ulong, CfaInstruction)>();
        var r = new ByteReader(data);
        ulong advance = 0;
        while (!r.AtEnd)
        {
            byte opcode = r.ReadByte();
            byte high = (byte)(opcode & 0xc0);
            byte low = (byte)(opcode & 0x3f);
            CfaInstruction? instruction = null;
            if (high == DwCfa.AdvanceLoc)
            {
                advance += low * cie.CodeAlignment;
                continue;
            }

            if (high == DwCfa.Offset)
            {
                instruction = new CfaInstruction(DwCfa.Offset, low, (long)r.ReadULeb128());
            }
            else if (high == DwCfa.Restore)
            {
                instruction = new CfaInstruction(DwCfa.Restore, low, 0);
            }
            else
            {
                switch (opcode)
                {
                    case DwCfa.Nop:
                        continue;
                    case DwCfa.SetLoc:
                        r.ReadUInt64();
                        continue;
                    case DwCfa.AdvanceLoc1:
                        advance += r.ReadByte() * cie.CodeAlignment;
                        continue;
                    case DwCfa.AdvanceLoc2:
                        advance += r.ReadUInt16() * cie.CodeAlignment;
                        continue;
                    case DwCfa.AdvanceLoc4:
                        advance += r.ReadUInt32() * cie.CodeAlignment;
                        continue;
                    case DwCfa.OffsetExtended:
                    case DwCfa.ValOffset:
                    case DwCfa.GnuNegativeOffsetExtended:
                        instruction = new CfaInstruction(opcode, r.ReadULeb128(), (long)r.ReadULeb128());
                        break;
                    case DwCfa.OffsetExtendedSf:
                    case DwCfa.ValOffsetSf:
                    case DwCfa.DefCfaSf:
                        instruction = new CfaInstruction(opcode, r.ReadULeb128(), r.ReadSLeb128());
                        break;
                    case DwCfa.DefCfa:
                        instruction = new CfaInstruction(opcode, r.ReadULeb128(), (long)r.ReadULeb128());
                        break;
                    case DwCfa.RestoreExtended:
                    case DwCfa.Undefined:
                    case DwCfa.SameValue:
                    case DwCfa.DefCfaRegister:
                        instruction = new CfaInstruction(opcode, r.ReadULeb128(), 0);
                        break;
                    case DwCfa.Register:
                        instruction = new CfaInstruction(opcode, r.ReadULeb128(), 0, r.ReadULeb128());
                        break;
                    case DwCfa.RememberState:
                    case DwCfa.RestoreState:
                        instruction = new CfaInstruction(opcode, 0, 0);
                        break;
                    case DwCfa.DefCfaOffset:
                        instruction = new CfaInstruction(opcode, 0, (long)r.ReadULeb128());
                        break;
                    case DwCfa.DefCfaOffsetSf:
                        instruction = new CfaInstruction(opcode, 0, r.ReadSLeb128());
                        break;
                    case DwCfa.DefCfaExpression:
                        instruction = new CfaInstruction(opcode, 0, 0, 0, r.ReadBytes((int)r.ReadULeb128()).ToArray());
                        break;
                    case DwCfa.Expression:
                    case DwCfa.ValExpression:
                    {
                        ulong register = r.ReadULeb128();
                        instruction = new CfaInstruction(opcode, register, 0, 0, r.ReadBytes((int)r.ReadULeb128()).ToArray());
                        break;
                    }
                    case DwCfa.GnuArgsSize:
                        r.ReadULeb128();
                        continue;
                    default:
                        throw new FormatException($"unsupported call frame instruction 0x{opcode:x}");
                }
            }

            list.Add((advance, instruction.Value));
            advance = 0;
        }

        return list;
    }
}
