using System.Runtime.CompilerServices;
using Iced.Intel;

namespace Lantern.X64;

/// <summary>
/// An x86-64 assembler for exactly the instruction forms Lantern emits, with the method names and overload
/// shapes of Iced's <c>Assembler</c> so call sites only change the type name.
/// </summary>
/// <remarks>
/// Why not Iced's: its <c>Assembler</c> and <c>Encoder</c> run the <c>OpCodeHandlers</c> static constructor
/// (handlers for every one of ~4900 opcodes, ~676 KB of allocation) the first time an immediate is set or an
/// instruction encoded, which was 2-3 ms of a 13 ms <c>lantern run hello.c</c>. This class builds the same
/// <see cref="Instruction"/> values Iced's assembler would (same <see cref="Code"/> choices: imm8 forms first,
/// accumulator forms, moffs for displacement-only accumulator moves), setting the immediate fields directly,
/// and <see cref="X64Encoder"/> turns them into the bytes Iced's BlockEncoder would produce.
/// With <c>LANTERN_ENCODER_CHECK=1</c> every <see cref="Assemble"/> is also run through Iced and compared.
/// </remarks>
public sealed partial class X64Assembler
{
    private readonly List<Instruction> _instructions = new();
    private ulong _nextLabelId;
    private ulong _pendingLabel;
    private bool _rep;
    private bool _lock;

    /// <summary>Creates an assembler; only 64-bit code is supported.</summary>
    public X64Assembler(int bitness)
    {
        if (bitness != 64)
        {
            throw new ArgumentOutOfRangeException(nameof(bitness), "only 64-bit code is supported");
        }
    }

    /// <summary>The instructions added so far (label-bound ones carry the label id as their IP).</summary>
    public IReadOnlyList<Instruction> Instructions => _instructions;

    /// <summary>Makes the next string instruction (movsb, movsq, stosb, stosq) a <c>rep</c> one.</summary>
    public X64Assembler rep
    {
        get
        {
            _rep = true;
            return this;
        }
    }

    /// <summary>Makes the next instruction a <c>lock</c>ed one.</summary>
    public X64Assembler @lock
    {
        get
        {
            _lock = true;
            return this;
        }
    }

    /// <summary>Forgets every instruction, label and pending prefix so the assembler can be reused.</summary>
    public void Reset()
    {
        _instructions.Clear();
        _nextLabelId = 0;
        _pendingLabel = 0;
        _rep = false;
        _lock = false;
    }

    /// <summary>Creates a label to bind later with <see cref="Label"/>.</summary>
    public X64Label CreateLabel() => new(++_nextLabelId);

    /// <summary>Binds <paramref name="label"/> to the next instruction added (one label per instruction, as in Iced).</summary>
    public void Label(ref X64Label label)
    {
        if (label.IsEmpty)
        {
            throw new ArgumentException("empty label", nameof(label));
        }

        if (label.InstructionIndex >= 0)
        {
            throw new ArgumentException("label already bound", nameof(label));
        }

        if (_pendingLabel != 0)
        {
            throw new InvalidOperationException("only one label per instruction");
        }

        label.InstructionIndex = _instructions.Count;
        _pendingLabel = label.Id;
    }

    /// <summary>Adds an instruction built elsewhere (its <see cref="Code"/> must be one <see cref="X64Encoder"/> knows).</summary>
    public void AddInstruction(Instruction instruction)
    {
        if (_pendingLabel != 0)
        {
            instruction.IP = _pendingLabel;
            _pendingLabel = 0;
        }

        if (_lock)
        {
            instruction.HasLockPrefix = true;
            _lock = false;
        }

        _instructions.Add(instruction);
    }

    /// <summary>Encodes the instructions for address <paramref name="rip"/> into <paramref name="writer"/>.</summary>
    public X64AssemblerResult Assemble(CodeWriter writer, ulong rip, BlockEncoderOptions options = BlockEncoderOptions.None)
    {
        X64AssemblerResult result = Assemble(rip, out byte[] bytes);
        foreach (byte b in bytes)
        {
            writer.WriteByte(b);
        }

        return result;
    }

    /// <summary>Encodes the instructions for address <paramref name="rip"/> into <paramref name="code"/> (no writer, no copy).</summary>
    public X64AssemblerResult Assemble(ulong rip, out byte[] code)
    {
        if (_pendingLabel != 0)
        {
            throw new InvalidOperationException("unused label: an instruction must follow every label");
        }

        return X64Encoder.EncodeBlock(_instructions, rip, out code);
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static MemoryOperand Mem(AssemblerMemoryOperand m) => m.ToMemoryOperand(64);

    private void R(Code code, Register r) => AddInstruction(Instruction.Create(code, r));

    private void M(Code code, AssemblerMemoryOperand m) => AddInstruction(Instruction.Create(code, Mem(m)));

    private void Rr(Code code, Register dst, Register src) => AddInstruction(Instruction.Create(code, dst, src));

    private void Rm(Code code, Register dst, AssemblerMemoryOperand src) => AddInstruction(Instruction.Create(code, dst, Mem(src)));

    private void Mr(Code code, AssemblerMemoryOperand dst, Register src) => AddInstruction(Instruction.Create(code, Mem(dst), src));

    /// <summary>Sets an immediate the way Iced's <c>Instruction.Create</c> stores it, without its handler table lookup.</summary>
    private static void SetImmediate(ref Instruction i, int operand, OpKind kind, long imm)
    {
        i.SetOpKind(operand, kind);
        switch (kind)
        {
            case OpKind.Immediate8:
            case OpKind.Immediate8to16:
            case OpKind.Immediate8to32:
            case OpKind.Immediate8to64:
                i.Immediate8 = (byte)imm;
                break;
            case OpKind.Immediate16:
                i.Immediate16 = (ushort)imm;
                break;
            case OpKind.Immediate32:
            case OpKind.Immediate32to64:
                i.Immediate32 = (uint)imm;
                break;
            case OpKind.Immediate64:
                i.Immediate64 = (ulong)imm;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private void Ri(Code code, Register dst, OpKind kind, long imm)
    {
        var i = new Instruction { Code = code };
        i.Op0Kind = OpKind.Register;
        i.Op0Register = dst;
        SetImmediate(ref i, 1, kind, imm);
        AddInstruction(i);
    }

    private void Mi(Code code, AssemblerMemoryOperand dst, OpKind kind, long imm)
    {
        Instruction i = Instruction.Create(code, Mem(dst));
        SetImmediate(ref i, 1, kind, imm);
        AddInstruction(i);
    }

    private void Rri(Code code, Register dst, Register src, OpKind kind, long imm)
    {
        Instruction i = Instruction.Create(code, dst, src);
        SetImmediate(ref i, 2, kind, imm);
        AddInstruction(i);
    }

    private void Rmi(Code code, Register dst, AssemblerMemoryOperand src, OpKind kind, long imm)
    {
        Instruction i = Instruction.Create(code, dst, Mem(src));
        SetImmediate(ref i, 2, kind, imm);
        AddInstruction(i);
    }

    private void Branch(Code code, X64Label target)
    {
        if (target.IsEmpty)
        {
            throw new ArgumentException("empty label", nameof(target));
        }

        var i = new Instruction { Code = code };
        i.Op0Kind = OpKind.NearBranch64;
        i.NearBranch64 = target.Id;
        AddInstruction(i);
    }

    private static bool IsImm8(long imm) => imm >= sbyte.MinValue && imm <= sbyte.MaxValue;

    private static Code BySize(AssemblerMemoryOperand m, Code b, Code w, Code d, Code q) => SizeOf(m) switch
    {
        OperandSize.Byte => b,
        OperandSize.Word => w,
        OperandSize.Dword => d,
        OperandSize.Qword => q,
        _ => throw new ArgumentException("memory operand needs a size (byte/word/dword/qword ptr)"),
    };

    /// <summary>Iced's memory operand sizes (its <c>MemoryOperandSize</c> enum is internal).</summary>
    private enum OperandSize
    {
        None,
        Byte,
        Word,
        Dword,
        Qword,
    }

    /// <summary>
    /// The operand size of <c>__byte_ptr[...]</c> / <c>__qword_ptr[...]</c>: Iced keeps it in an internal first field.
    /// Read through the struct's layout (Size, Segment, Base, Index, Scale as ints), checked against the public
    /// Base and Index so a changed Iced layout fails loudly instead of choosing a wrong code.
    /// </summary>
    private static OperandSize SizeOf(in AssemblerMemoryOperand m)
    {
        ref int first = ref Unsafe.As<AssemblerMemoryOperand, int>(ref Unsafe.AsRef(in m));
        if (Unsafe.Add(ref first, 2) != (int)m.Base || Unsafe.Add(ref first, 3) != (int)m.Index)
        {
            throw new InvalidOperationException("X64Assembler: unexpected Iced AssemblerMemoryOperand layout");
        }

        return (OperandSize)first;
    }

    private static bool IsDisplacementOnly(AssemblerMemoryOperand m) => m.Base == Register.None && m.Index == Register.None;

    // ---- add / or / adc / sbb / and / sub / xor / cmp -------------------------------------------------

    private static readonly AluCodes s_add = new(Code.Add_rm8_r8, Code.Add_rm16_r16, Code.Add_rm32_r32, Code.Add_rm64_r64, Code.Add_r8_rm8, Code.Add_r16_rm16, Code.Add_r32_rm32, Code.Add_r64_rm64, Code.Add_AL_imm8, Code.Add_AX_imm16, Code.Add_EAX_imm32, Code.Add_RAX_imm32, Code.Add_rm8_imm8, Code.Add_rm16_imm16, Code.Add_rm32_imm32, Code.Add_rm64_imm32, Code.Add_rm16_imm8, Code.Add_rm32_imm8, Code.Add_rm64_imm8);
    private static readonly AluCodes s_or = new(Code.Or_rm8_r8, Code.Or_rm16_r16, Code.Or_rm32_r32, Code.Or_rm64_r64, Code.Or_r8_rm8, Code.Or_r16_rm16, Code.Or_r32_rm32, Code.Or_r64_rm64, Code.Or_AL_imm8, Code.Or_AX_imm16, Code.Or_EAX_imm32, Code.Or_RAX_imm32, Code.Or_rm8_imm8, Code.Or_rm16_imm16, Code.Or_rm32_imm32, Code.Or_rm64_imm32, Code.Or_rm16_imm8, Code.Or_rm32_imm8, Code.Or_rm64_imm8);
    private static readonly AluCodes s_adc = new(Code.Adc_rm8_r8, Code.Adc_rm16_r16, Code.Adc_rm32_r32, Code.Adc_rm64_r64, Code.Adc_r8_rm8, Code.Adc_r16_rm16, Code.Adc_r32_rm32, Code.Adc_r64_rm64, Code.Adc_AL_imm8, Code.Adc_AX_imm16, Code.Adc_EAX_imm32, Code.Adc_RAX_imm32, Code.Adc_rm8_imm8, Code.Adc_rm16_imm16, Code.Adc_rm32_imm32, Code.Adc_rm64_imm32, Code.Adc_rm16_imm8, Code.Adc_rm32_imm8, Code.Adc_rm64_imm8);
    private static readonly AluCodes s_sbb = new(Code.Sbb_rm8_r8, Code.Sbb_rm16_r16, Code.Sbb_rm32_r32, Code.Sbb_rm64_r64, Code.Sbb_r8_rm8, Code.Sbb_r16_rm16, Code.Sbb_r32_rm32, Code.Sbb_r64_rm64, Code.Sbb_AL_imm8, Code.Sbb_AX_imm16, Code.Sbb_EAX_imm32, Code.Sbb_RAX_imm32, Code.Sbb_rm8_imm8, Code.Sbb_rm16_imm16, Code.Sbb_rm32_imm32, Code.Sbb_rm64_imm32, Code.Sbb_rm16_imm8, Code.Sbb_rm32_imm8, Code.Sbb_rm64_imm8);
    private static readonly AluCodes s_and = new(Code.And_rm8_r8, Code.And_rm16_r16, Code.And_rm32_r32, Code.And_rm64_r64, Code.And_r8_rm8, Code.And_r16_rm16, Code.And_r32_rm32, Code.And_r64_rm64, Code.And_AL_imm8, Code.And_AX_imm16, Code.And_EAX_imm32, Code.And_RAX_imm32, Code.And_rm8_imm8, Code.And_rm16_imm16, Code.And_rm32_imm32, Code.And_rm64_imm32, Code.And_rm16_imm8, Code.And_rm32_imm8, Code.And_rm64_imm8);
    private static readonly AluCodes s_sub = new(Code.Sub_rm8_r8, Code.Sub_rm16_r16, Code.Sub_rm32_r32, Code.Sub_rm64_r64, Code.Sub_r8_rm8, Code.Sub_r16_rm16, Code.Sub_r32_rm32, Code.Sub_r64_rm64, Code.Sub_AL_imm8, Code.Sub_AX_imm16, Code.Sub_EAX_imm32, Code.Sub_RAX_imm32, Code.Sub_rm8_imm8, Code.Sub_rm16_imm16, Code.Sub_rm32_imm32, Code.Sub_rm64_imm32, Code.Sub_rm16_imm8, Code.Sub_rm32_imm8, Code.Sub_rm64_imm8);
    private static readonly AluCodes s_xor = new(Code.Xor_rm8_r8, Code.Xor_rm16_r16, Code.Xor_rm32_r32, Code.Xor_rm64_r64, Code.Xor_r8_rm8, Code.Xor_r16_rm16, Code.Xor_r32_rm32, Code.Xor_r64_rm64, Code.Xor_AL_imm8, Code.Xor_AX_imm16, Code.Xor_EAX_imm32, Code.Xor_RAX_imm32, Code.Xor_rm8_imm8, Code.Xor_rm16_imm16, Code.Xor_rm32_imm32, Code.Xor_rm64_imm32, Code.Xor_rm16_imm8, Code.Xor_rm32_imm8, Code.Xor_rm64_imm8);
    private static readonly AluCodes s_cmp = new(Code.Cmp_rm8_r8, Code.Cmp_rm16_r16, Code.Cmp_rm32_r32, Code.Cmp_rm64_r64, Code.Cmp_r8_rm8, Code.Cmp_r16_rm16, Code.Cmp_r32_rm32, Code.Cmp_r64_rm64, Code.Cmp_AL_imm8, Code.Cmp_AX_imm16, Code.Cmp_EAX_imm32, Code.Cmp_RAX_imm32, Code.Cmp_rm8_imm8, Code.Cmp_rm16_imm16, Code.Cmp_rm32_imm32, Code.Cmp_rm64_imm32, Code.Cmp_rm16_imm8, Code.Cmp_rm32_imm8, Code.Cmp_rm64_imm8);
    private readonly record struct AluCodes(Code Rm8R8, Code Rm16R16, Code Rm32R32, Code Rm64R64, Code R8Rm8, Code R16Rm16, Code R32Rm32, Code R64Rm64, Code AlImm8, Code AxImm16, Code EaxImm32, Code RaxImm32, Code Rm8Imm8, Code Rm16Imm16, Code Rm32Imm32, Code Rm64Imm32, Code Rm16Imm8, Code Rm32Imm8, Code Rm64Imm8);

    /// <summary>As Iced: the accumulator form whenever the destination is al/ax/eax/rax, else imm8 if it fits.</summary>
    private void AluImm(AluCodes c, Register dst, long imm)
    {
        if (dst == Register.AL)
        {
            Ri(c.AlImm8, dst, OpKind.Immediate8, imm);
        }
        else if (dst == Register.AX)
        {
            Ri(c.AxImm16, dst, OpKind.Immediate16, imm);
        }
        else if (dst == Register.EAX)
        {
            Ri(c.EaxImm32, dst, OpKind.Immediate32, imm);
        }
        else if (dst == Register.RAX)
        {
            Ri(c.RaxImm32, dst, OpKind.Immediate32to64, imm);
        }
        else if (dst.IsGPR8())
        {
            Ri(c.Rm8Imm8, dst, OpKind.Immediate8, imm);
        }
        else if (dst.IsGPR16())
        {
            if (IsImm8(imm))
            {
                Ri(c.Rm16Imm8, dst, OpKind.Immediate8to16, imm);
            }
            else
            {
                Ri(c.Rm16Imm16, dst, OpKind.Immediate16, imm);
            }
        }
        else if (dst.IsGPR32())
        {
            if (IsImm8(imm))
            {
                Ri(c.Rm32Imm8, dst, OpKind.Immediate8to32, imm);
            }
            else
            {
                Ri(c.Rm32Imm32, dst, OpKind.Immediate32, imm);
            }
        }
        else if (IsImm8(imm))
        {
            Ri(c.Rm64Imm8, dst, OpKind.Immediate8to64, imm);
        }
        else
        {
            Ri(c.Rm64Imm32, dst, OpKind.Immediate32to64, imm);
        }
    }

    private void AluImm(AluCodes c, AssemblerMemoryOperand dst, int imm)
    {
        switch (SizeOf(dst))
        {
            case OperandSize.Qword:
                if (IsImm8(imm))
                {
                    Mi(c.Rm64Imm8, dst, OpKind.Immediate8to64, imm);
                }
                else
                {
                    Mi(c.Rm64Imm32, dst, OpKind.Immediate32to64, imm);
                }

                break;
            case OperandSize.Dword:
                if (IsImm8(imm))
                {
                    Mi(c.Rm32Imm8, dst, OpKind.Immediate8to32, imm);
                }
                else
                {
                    Mi(c.Rm32Imm32, dst, OpKind.Immediate32, imm);
                }

                break;
            case OperandSize.Word:
                if (IsImm8(imm))
                {
                    Mi(c.Rm16Imm8, dst, OpKind.Immediate8to16, imm);
                }
                else
                {
                    Mi(c.Rm16Imm16, dst, OpKind.Immediate16, imm);
                }

                break;
            case OperandSize.Byte:
                Mi(c.Rm8Imm8, dst, OpKind.Immediate8, imm);
                break;
            default:
                throw new ArgumentException("memory operand needs a size (byte/word/dword/qword ptr)");
        }
    }

    public void add(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(s_add.Rm8R8, dst, src);
    public void add(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(s_add.Rm16R16, dst, src);
    public void add(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(s_add.Rm32R32, dst, src);
    public void add(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(s_add.Rm64R64, dst, src);
    public void add(AssemblerMemoryOperand dst, AssemblerRegister8 src) => Mr(s_add.Rm8R8, dst, src);
    public void add(AssemblerMemoryOperand dst, AssemblerRegister16 src) => Mr(s_add.Rm16R16, dst, src);
    public void add(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(s_add.Rm32R32, dst, src);
    public void add(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(s_add.Rm64R64, dst, src);
    public void add(AssemblerRegister8 dst, AssemblerMemoryOperand src) => Rm(s_add.R8Rm8, dst, src);
    public void add(AssemblerRegister16 dst, AssemblerMemoryOperand src) => Rm(s_add.R16Rm16, dst, src);
    public void add(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(s_add.R32Rm32, dst, src);
    public void add(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(s_add.R64Rm64, dst, src);
    public void add(AssemblerRegister8 dst, sbyte imm) => AluImm(s_add, dst.Value, imm);
    public void add(AssemblerRegister8 dst, byte imm) => AluImm(s_add, dst.Value, (sbyte)imm);
    public void add(AssemblerRegister16 dst, short imm) => AluImm(s_add, dst.Value, imm);
    public void add(AssemblerRegister16 dst, ushort imm) => AluImm(s_add, dst.Value, (short)imm);
    public void add(AssemblerRegister32 dst, int imm) => AluImm(s_add, dst.Value, imm);
    public void add(AssemblerRegister32 dst, uint imm) => AluImm(s_add, dst.Value, (int)imm);
    public void add(AssemblerRegister64 dst, int imm) => AluImm(s_add, dst.Value, imm);
    public void add(AssemblerMemoryOperand dst, int imm) => AluImm(s_add, dst, imm);
    public void add(AssemblerMemoryOperand dst, uint imm) => AluImm(s_add, dst, (int)imm);

    public void @or(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(s_or.Rm8R8, dst, src);
    public void @or(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(s_or.Rm16R16, dst, src);
    public void @or(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(s_or.Rm32R32, dst, src);
    public void @or(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(s_or.Rm64R64, dst, src);
    public void @or(AssemblerMemoryOperand dst, AssemblerRegister8 src) => Mr(s_or.Rm8R8, dst, src);
    public void @or(AssemblerMemoryOperand dst, AssemblerRegister16 src) => Mr(s_or.Rm16R16, dst, src);
    public void @or(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(s_or.Rm32R32, dst, src);
    public void @or(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(s_or.Rm64R64, dst, src);
    public void @or(AssemblerRegister8 dst, AssemblerMemoryOperand src) => Rm(s_or.R8Rm8, dst, src);
    public void @or(AssemblerRegister16 dst, AssemblerMemoryOperand src) => Rm(s_or.R16Rm16, dst, src);
    public void @or(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(s_or.R32Rm32, dst, src);
    public void @or(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(s_or.R64Rm64, dst, src);
    public void @or(AssemblerRegister8 dst, sbyte imm) => AluImm(s_or, dst.Value, imm);
    public void @or(AssemblerRegister8 dst, byte imm) => AluImm(s_or, dst.Value, (sbyte)imm);
    public void @or(AssemblerRegister16 dst, short imm) => AluImm(s_or, dst.Value, imm);
    public void @or(AssemblerRegister16 dst, ushort imm) => AluImm(s_or, dst.Value, (short)imm);
    public void @or(AssemblerRegister32 dst, int imm) => AluImm(s_or, dst.Value, imm);
    public void @or(AssemblerRegister32 dst, uint imm) => AluImm(s_or, dst.Value, (int)imm);
    public void @or(AssemblerRegister64 dst, int imm) => AluImm(s_or, dst.Value, imm);
    public void @or(AssemblerMemoryOperand dst, int imm) => AluImm(s_or, dst, imm);
    public void @or(AssemblerMemoryOperand dst, uint imm) => AluImm(s_or, dst, (int)imm);

    public void adc(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(s_adc.Rm8R8, dst, src);
    public void adc(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(s_adc.Rm16R16, dst, src);
    public void adc(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(s_adc.Rm32R32, dst, src);
    public void adc(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(s_adc.Rm64R64, dst, src);
    public void adc(AssemblerMemoryOperand dst, AssemblerRegister8 src) => Mr(s_adc.Rm8R8, dst, src);
    public void adc(AssemblerMemoryOperand dst, AssemblerRegister16 src) => Mr(s_adc.Rm16R16, dst, src);
    public void adc(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(s_adc.Rm32R32, dst, src);
    public void adc(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(s_adc.Rm64R64, dst, src);
    public void adc(AssemblerRegister8 dst, AssemblerMemoryOperand src) => Rm(s_adc.R8Rm8, dst, src);
    public void adc(AssemblerRegister16 dst, AssemblerMemoryOperand src) => Rm(s_adc.R16Rm16, dst, src);
    public void adc(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(s_adc.R32Rm32, dst, src);
    public void adc(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(s_adc.R64Rm64, dst, src);
    public void adc(AssemblerRegister8 dst, sbyte imm) => AluImm(s_adc, dst.Value, imm);
    public void adc(AssemblerRegister8 dst, byte imm) => AluImm(s_adc, dst.Value, (sbyte)imm);
    public void adc(AssemblerRegister16 dst, short imm) => AluImm(s_adc, dst.Value, imm);
    public void adc(AssemblerRegister16 dst, ushort imm) => AluImm(s_adc, dst.Value, (short)imm);
    public void adc(AssemblerRegister32 dst, int imm) => AluImm(s_adc, dst.Value, imm);
    public void adc(AssemblerRegister32 dst, uint imm) => AluImm(s_adc, dst.Value, (int)imm);
    public void adc(AssemblerRegister64 dst, int imm) => AluImm(s_adc, dst.Value, imm);
    public void adc(AssemblerMemoryOperand dst, int imm) => AluImm(s_adc, dst, imm);
    public void adc(AssemblerMemoryOperand dst, uint imm) => AluImm(s_adc, dst, (int)imm);

    public void sbb(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(s_sbb.Rm8R8, dst, src);
    public void sbb(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(s_sbb.Rm16R16, dst, src);
    public void sbb(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(s_sbb.Rm32R32, dst, src);
    public void sbb(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(s_sbb.Rm64R64, dst, src);
    public void sbb(AssemblerMemoryOperand dst, AssemblerRegister8 src) => Mr(s_sbb.Rm8R8, dst, src);
    public void sbb(AssemblerMemoryOperand dst, AssemblerRegister16 src) => Mr(s_sbb.Rm16R16, dst, src);
    public void sbb(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(s_sbb.Rm32R32, dst, src);
    public void sbb(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(s_sbb.Rm64R64, dst, src);
    public void sbb(AssemblerRegister8 dst, AssemblerMemoryOperand src) => Rm(s_sbb.R8Rm8, dst, src);
    public void sbb(AssemblerRegister16 dst, AssemblerMemoryOperand src) => Rm(s_sbb.R16Rm16, dst, src);
    public void sbb(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(s_sbb.R32Rm32, dst, src);
    public void sbb(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(s_sbb.R64Rm64, dst, src);
    public void sbb(AssemblerRegister8 dst, sbyte imm) => AluImm(s_sbb, dst.Value, imm);
    public void sbb(AssemblerRegister8 dst, byte imm) => AluImm(s_sbb, dst.Value, (sbyte)imm);
    public void sbb(AssemblerRegister16 dst, short imm) => AluImm(s_sbb, dst.Value, imm);
    public void sbb(AssemblerRegister16 dst, ushort imm) => AluImm(s_sbb, dst.Value, (short)imm);
    public void sbb(AssemblerRegister32 dst, int imm) => AluImm(s_sbb, dst.Value, imm);
    public void sbb(AssemblerRegister32 dst, uint imm) => AluImm(s_sbb, dst.Value, (int)imm);
    public void sbb(AssemblerRegister64 dst, int imm) => AluImm(s_sbb, dst.Value, imm);
    public void sbb(AssemblerMemoryOperand dst, int imm) => AluImm(s_sbb, dst, imm);
    public void sbb(AssemblerMemoryOperand dst, uint imm) => AluImm(s_sbb, dst, (int)imm);

    public void @and(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(s_and.Rm8R8, dst, src);
    public void @and(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(s_and.Rm16R16, dst, src);
    public void @and(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(s_and.Rm32R32, dst, src);
    public void @and(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(s_and.Rm64R64, dst, src);
    public void @and(AssemblerMemoryOperand dst, AssemblerRegister8 src) => Mr(s_and.Rm8R8, dst, src);
    public void @and(AssemblerMemoryOperand dst, AssemblerRegister16 src) => Mr(s_and.Rm16R16, dst, src);
    public void @and(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(s_and.Rm32R32, dst, src);
    public void @and(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(s_and.Rm64R64, dst, src);
    public void @and(AssemblerRegister8 dst, AssemblerMemoryOperand src) => Rm(s_and.R8Rm8, dst, src);
    public void @and(AssemblerRegister16 dst, AssemblerMemoryOperand src) => Rm(s_and.R16Rm16, dst, src);
    public void @and(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(s_and.R32Rm32, dst, src);
    public void @and(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(s_and.R64Rm64, dst, src);
    public void @and(AssemblerRegister8 dst, sbyte imm) => AluImm(s_and, dst.Value, imm);
    public void @and(AssemblerRegister8 dst, byte imm) => AluImm(s_and, dst.Value, (sbyte)imm);
    public void @and(AssemblerRegister16 dst, short imm) => AluImm(s_and, dst.Value, imm);
    public void @and(AssemblerRegister16 dst, ushort imm) => AluImm(s_and, dst.Value, (short)imm);
    public void @and(AssemblerRegister32 dst, int imm) => AluImm(s_and, dst.Value, imm);
    public void @and(AssemblerRegister32 dst, uint imm) => AluImm(s_and, dst.Value, (int)imm);
    public void @and(AssemblerRegister64 dst, int imm) => AluImm(s_and, dst.Value, imm);
    public void @and(AssemblerMemoryOperand dst, int imm) => AluImm(s_and, dst, imm);
    public void @and(AssemblerMemoryOperand dst, uint imm) => AluImm(s_and, dst, (int)imm);

    public void sub(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(s_sub.Rm8R8, dst, src);
    public void sub(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(s_sub.Rm16R16, dst, src);
    public void sub(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(s_sub.Rm32R32, dst, src);
    public void sub(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(s_sub.Rm64R64, dst, src);
    public void sub(AssemblerMemoryOperand dst, AssemblerRegister8 src) => Mr(s_sub.Rm8R8, dst, src);
    public void sub(AssemblerMemoryOperand dst, AssemblerRegister16 src) => Mr(s_sub.Rm16R16, dst, src);
    public void sub(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(s_sub.Rm32R32, dst, src);
    public void sub(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(s_sub.Rm64R64, dst, src);
    public void sub(AssemblerRegister8 dst, AssemblerMemoryOperand src) => Rm(s_sub.R8Rm8, dst, src);
    public void sub(AssemblerRegister16 dst, AssemblerMemoryOperand src) => Rm(s_sub.R16Rm16, dst, src);
    public void sub(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(s_sub.R32Rm32, dst, src);
    public void sub(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(s_sub.R64Rm64, dst, src);
    public void sub(AssemblerRegister8 dst, sbyte imm) => AluImm(s_sub, dst.Value, imm);
    public void sub(AssemblerRegister8 dst, byte imm) => AluImm(s_sub, dst.Value, (sbyte)imm);
    public void sub(AssemblerRegister16 dst, short imm) => AluImm(s_sub, dst.Value, imm);
    public void sub(AssemblerRegister16 dst, ushort imm) => AluImm(s_sub, dst.Value, (short)imm);
    public void sub(AssemblerRegister32 dst, int imm) => AluImm(s_sub, dst.Value, imm);
    public void sub(AssemblerRegister32 dst, uint imm) => AluImm(s_sub, dst.Value, (int)imm);
    public void sub(AssemblerRegister64 dst, int imm) => AluImm(s_sub, dst.Value, imm);
    public void sub(AssemblerMemoryOperand dst, int imm) => AluImm(s_sub, dst, imm);
    public void sub(AssemblerMemoryOperand dst, uint imm) => AluImm(s_sub, dst, (int)imm);

    public void xor(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(s_xor.Rm8R8, dst, src);
    public void xor(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(s_xor.Rm16R16, dst, src);
    public void xor(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(s_xor.Rm32R32, dst, src);
    public void xor(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(s_xor.Rm64R64, dst, src);
    public void xor(AssemblerMemoryOperand dst, AssemblerRegister8 src) => Mr(s_xor.Rm8R8, dst, src);
    public void xor(AssemblerMemoryOperand dst, AssemblerRegister16 src) => Mr(s_xor.Rm16R16, dst, src);
    public void xor(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(s_xor.Rm32R32, dst, src);
    public void xor(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(s_xor.Rm64R64, dst, src);
    public void xor(AssemblerRegister8 dst, AssemblerMemoryOperand src) => Rm(s_xor.R8Rm8, dst, src);
    public void xor(AssemblerRegister16 dst, AssemblerMemoryOperand src) => Rm(s_xor.R16Rm16, dst, src);
    public void xor(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(s_xor.R32Rm32, dst, src);
    public void xor(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(s_xor.R64Rm64, dst, src);
    public void xor(AssemblerRegister8 dst, sbyte imm) => AluImm(s_xor, dst.Value, imm);
    public void xor(AssemblerRegister8 dst, byte imm) => AluImm(s_xor, dst.Value, (sbyte)imm);
    public void xor(AssemblerRegister16 dst, short imm) => AluImm(s_xor, dst.Value, imm);
    public void xor(AssemblerRegister16 dst, ushort imm) => AluImm(s_xor, dst.Value, (short)imm);
    public void xor(AssemblerRegister32 dst, int imm) => AluImm(s_xor, dst.Value, imm);
    public void xor(AssemblerRegister32 dst, uint imm) => AluImm(s_xor, dst.Value, (int)imm);
    public void xor(AssemblerRegister64 dst, int imm) => AluImm(s_xor, dst.Value, imm);
    public void xor(AssemblerMemoryOperand dst, int imm) => AluImm(s_xor, dst, imm);
    public void xor(AssemblerMemoryOperand dst, uint imm) => AluImm(s_xor, dst, (int)imm);

    public void cmp(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(s_cmp.Rm8R8, dst, src);
    public void cmp(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(s_cmp.Rm16R16, dst, src);
    public void cmp(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(s_cmp.Rm32R32, dst, src);
    public void cmp(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(s_cmp.Rm64R64, dst, src);
    public void cmp(AssemblerMemoryOperand dst, AssemblerRegister8 src) => Mr(s_cmp.Rm8R8, dst, src);
    public void cmp(AssemblerMemoryOperand dst, AssemblerRegister16 src) => Mr(s_cmp.Rm16R16, dst, src);
    public void cmp(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(s_cmp.Rm32R32, dst, src);
    public void cmp(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(s_cmp.Rm64R64, dst, src);
    public void cmp(AssemblerRegister8 dst, AssemblerMemoryOperand src) => Rm(s_cmp.R8Rm8, dst, src);
    public void cmp(AssemblerRegister16 dst, AssemblerMemoryOperand src) => Rm(s_cmp.R16Rm16, dst, src);
    public void cmp(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(s_cmp.R32Rm32, dst, src);
    public void cmp(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(s_cmp.R64Rm64, dst, src);
    public void cmp(AssemblerRegister8 dst, sbyte imm) => AluImm(s_cmp, dst.Value, imm);
    public void cmp(AssemblerRegister8 dst, byte imm) => AluImm(s_cmp, dst.Value, (sbyte)imm);
    public void cmp(AssemblerRegister16 dst, short imm) => AluImm(s_cmp, dst.Value, imm);
    public void cmp(AssemblerRegister16 dst, ushort imm) => AluImm(s_cmp, dst.Value, (short)imm);
    public void cmp(AssemblerRegister32 dst, int imm) => AluImm(s_cmp, dst.Value, imm);
    public void cmp(AssemblerRegister32 dst, uint imm) => AluImm(s_cmp, dst.Value, (int)imm);
    public void cmp(AssemblerRegister64 dst, int imm) => AluImm(s_cmp, dst.Value, imm);
    public void cmp(AssemblerMemoryOperand dst, int imm) => AluImm(s_cmp, dst, imm);
    public void cmp(AssemblerMemoryOperand dst, uint imm) => AluImm(s_cmp, dst, (int)imm);


    // ---- mov -----------------------------------------------------------------------------------------

    public void mov(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(Code.Mov_rm8_r8, dst.Value, src.Value);
    public void mov(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(Code.Mov_rm16_r16, dst.Value, src.Value);
    public void mov(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(Code.Mov_rm32_r32, dst.Value, src.Value);
    public void mov(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(Code.Mov_rm64_r64, dst.Value, src.Value);

    public void mov(AssemblerRegister8 dst, AssemblerMemoryOperand src) =>
        Rm(dst == Register.AL && IsDisplacementOnly(src) ? Code.Mov_AL_moffs8 : Code.Mov_r8_rm8, dst.Value, src);
    public void mov(AssemblerRegister16 dst, AssemblerMemoryOperand src) =>
        Rm(dst == Register.AX && IsDisplacementOnly(src) ? Code.Mov_AX_moffs16 : Code.Mov_r16_rm16, dst.Value, src);
    public void mov(AssemblerRegister32 dst, AssemblerMemoryOperand src) =>
        Rm(dst == Register.EAX && IsDisplacementOnly(src) ? Code.Mov_EAX_moffs32 : Code.Mov_r32_rm32, dst.Value, src);
    public void mov(AssemblerRegister64 dst, AssemblerMemoryOperand src) =>
        Rm(dst == Register.RAX && IsDisplacementOnly(src) ? Code.Mov_RAX_moffs64 : Code.Mov_r64_rm64, dst.Value, src);

    public void mov(AssemblerMemoryOperand dst, AssemblerRegister8 src) =>
        Mr(src == Register.AL && IsDisplacementOnly(dst) ? Code.Mov_moffs8_AL : Code.Mov_rm8_r8, dst, src.Value);
    public void mov(AssemblerMemoryOperand dst, AssemblerRegister16 src) =>
        Mr(src == Register.AX && IsDisplacementOnly(dst) ? Code.Mov_moffs16_AX : Code.Mov_rm16_r16, dst, src.Value);
    public void mov(AssemblerMemoryOperand dst, AssemblerRegister32 src) =>
        Mr(src == Register.EAX && IsDisplacementOnly(dst) ? Code.Mov_moffs32_EAX : Code.Mov_rm32_r32, dst, src.Value);
    public void mov(AssemblerMemoryOperand dst, AssemblerRegister64 src) =>
        Mr(src == Register.RAX && IsDisplacementOnly(dst) ? Code.Mov_moffs64_RAX : Code.Mov_rm64_r64, dst, src.Value);

    public void mov(AssemblerRegister8 dst, byte imm) => Ri(Code.Mov_r8_imm8, dst.Value, OpKind.Immediate8, imm);
    public void mov(AssemblerRegister8 dst, sbyte imm) => Ri(Code.Mov_r8_imm8, dst.Value, OpKind.Immediate8, imm);
    public void mov(AssemblerRegister16 dst, short imm) => Ri(Code.Mov_r16_imm16, dst.Value, OpKind.Immediate16, imm);
    public void mov(AssemblerRegister16 dst, ushort imm) => Ri(Code.Mov_r16_imm16, dst.Value, OpKind.Immediate16, imm);
    public void mov(AssemblerRegister32 dst, int imm) => Ri(Code.Mov_r32_imm32, dst.Value, OpKind.Immediate32, imm);
    public void mov(AssemblerRegister32 dst, uint imm) => Ri(Code.Mov_r32_imm32, dst.Value, OpKind.Immediate32, imm);
    public void mov(AssemblerRegister64 dst, long imm) => Ri(Code.Mov_r64_imm64, dst.Value, OpKind.Immediate64, imm);
    public void mov(AssemblerRegister64 dst, ulong imm) => Ri(Code.Mov_r64_imm64, dst.Value, OpKind.Immediate64, (long)imm);

    public void mov(AssemblerMemoryOperand dst, int imm)
    {
        switch (SizeOf(dst))
        {
            case OperandSize.Qword:
                Mi(Code.Mov_rm64_imm32, dst, OpKind.Immediate32to64, imm);
                break;
            case OperandSize.Dword:
                Mi(Code.Mov_rm32_imm32, dst, OpKind.Immediate32, imm);
                break;
            case OperandSize.Word:
                Mi(Code.Mov_rm16_imm16, dst, OpKind.Immediate16, imm);
                break;
            case OperandSize.Byte:
                Mi(Code.Mov_rm8_imm8, dst, OpKind.Immediate8, imm);
                break;
            default:
                throw new ArgumentException("memory operand needs a size (byte/word/dword/qword ptr)");
        }
    }

    public void mov(AssemblerMemoryOperand dst, uint imm) => mov(dst, (int)imm);

    // ---- test / lea / movzx / movsx / movsxd / imul ---------------------------------------------------

    public void test(AssemblerRegister8 dst, AssemblerRegister8 src) => Rr(Code.Test_rm8_r8, dst.Value, src.Value);
    public void test(AssemblerRegister16 dst, AssemblerRegister16 src) => Rr(Code.Test_rm16_r16, dst.Value, src.Value);
    public void test(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(Code.Test_rm32_r32, dst.Value, src.Value);
    public void test(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(Code.Test_rm64_r64, dst.Value, src.Value);
    public void test(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(Code.Test_rm32_r32, dst, src.Value);
    public void test(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(Code.Test_rm64_r64, dst, src.Value);
    public void test(AssemblerRegister8 dst, byte imm) => Ri(dst == Register.AL ? Code.Test_AL_imm8 : Code.Test_rm8_imm8, dst.Value, OpKind.Immediate8, imm);
    public void test(AssemblerRegister32 dst, int imm) => Ri(dst == Register.EAX ? Code.Test_EAX_imm32 : Code.Test_rm32_imm32, dst.Value, OpKind.Immediate32, imm);
    public void test(AssemblerRegister32 dst, uint imm) => test(dst, (int)imm);
    public void test(AssemblerRegister64 dst, int imm) => Ri(dst == Register.RAX ? Code.Test_RAX_imm32 : Code.Test_rm64_imm32, dst.Value, OpKind.Immediate32to64, imm);

    public void lea(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(Code.Lea_r32_m, dst.Value, src);
    public void lea(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(Code.Lea_r64_m, dst.Value, src);

    public void movzx(AssemblerRegister16 dst, AssemblerRegister8 src) => Rr(Code.Movzx_r16_rm8, dst.Value, src.Value);
    public void movzx(AssemblerRegister32 dst, AssemblerRegister8 src) => Rr(Code.Movzx_r32_rm8, dst.Value, src.Value);
    public void movzx(AssemblerRegister32 dst, AssemblerRegister16 src) => Rr(Code.Movzx_r32_rm16, dst.Value, src.Value);
    public void movzx(AssemblerRegister64 dst, AssemblerRegister8 src) => Rr(Code.Movzx_r64_rm8, dst.Value, src.Value);
    public void movzx(AssemblerRegister64 dst, AssemblerRegister16 src) => Rr(Code.Movzx_r64_rm16, dst.Value, src.Value);
    public void movzx(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(ByteOrWord(src, Code.Movzx_r32_rm8, Code.Movzx_r32_rm16), dst.Value, src);
    public void movzx(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(ByteOrWord(src, Code.Movzx_r64_rm8, Code.Movzx_r64_rm16), dst.Value, src);

    public void movsx(AssemblerRegister16 dst, AssemblerRegister8 src) => Rr(Code.Movsx_r16_rm8, dst.Value, src.Value);
    public void movsx(AssemblerRegister32 dst, AssemblerRegister8 src) => Rr(Code.Movsx_r32_rm8, dst.Value, src.Value);
    public void movsx(AssemblerRegister32 dst, AssemblerRegister16 src) => Rr(Code.Movsx_r32_rm16, dst.Value, src.Value);
    public void movsx(AssemblerRegister64 dst, AssemblerRegister8 src) => Rr(Code.Movsx_r64_rm8, dst.Value, src.Value);
    public void movsx(AssemblerRegister64 dst, AssemblerRegister16 src) => Rr(Code.Movsx_r64_rm16, dst.Value, src.Value);
    public void movsx(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(ByteOrWord(src, Code.Movsx_r32_rm8, Code.Movsx_r32_rm16), dst.Value, src);
    public void movsx(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(ByteOrWord(src, Code.Movsx_r64_rm8, Code.Movsx_r64_rm16), dst.Value, src);

    public void movsxd(AssemblerRegister64 dst, AssemblerRegister32 src) => Rr(Code.Movsxd_r64_rm32, dst.Value, src.Value);
    public void movsxd(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(Code.Movsxd_r64_rm32, dst.Value, src);

    private static Code ByteOrWord(AssemblerMemoryOperand m, Code b, Code w) => SizeOf(m) switch
    {
        OperandSize.Byte => b,
        OperandSize.Word => w,
        _ => throw new ArgumentException("movzx/movsx memory operand must be byte or word ptr"),
    };

    public void imul(AssemblerRegister32 dst, AssemblerRegister32 src) => Rr(Code.Imul_r32_rm32, dst.Value, src.Value);
    public void imul(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(Code.Imul_r64_rm64, dst.Value, src.Value);
    public void imul(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(Code.Imul_r32_rm32, dst.Value, src);
    public void imul(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(Code.Imul_r64_rm64, dst.Value, src);
    public void imul(AssemblerRegister32 dst, AssemblerRegister32 src, int imm)
    {
        if (IsImm8(imm))
        {
            Rri(Code.Imul_r32_rm32_imm8, dst.Value, src.Value, OpKind.Immediate8to32, imm);
        }
        else
        {
            Rri(Code.Imul_r32_rm32_imm32, dst.Value, src.Value, OpKind.Immediate32, imm);
        }
    }

    public void imul(AssemblerRegister64 dst, AssemblerRegister64 src, int imm)
    {
        if (IsImm8(imm))
        {
            Rri(Code.Imul_r64_rm64_imm8, dst.Value, src.Value, OpKind.Immediate8to64, imm);
        }
        else
        {
            Rri(Code.Imul_r64_rm64_imm32, dst.Value, src.Value, OpKind.Immediate32to64, imm);
        }
    }

    // ---- unary / shifts / bit tests / cmpxchg -------------------------------------------------------

    public void neg(AssemblerRegister8 dst) => R(Code.Neg_rm8, dst.Value);
    public void neg(AssemblerRegister16 dst) => R(Code.Neg_rm16, dst.Value);
    public void neg(AssemblerRegister32 dst) => R(Code.Neg_rm32, dst.Value);
    public void neg(AssemblerRegister64 dst) => R(Code.Neg_rm64, dst.Value);
    public void neg(AssemblerMemoryOperand dst) => M(BySize(dst, Code.Neg_rm8, Code.Neg_rm16, Code.Neg_rm32, Code.Neg_rm64), dst);
    public void @not(AssemblerRegister8 dst) => R(Code.Not_rm8, dst.Value);
    public void @not(AssemblerRegister16 dst) => R(Code.Not_rm16, dst.Value);
    public void @not(AssemblerRegister32 dst) => R(Code.Not_rm32, dst.Value);
    public void @not(AssemblerRegister64 dst) => R(Code.Not_rm64, dst.Value);
    public void @not(AssemblerMemoryOperand dst) => M(BySize(dst, Code.Not_rm8, Code.Not_rm16, Code.Not_rm32, Code.Not_rm64), dst);
    public void idiv(AssemblerRegister8 dst) => R(Code.Idiv_rm8, dst.Value);
    public void idiv(AssemblerRegister16 dst) => R(Code.Idiv_rm16, dst.Value);
    public void idiv(AssemblerRegister32 dst) => R(Code.Idiv_rm32, dst.Value);
    public void idiv(AssemblerRegister64 dst) => R(Code.Idiv_rm64, dst.Value);
    public void idiv(AssemblerMemoryOperand dst) => M(BySize(dst, Code.Idiv_rm8, Code.Idiv_rm16, Code.Idiv_rm32, Code.Idiv_rm64), dst);
    public void div(AssemblerRegister8 dst) => R(Code.Div_rm8, dst.Value);
    public void div(AssemblerRegister16 dst) => R(Code.Div_rm16, dst.Value);
    public void div(AssemblerRegister32 dst) => R(Code.Div_rm32, dst.Value);
    public void div(AssemblerRegister64 dst) => R(Code.Div_rm64, dst.Value);
    public void div(AssemblerMemoryOperand dst) => M(BySize(dst, Code.Div_rm8, Code.Div_rm16, Code.Div_rm32, Code.Div_rm64), dst);
    public void mul(AssemblerRegister8 dst) => R(Code.Mul_rm8, dst.Value);
    public void mul(AssemblerRegister16 dst) => R(Code.Mul_rm16, dst.Value);
    public void mul(AssemblerRegister32 dst) => R(Code.Mul_rm32, dst.Value);
    public void mul(AssemblerRegister64 dst) => R(Code.Mul_rm64, dst.Value);
    public void mul(AssemblerMemoryOperand dst) => M(BySize(dst, Code.Mul_rm8, Code.Mul_rm16, Code.Mul_rm32, Code.Mul_rm64), dst);
    public void inc(AssemblerRegister8 dst) => R(Code.Inc_rm8, dst.Value);
    public void inc(AssemblerRegister16 dst) => R(Code.Inc_rm16, dst.Value);
    public void inc(AssemblerRegister32 dst) => R(Code.Inc_rm32, dst.Value);
    public void inc(AssemblerRegister64 dst) => R(Code.Inc_rm64, dst.Value);
    public void inc(AssemblerMemoryOperand dst) => M(BySize(dst, Code.Inc_rm8, Code.Inc_rm16, Code.Inc_rm32, Code.Inc_rm64), dst);
    public void dec(AssemblerRegister8 dst) => R(Code.Dec_rm8, dst.Value);
    public void dec(AssemblerRegister16 dst) => R(Code.Dec_rm16, dst.Value);
    public void dec(AssemblerRegister32 dst) => R(Code.Dec_rm32, dst.Value);
    public void dec(AssemblerRegister64 dst) => R(Code.Dec_rm64, dst.Value);
    public void dec(AssemblerMemoryOperand dst) => M(BySize(dst, Code.Dec_rm8, Code.Dec_rm16, Code.Dec_rm32, Code.Dec_rm64), dst);

    public void shl(AssemblerRegister8 dst, byte imm) => Shift(imm == 1 ? Code.Shl_rm8_1 : Code.Shl_rm8_imm8, dst.Value, imm);
    public void shl(AssemblerRegister8 dst, AssemblerRegister8 cl) => Rr(Code.Shl_rm8_CL, dst.Value, cl.Value);
    public void shl(AssemblerRegister16 dst, byte imm) => Shift(imm == 1 ? Code.Shl_rm16_1 : Code.Shl_rm16_imm8, dst.Value, imm);
    public void shl(AssemblerRegister16 dst, AssemblerRegister8 cl) => Rr(Code.Shl_rm16_CL, dst.Value, cl.Value);
    public void shl(AssemblerRegister32 dst, byte imm) => Shift(imm == 1 ? Code.Shl_rm32_1 : Code.Shl_rm32_imm8, dst.Value, imm);
    public void shl(AssemblerRegister32 dst, AssemblerRegister8 cl) => Rr(Code.Shl_rm32_CL, dst.Value, cl.Value);
    public void shl(AssemblerRegister64 dst, byte imm) => Shift(imm == 1 ? Code.Shl_rm64_1 : Code.Shl_rm64_imm8, dst.Value, imm);
    public void shl(AssemblerRegister64 dst, AssemblerRegister8 cl) => Rr(Code.Shl_rm64_CL, dst.Value, cl.Value);
    public void shl(AssemblerMemoryOperand dst, byte imm) => ShiftMem(dst, imm, Code.Shl_rm8_1, Code.Shl_rm8_imm8, Code.Shl_rm16_1, Code.Shl_rm16_imm8, Code.Shl_rm32_1, Code.Shl_rm32_imm8, Code.Shl_rm64_1, Code.Shl_rm64_imm8);
    public void shr(AssemblerRegister8 dst, byte imm) => Shift(imm == 1 ? Code.Shr_rm8_1 : Code.Shr_rm8_imm8, dst.Value, imm);
    public void shr(AssemblerRegister8 dst, AssemblerRegister8 cl) => Rr(Code.Shr_rm8_CL, dst.Value, cl.Value);
    public void shr(AssemblerRegister16 dst, byte imm) => Shift(imm == 1 ? Code.Shr_rm16_1 : Code.Shr_rm16_imm8, dst.Value, imm);
    public void shr(AssemblerRegister16 dst, AssemblerRegister8 cl) => Rr(Code.Shr_rm16_CL, dst.Value, cl.Value);
    public void shr(AssemblerRegister32 dst, byte imm) => Shift(imm == 1 ? Code.Shr_rm32_1 : Code.Shr_rm32_imm8, dst.Value, imm);
    public void shr(AssemblerRegister32 dst, AssemblerRegister8 cl) => Rr(Code.Shr_rm32_CL, dst.Value, cl.Value);
    public void shr(AssemblerRegister64 dst, byte imm) => Shift(imm == 1 ? Code.Shr_rm64_1 : Code.Shr_rm64_imm8, dst.Value, imm);
    public void shr(AssemblerRegister64 dst, AssemblerRegister8 cl) => Rr(Code.Shr_rm64_CL, dst.Value, cl.Value);
    public void shr(AssemblerMemoryOperand dst, byte imm) => ShiftMem(dst, imm, Code.Shr_rm8_1, Code.Shr_rm8_imm8, Code.Shr_rm16_1, Code.Shr_rm16_imm8, Code.Shr_rm32_1, Code.Shr_rm32_imm8, Code.Shr_rm64_1, Code.Shr_rm64_imm8);
    public void sar(AssemblerRegister8 dst, byte imm) => Shift(imm == 1 ? Code.Sar_rm8_1 : Code.Sar_rm8_imm8, dst.Value, imm);
    public void sar(AssemblerRegister8 dst, AssemblerRegister8 cl) => Rr(Code.Sar_rm8_CL, dst.Value, cl.Value);
    public void sar(AssemblerRegister16 dst, byte imm) => Shift(imm == 1 ? Code.Sar_rm16_1 : Code.Sar_rm16_imm8, dst.Value, imm);
    public void sar(AssemblerRegister16 dst, AssemblerRegister8 cl) => Rr(Code.Sar_rm16_CL, dst.Value, cl.Value);
    public void sar(AssemblerRegister32 dst, byte imm) => Shift(imm == 1 ? Code.Sar_rm32_1 : Code.Sar_rm32_imm8, dst.Value, imm);
    public void sar(AssemblerRegister32 dst, AssemblerRegister8 cl) => Rr(Code.Sar_rm32_CL, dst.Value, cl.Value);
    public void sar(AssemblerRegister64 dst, byte imm) => Shift(imm == 1 ? Code.Sar_rm64_1 : Code.Sar_rm64_imm8, dst.Value, imm);
    public void sar(AssemblerRegister64 dst, AssemblerRegister8 cl) => Rr(Code.Sar_rm64_CL, dst.Value, cl.Value);
    public void sar(AssemblerMemoryOperand dst, byte imm) => ShiftMem(dst, imm, Code.Sar_rm8_1, Code.Sar_rm8_imm8, Code.Sar_rm16_1, Code.Sar_rm16_imm8, Code.Sar_rm32_1, Code.Sar_rm32_imm8, Code.Sar_rm64_1, Code.Sar_rm64_imm8);
    public void rol(AssemblerRegister8 dst, byte imm) => Shift(imm == 1 ? Code.Rol_rm8_1 : Code.Rol_rm8_imm8, dst.Value, imm);
    public void rol(AssemblerRegister8 dst, AssemblerRegister8 cl) => Rr(Code.Rol_rm8_CL, dst.Value, cl.Value);
    public void rol(AssemblerRegister16 dst, byte imm) => Shift(imm == 1 ? Code.Rol_rm16_1 : Code.Rol_rm16_imm8, dst.Value, imm);
    public void rol(AssemblerRegister16 dst, AssemblerRegister8 cl) => Rr(Code.Rol_rm16_CL, dst.Value, cl.Value);
    public void rol(AssemblerRegister32 dst, byte imm) => Shift(imm == 1 ? Code.Rol_rm32_1 : Code.Rol_rm32_imm8, dst.Value, imm);
    public void rol(AssemblerRegister32 dst, AssemblerRegister8 cl) => Rr(Code.Rol_rm32_CL, dst.Value, cl.Value);
    public void rol(AssemblerRegister64 dst, byte imm) => Shift(imm == 1 ? Code.Rol_rm64_1 : Code.Rol_rm64_imm8, dst.Value, imm);
    public void rol(AssemblerRegister64 dst, AssemblerRegister8 cl) => Rr(Code.Rol_rm64_CL, dst.Value, cl.Value);
    public void rol(AssemblerMemoryOperand dst, byte imm) => ShiftMem(dst, imm, Code.Rol_rm8_1, Code.Rol_rm8_imm8, Code.Rol_rm16_1, Code.Rol_rm16_imm8, Code.Rol_rm32_1, Code.Rol_rm32_imm8, Code.Rol_rm64_1, Code.Rol_rm64_imm8);
    public void ror(AssemblerRegister8 dst, byte imm) => Shift(imm == 1 ? Code.Ror_rm8_1 : Code.Ror_rm8_imm8, dst.Value, imm);
    public void ror(AssemblerRegister8 dst, AssemblerRegister8 cl) => Rr(Code.Ror_rm8_CL, dst.Value, cl.Value);
    public void ror(AssemblerRegister16 dst, byte imm) => Shift(imm == 1 ? Code.Ror_rm16_1 : Code.Ror_rm16_imm8, dst.Value, imm);
    public void ror(AssemblerRegister16 dst, AssemblerRegister8 cl) => Rr(Code.Ror_rm16_CL, dst.Value, cl.Value);
    public void ror(AssemblerRegister32 dst, byte imm) => Shift(imm == 1 ? Code.Ror_rm32_1 : Code.Ror_rm32_imm8, dst.Value, imm);
    public void ror(AssemblerRegister32 dst, AssemblerRegister8 cl) => Rr(Code.Ror_rm32_CL, dst.Value, cl.Value);
    public void ror(AssemblerRegister64 dst, byte imm) => Shift(imm == 1 ? Code.Ror_rm64_1 : Code.Ror_rm64_imm8, dst.Value, imm);
    public void ror(AssemblerRegister64 dst, AssemblerRegister8 cl) => Rr(Code.Ror_rm64_CL, dst.Value, cl.Value);
    public void ror(AssemblerMemoryOperand dst, byte imm) => ShiftMem(dst, imm, Code.Ror_rm8_1, Code.Ror_rm8_imm8, Code.Ror_rm16_1, Code.Ror_rm16_imm8, Code.Ror_rm32_1, Code.Ror_rm32_imm8, Code.Ror_rm64_1, Code.Ror_rm64_imm8);

    private void Shift(Code code, Register dst, byte imm) => Ri(code, dst, OpKind.Immediate8, imm);

    private void ShiftMem(AssemblerMemoryOperand dst, byte imm, Code b1, Code bi, Code w1, Code wi, Code d1, Code di, Code q1, Code qi) =>
        Mi(imm == 1 ? BySize(dst, b1, w1, d1, q1) : BySize(dst, bi, wi, di, qi), dst, OpKind.Immediate8, imm);

    public void bt(AssemblerRegister32 dst, byte imm) => Ri(Code.Bt_rm32_imm8, dst.Value, OpKind.Immediate8, imm);
    public void bt(AssemblerRegister64 dst, byte imm) => Ri(Code.Bt_rm64_imm8, dst.Value, OpKind.Immediate8, imm);
    public void btc(AssemblerRegister32 dst, byte imm) => Ri(Code.Btc_rm32_imm8, dst.Value, OpKind.Immediate8, imm);
    public void btc(AssemblerRegister64 dst, byte imm) => Ri(Code.Btc_rm64_imm8, dst.Value, OpKind.Immediate8, imm);
    public void bts(AssemblerRegister64 dst, byte imm) => Ri(Code.Bts_rm64_imm8, dst.Value, OpKind.Immediate8, imm);
    public void btr(AssemblerRegister64 dst, byte imm) => Ri(Code.Btr_rm64_imm8, dst.Value, OpKind.Immediate8, imm);

    public void cmpxchg(AssemblerMemoryOperand dst, AssemblerRegister32 src) => Mr(Code.Cmpxchg_rm32_r32, dst, src.Value);
    public void cmpxchg(AssemblerMemoryOperand dst, AssemblerRegister64 src) => Mr(Code.Cmpxchg_rm64_r64, dst, src.Value);
    public void cmpxchg(AssemblerRegister64 dst, AssemblerRegister64 src) => Rr(Code.Cmpxchg_rm64_r64, dst.Value, src.Value);

    // ---- setcc / jcc / jmp / call / push / pop ------------------------------------------------------

    public void seto(AssemblerRegister8 dst) => R(Code.Seto_rm8, dst.Value);
    public void seto(AssemblerMemoryOperand dst) => M(Code.Seto_rm8, dst);
    public void setno(AssemblerRegister8 dst) => R(Code.Setno_rm8, dst.Value);
    public void setno(AssemblerMemoryOperand dst) => M(Code.Setno_rm8, dst);
    public void setb(AssemblerRegister8 dst) => R(Code.Setb_rm8, dst.Value);
    public void setb(AssemblerMemoryOperand dst) => M(Code.Setb_rm8, dst);
    public void setae(AssemblerRegister8 dst) => R(Code.Setae_rm8, dst.Value);
    public void setae(AssemblerMemoryOperand dst) => M(Code.Setae_rm8, dst);
    public void sete(AssemblerRegister8 dst) => R(Code.Sete_rm8, dst.Value);
    public void sete(AssemblerMemoryOperand dst) => M(Code.Sete_rm8, dst);
    public void setne(AssemblerRegister8 dst) => R(Code.Setne_rm8, dst.Value);
    public void setne(AssemblerMemoryOperand dst) => M(Code.Setne_rm8, dst);
    public void setbe(AssemblerRegister8 dst) => R(Code.Setbe_rm8, dst.Value);
    public void setbe(AssemblerMemoryOperand dst) => M(Code.Setbe_rm8, dst);
    public void seta(AssemblerRegister8 dst) => R(Code.Seta_rm8, dst.Value);
    public void seta(AssemblerMemoryOperand dst) => M(Code.Seta_rm8, dst);
    public void sets(AssemblerRegister8 dst) => R(Code.Sets_rm8, dst.Value);
    public void sets(AssemblerMemoryOperand dst) => M(Code.Sets_rm8, dst);
    public void setns(AssemblerRegister8 dst) => R(Code.Setns_rm8, dst.Value);
    public void setns(AssemblerMemoryOperand dst) => M(Code.Setns_rm8, dst);
    public void setp(AssemblerRegister8 dst) => R(Code.Setp_rm8, dst.Value);
    public void setp(AssemblerMemoryOperand dst) => M(Code.Setp_rm8, dst);
    public void setnp(AssemblerRegister8 dst) => R(Code.Setnp_rm8, dst.Value);
    public void setnp(AssemblerMemoryOperand dst) => M(Code.Setnp_rm8, dst);
    public void setl(AssemblerRegister8 dst) => R(Code.Setl_rm8, dst.Value);
    public void setl(AssemblerMemoryOperand dst) => M(Code.Setl_rm8, dst);
    public void setge(AssemblerRegister8 dst) => R(Code.Setge_rm8, dst.Value);
    public void setge(AssemblerMemoryOperand dst) => M(Code.Setge_rm8, dst);
    public void setle(AssemblerRegister8 dst) => R(Code.Setle_rm8, dst.Value);
    public void setle(AssemblerMemoryOperand dst) => M(Code.Setle_rm8, dst);
    public void setg(AssemblerRegister8 dst) => R(Code.Setg_rm8, dst.Value);
    public void setg(AssemblerMemoryOperand dst) => M(Code.Setg_rm8, dst);
    public void setz(AssemblerRegister8 dst) => sete(dst);
    public void setnz(AssemblerRegister8 dst) => setne(dst);

    public void jo(X64Label target) => Branch(Code.Jo_rel8_64, target);
    public void jno(X64Label target) => Branch(Code.Jno_rel8_64, target);
    public void jb(X64Label target) => Branch(Code.Jb_rel8_64, target);
    public void jae(X64Label target) => Branch(Code.Jae_rel8_64, target);
    public void je(X64Label target) => Branch(Code.Je_rel8_64, target);
    public void jne(X64Label target) => Branch(Code.Jne_rel8_64, target);
    public void jbe(X64Label target) => Branch(Code.Jbe_rel8_64, target);
    public void ja(X64Label target) => Branch(Code.Ja_rel8_64, target);
    public void js(X64Label target) => Branch(Code.Js_rel8_64, target);
    public void jns(X64Label target) => Branch(Code.Jns_rel8_64, target);
    public void jp(X64Label target) => Branch(Code.Jp_rel8_64, target);
    public void jnp(X64Label target) => Branch(Code.Jnp_rel8_64, target);
    public void jl(X64Label target) => Branch(Code.Jl_rel8_64, target);
    public void jge(X64Label target) => Branch(Code.Jge_rel8_64, target);
    public void jle(X64Label target) => Branch(Code.Jle_rel8_64, target);
    public void jg(X64Label target) => Branch(Code.Jg_rel8_64, target);
    public void jz(X64Label target) => je(target);
    public void jnz(X64Label target) => jne(target);

    public void jmp(X64Label target) => Branch(Code.Jmp_rel8_64, target);
    /// <summary>A jump to an address outside the block (short or rel32 as it reaches; the far form is not supported).</summary>
    public void jmp(ulong target)
    {
        var i = new Instruction { Code = Code.Jmp_rel8_64 };
        i.Op0Kind = OpKind.NearBranch64;
        i.NearBranch64 = target;
        AddInstruction(i);
    }

    public void jmp(AssemblerRegister64 target) => R(Code.Jmp_rm64, target.Value);
    public void jmp(AssemblerMemoryOperand target) => M(Code.Jmp_rm64, target);
    public void call(X64Label target) => Branch(Code.Call_rel32_64, target);
    public void call(AssemblerRegister64 target) => R(Code.Call_rm64, target.Value);
    public void call(AssemblerMemoryOperand target) => M(Code.Call_rm64, target);

    public void push(AssemblerRegister64 src) => R(Code.Push_r64, src.Value);
    public void push(AssemblerMemoryOperand src) => M(Code.Push_rm64, src);
    public void pop(AssemblerRegister64 dst) => R(Code.Pop_r64, dst.Value);
    public void pop(AssemblerMemoryOperand dst) => M(Code.Pop_rm64, dst);

    // ---- SSE ----------------------------------------------------------------------------------------

    public void movsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Movsd_xmm_xmmm64, dst.Value, src.Value);
    public void movsd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Movsd_xmm_xmmm64, dst.Value, src);
    public void movsd(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => Mr(Code.Movsd_xmmm64_xmm, dst, src.Value);
    public void movss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Movss_xmm_xmmm32, dst.Value, src.Value);
    public void movss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Movss_xmm_xmmm32, dst.Value, src);
    public void movss(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => Mr(Code.Movss_xmmm32_xmm, dst, src.Value);
    public void movaps(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Movaps_xmm_xmmm128, dst.Value, src.Value);
    public void movaps(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Movaps_xmm_xmmm128, dst.Value, src);
    public void movaps(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => Mr(Code.Movaps_xmmm128_xmm, dst, src.Value);
    public void movups(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Movups_xmm_xmmm128, dst.Value, src.Value);
    public void movups(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Movups_xmm_xmmm128, dst.Value, src);
    public void movups(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => Mr(Code.Movups_xmmm128_xmm, dst, src.Value);
    public void movdqa(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Movdqa_xmm_xmmm128, dst.Value, src.Value);
    public void movdqa(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Movdqa_xmm_xmmm128, dst.Value, src);
    public void movdqa(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => Mr(Code.Movdqa_xmmm128_xmm, dst, src.Value);
    public void movdqu(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Movdqu_xmm_xmmm128, dst.Value, src.Value);
    public void movdqu(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Movdqu_xmm_xmmm128, dst.Value, src);
    public void movdqu(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => Mr(Code.Movdqu_xmmm128_xmm, dst, src.Value);
    public void addsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Addsd_xmm_xmmm64, dst.Value, src.Value);
    public void addsd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Addsd_xmm_xmmm64, dst.Value, src);
    public void subsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Subsd_xmm_xmmm64, dst.Value, src.Value);
    public void subsd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Subsd_xmm_xmmm64, dst.Value, src);
    public void mulsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Mulsd_xmm_xmmm64, dst.Value, src.Value);
    public void mulsd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Mulsd_xmm_xmmm64, dst.Value, src);
    public void divsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Divsd_xmm_xmmm64, dst.Value, src.Value);
    public void divsd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Divsd_xmm_xmmm64, dst.Value, src);
    public void addss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Addss_xmm_xmmm32, dst.Value, src.Value);
    public void addss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Addss_xmm_xmmm32, dst.Value, src);
    public void subss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Subss_xmm_xmmm32, dst.Value, src.Value);
    public void subss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Subss_xmm_xmmm32, dst.Value, src);
    public void mulss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Mulss_xmm_xmmm32, dst.Value, src.Value);
    public void mulss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Mulss_xmm_xmmm32, dst.Value, src);
    public void divss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Divss_xmm_xmmm32, dst.Value, src.Value);
    public void divss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Divss_xmm_xmmm32, dst.Value, src);
    public void sqrtsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Sqrtsd_xmm_xmmm64, dst.Value, src.Value);
    public void sqrtsd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Sqrtsd_xmm_xmmm64, dst.Value, src);
    public void sqrtss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Sqrtss_xmm_xmmm32, dst.Value, src.Value);
    public void sqrtss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Sqrtss_xmm_xmmm32, dst.Value, src);
    public void ucomisd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Ucomisd_xmm_xmmm64, dst.Value, src.Value);
    public void ucomisd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Ucomisd_xmm_xmmm64, dst.Value, src);
    public void ucomiss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Ucomiss_xmm_xmmm32, dst.Value, src.Value);
    public void ucomiss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Ucomiss_xmm_xmmm32, dst.Value, src);
    public void comisd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Comisd_xmm_xmmm64, dst.Value, src.Value);
    public void comisd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Comisd_xmm_xmmm64, dst.Value, src);
    public void comiss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Comiss_xmm_xmmm32, dst.Value, src.Value);
    public void comiss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Comiss_xmm_xmmm32, dst.Value, src);
    public void cvtsd2ss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Cvtsd2ss_xmm_xmmm64, dst.Value, src.Value);
    public void cvtsd2ss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Cvtsd2ss_xmm_xmmm64, dst.Value, src);
    public void cvtss2sd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Cvtss2sd_xmm_xmmm32, dst.Value, src.Value);
    public void cvtss2sd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Cvtss2sd_xmm_xmmm32, dst.Value, src);
    public void pxor(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Pxor_xmm_xmmm128, dst.Value, src.Value);
    public void pxor(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Pxor_xmm_xmmm128, dst.Value, src);
    public void xorps(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Xorps_xmm_xmmm128, dst.Value, src.Value);
    public void xorps(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Xorps_xmm_xmmm128, dst.Value, src);
    public void xorpd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Xorpd_xmm_xmmm128, dst.Value, src.Value);
    public void xorpd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Xorpd_xmm_xmmm128, dst.Value, src);
    public void andpd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Andpd_xmm_xmmm128, dst.Value, src.Value);
    public void andpd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Andpd_xmm_xmmm128, dst.Value, src);
    public void andps(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Andps_xmm_xmmm128, dst.Value, src.Value);
    public void andps(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Andps_xmm_xmmm128, dst.Value, src);
    public void cvtsi2sd(AssemblerRegisterXMM dst, AssemblerRegister32 src) => Rr(Code.Cvtsi2sd_xmm_rm32, dst.Value, src.Value);
    public void cvtsi2sd(AssemblerRegisterXMM dst, AssemblerRegister64 src) => Rr(Code.Cvtsi2sd_xmm_rm64, dst.Value, src.Value);
    public void cvtsi2sd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(SizeOf(src) == OperandSize.Qword ? Code.Cvtsi2sd_xmm_rm64 : Code.Cvtsi2sd_xmm_rm32, dst.Value, src);
    public void cvtsi2ss(AssemblerRegisterXMM dst, AssemblerRegister32 src) => Rr(Code.Cvtsi2ss_xmm_rm32, dst.Value, src.Value);
    public void cvtsi2ss(AssemblerRegisterXMM dst, AssemblerRegister64 src) => Rr(Code.Cvtsi2ss_xmm_rm64, dst.Value, src.Value);
    public void cvtsi2ss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(SizeOf(src) == OperandSize.Qword ? Code.Cvtsi2ss_xmm_rm64 : Code.Cvtsi2ss_xmm_rm32, dst.Value, src);
    public void cvttsd2si(AssemblerRegister32 dst, AssemblerRegisterXMM src) => Rr(Code.Cvttsd2si_r32_xmmm64, dst.Value, src.Value);
    public void cvttsd2si(AssemblerRegister64 dst, AssemblerRegisterXMM src) => Rr(Code.Cvttsd2si_r64_xmmm64, dst.Value, src.Value);
    public void cvttsd2si(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(Code.Cvttsd2si_r32_xmmm64, dst.Value, src);
    public void cvttsd2si(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(Code.Cvttsd2si_r64_xmmm64, dst.Value, src);
    public void cvttss2si(AssemblerRegister32 dst, AssemblerRegisterXMM src) => Rr(Code.Cvttss2si_r32_xmmm32, dst.Value, src.Value);
    public void cvttss2si(AssemblerRegister64 dst, AssemblerRegisterXMM src) => Rr(Code.Cvttss2si_r64_xmmm32, dst.Value, src.Value);
    public void cvttss2si(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(Code.Cvttss2si_r32_xmmm32, dst.Value, src);
    public void cvttss2si(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(Code.Cvttss2si_r64_xmmm32, dst.Value, src);
    public void cvtsd2si(AssemblerRegister32 dst, AssemblerRegisterXMM src) => Rr(Code.Cvtsd2si_r32_xmmm64, dst.Value, src.Value);
    public void cvtsd2si(AssemblerRegister64 dst, AssemblerRegisterXMM src) => Rr(Code.Cvtsd2si_r64_xmmm64, dst.Value, src.Value);
    public void cvtsd2si(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(Code.Cvtsd2si_r32_xmmm64, dst.Value, src);
    public void cvtsd2si(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(Code.Cvtsd2si_r64_xmmm64, dst.Value, src);
    public void cvtss2si(AssemblerRegister32 dst, AssemblerRegisterXMM src) => Rr(Code.Cvtss2si_r32_xmmm32, dst.Value, src.Value);
    public void cvtss2si(AssemblerRegister64 dst, AssemblerRegisterXMM src) => Rr(Code.Cvtss2si_r64_xmmm32, dst.Value, src.Value);
    public void cvtss2si(AssemblerRegister32 dst, AssemblerMemoryOperand src) => Rm(Code.Cvtss2si_r32_xmmm32, dst.Value, src);
    public void cvtss2si(AssemblerRegister64 dst, AssemblerMemoryOperand src) => Rm(Code.Cvtss2si_r64_xmmm32, dst.Value, src);

    public void movq(AssemblerRegisterXMM dst, AssemblerRegister64 src) => Rr(Code.Movq_xmm_rm64, dst.Value, src.Value);
    public void movq(AssemblerRegister64 dst, AssemblerRegisterXMM src) => Rr(Code.Movq_rm64_xmm, dst.Value, src.Value);
    public void movq(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Rr(Code.Movq_xmm_xmmm64, dst.Value, src.Value);
    public void movq(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Movq_xmm_xmmm64, dst.Value, src);
    public void movq(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => Mr(Code.Movq_xmmm64_xmm, dst, src.Value);
    public void movd(AssemblerRegisterXMM dst, AssemblerRegister32 src) => Rr(Code.Movd_xmm_rm32, dst.Value, src.Value);
    public void movd(AssemblerRegister32 dst, AssemblerRegisterXMM src) => Rr(Code.Movd_rm32_xmm, dst.Value, src.Value);
    public void movd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => Rm(Code.Movd_xmm_rm32, dst.Value, src);
    public void movd(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => Mr(Code.Movd_rm32_xmm, dst, src.Value);

    // ---- no operands, string instructions, data -----------------------------------------------------

    public void cdq() => AddInstruction(Instruction.Create(Code.Cdq));
    public void cqo() => AddInstruction(Instruction.Create(Code.Cqo));
    public void cdqe() => AddInstruction(Instruction.Create(Code.Cdqe));
    public void pushfq() => AddInstruction(Instruction.Create(Code.Pushfq));
    public void popfq() => AddInstruction(Instruction.Create(Code.Popfq));
    public void cld() => AddInstruction(Instruction.Create(Code.Cld));
    public void leave() => AddInstruction(Instruction.Create(Code.Leaveq));
    public void ret() => AddInstruction(Instruction.Create(Code.Retnq));
    public void nop() => AddInstruction(Instruction.Create(Code.Nopd));
    public void syscall() => AddInstruction(Instruction.Create(Code.Syscall));
    public void ud2() => AddInstruction(Instruction.Create(Code.Ud2));
    public void int3() => AddInstruction(Instruction.Create(Code.Int3));
    public void hlt() => AddInstruction(Instruction.Create(Code.Hlt));
    public void pause() => AddInstruction(Instruction.Create(Code.Pause));
    public void mfence() => AddInstruction(Instruction.Create(Code.Mfence));

    public void movsb() => AddInstruction(TakeRep() ? Instruction.CreateRepMovsb(64) : Instruction.CreateMovsb(64));
    public void movsq() => AddInstruction(TakeRep() ? Instruction.CreateRepMovsq(64) : Instruction.CreateMovsq(64));
    public void stosb() => AddInstruction(TakeRep() ? Instruction.CreateRepStosb(64) : Instruction.CreateStosb(64));
    public void stosq() => AddInstruction(TakeRep() ? Instruction.CreateRepStosq(64) : Instruction.CreateStosq(64));

    private bool TakeRep()
    {
        bool rep = _rep;
        _rep = false;
        return rep;
    }

    /// <summary>Raw bytes, split into 16-byte instructions as Iced's <c>db</c> does.</summary>
    public void db(params byte[] bytes)
    {
        for (int i = 0; i < bytes.Length; i += 16)
        {
            AddInstruction(Instruction.CreateDeclareByte(bytes.AsSpan(i, Math.Min(16, bytes.Length - i))));
        }
    }
}
