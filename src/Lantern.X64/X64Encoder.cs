using Iced.Intel;

namespace Lantern.X64;

/// <summary>Result of <see cref="X64Assembler.Assemble"/>, shaped like Iced's <c>AssemblerResult</c>.</summary>
public sealed class X64AssemblerResult
{
    internal X64AssemblerResult(ulong rip, uint[] offsets, IReadOnlyList<Instruction> instructions)
    {
        Result = new[] { new X64BlockResult(rip, offsets) };
    }

    /// <summary>One block (Lantern assembles one block at a time).</summary>
    public X64BlockResult[] Result { get; }

    /// <summary>Address of the instruction <paramref name="label"/> is bound to.</summary>
    public ulong GetLabelRIP(in X64Label label, int index = 0)
    {
        if (label.InstructionIndex < 0)
        {
            throw new ArgumentException("label is not bound", nameof(label));
        }

        return Result[index].RIP + Result[index].NewInstructionOffsets[label.InstructionIndex];
    }
}

/// <summary>Base address and the offset of every input instruction in the encoded block.</summary>
public readonly record struct X64BlockResult(ulong RIP, uint[] NewInstructionOffsets);

/// <summary>
/// Encodes the <see cref="Instruction"/>s <see cref="X64Assembler"/> builds, byte for byte as Iced's
/// BlockEncoder would, without Iced's per-opcode handler tables (see <see cref="X64Assembler"/> for why).
/// </summary>
/// <remarks>
/// Only the codes in <see cref="s_forms"/> are known; anything else throws naming the code. Branch sizing follows
/// Iced's BlockEncoder: a jcc starts at 8 bytes and a jmp at 6 (room for its far form), a first pass makes each
/// short (rel8) if its target is in reach with the addresses known so far and near (rel32) otherwise, then passes
/// that shorten near branches (forward distances reduced by the bytes gained earlier in the same pass) repeat
/// until nothing changes.
/// </remarks>
public static class X64Encoder
{
    private static readonly bool s_check = Environment.GetEnvironmentVariable("LANTERN_ENCODER_CHECK") == "1";

    /// <summary>True if every block is also encoded by Iced and compared (<c>LANTERN_ENCODER_CHECK=1</c> at start-up).</summary>
    public static bool CheckingAgainstIced => s_check;

    private enum Form : byte
    {
        RmReg,      // ModRM.rm = op0, ModRM.reg = op1
        RegRm,      // ModRM.reg = op0, ModRM.rm = op1
        RmDigit,    // ModRM.rm = op0, ModRM.reg = digit, then the immediate of op1 if any
        RmDigitNoImm, // shifts by 1 and by CL: op1 is implied
        RegRmImm,   // imul r, rm, imm
        OpReg,      // opcode + register number of op0, then the immediate of op1 if any
        AccImm,     // al/ax/eax/rax, imm
        MoffsLoad,  // acc, [moffs64]
        MoffsStore, // [moffs64], acc
        Fixed,
        String,     // movs/stos: optional rep prefix
        Jcc,
        Jmp,
        Call,       // call rel32 to a label
        Data,
    }

    private readonly record struct Desc(byte Prefix, bool W, int Opcode, Form Form, byte Digit);

    private static readonly Dictionary<Code, Desc> s_forms = BuildForms();

    private static Dictionary<Code, Desc> BuildForms()
    {
        var d = new Dictionary<Code, Desc>(320);

        void Add(Code c, int opcode, Form form, byte prefix = 0, bool w = false, byte digit = 0) => d.Add(c, new Desc(prefix, w, opcode, form, digit));

        // The four operand sizes of one form: the 8-bit opcode, then opcode + 1 with 0x66 (16), bare (32), REX.W (64).
        void AddSizes(Code b, Code w, Code dd, Code q, int op8, Form form, byte digit = 0)
        {
            Add(b, op8, form, digit: digit);
            Add(w, op8 + 1, form, 0x66, digit: digit);
            Add(dd, op8 + 1, form, digit: digit);
            Add(q, op8 + 1, form, w: true, digit: digit);
        }

        // add or adc sbb and sub xor cmp: opcode base b, /digit for the immediate forms
        (Code[] Codes, int Base, byte Digit)[] alu =
        {
            (new[] { Code.Add_rm8_r8, Code.Add_rm16_r16, Code.Add_rm32_r32, Code.Add_rm64_r64, Code.Add_r8_rm8, Code.Add_r16_rm16, Code.Add_r32_rm32, Code.Add_r64_rm64, Code.Add_AL_imm8, Code.Add_AX_imm16, Code.Add_EAX_imm32, Code.Add_RAX_imm32, Code.Add_rm8_imm8, Code.Add_rm16_imm16, Code.Add_rm32_imm32, Code.Add_rm64_imm32, Code.Add_rm16_imm8, Code.Add_rm32_imm8, Code.Add_rm64_imm8 }, 0x00, 0),
            (new[] { Code.Or_rm8_r8, Code.Or_rm16_r16, Code.Or_rm32_r32, Code.Or_rm64_r64, Code.Or_r8_rm8, Code.Or_r16_rm16, Code.Or_r32_rm32, Code.Or_r64_rm64, Code.Or_AL_imm8, Code.Or_AX_imm16, Code.Or_EAX_imm32, Code.Or_RAX_imm32, Code.Or_rm8_imm8, Code.Or_rm16_imm16, Code.Or_rm32_imm32, Code.Or_rm64_imm32, Code.Or_rm16_imm8, Code.Or_rm32_imm8, Code.Or_rm64_imm8 }, 0x08, 1),
            (new[] { Code.Adc_rm8_r8, Code.Adc_rm16_r16, Code.Adc_rm32_r32, Code.Adc_rm64_r64, Code.Adc_r8_rm8, Code.Adc_r16_rm16, Code.Adc_r32_rm32, Code.Adc_r64_rm64, Code.Adc_AL_imm8, Code.Adc_AX_imm16, Code.Adc_EAX_imm32, Code.Adc_RAX_imm32, Code.Adc_rm8_imm8, Code.Adc_rm16_imm16, Code.Adc_rm32_imm32, Code.Adc_rm64_imm32, Code.Adc_rm16_imm8, Code.Adc_rm32_imm8, Code.Adc_rm64_imm8 }, 0x10, 2),
            (new[] { Code.Sbb_rm8_r8, Code.Sbb_rm16_r16, Code.Sbb_rm32_r32, Code.Sbb_rm64_r64, Code.Sbb_r8_rm8, Code.Sbb_r16_rm16, Code.Sbb_r32_rm32, Code.Sbb_r64_rm64, Code.Sbb_AL_imm8, Code.Sbb_AX_imm16, Code.Sbb_EAX_imm32, Code.Sbb_RAX_imm32, Code.Sbb_rm8_imm8, Code.Sbb_rm16_imm16, Code.Sbb_rm32_imm32, Code.Sbb_rm64_imm32, Code.Sbb_rm16_imm8, Code.Sbb_rm32_imm8, Code.Sbb_rm64_imm8 }, 0x18, 3),
            (new[] { Code.And_rm8_r8, Code.And_rm16_r16, Code.And_rm32_r32, Code.And_rm64_r64, Code.And_r8_rm8, Code.And_r16_rm16, Code.And_r32_rm32, Code.And_r64_rm64, Code.And_AL_imm8, Code.And_AX_imm16, Code.And_EAX_imm32, Code.And_RAX_imm32, Code.And_rm8_imm8, Code.And_rm16_imm16, Code.And_rm32_imm32, Code.And_rm64_imm32, Code.And_rm16_imm8, Code.And_rm32_imm8, Code.And_rm64_imm8 }, 0x20, 4),
            (new[] { Code.Sub_rm8_r8, Code.Sub_rm16_r16, Code.Sub_rm32_r32, Code.Sub_rm64_r64, Code.Sub_r8_rm8, Code.Sub_r16_rm16, Code.Sub_r32_rm32, Code.Sub_r64_rm64, Code.Sub_AL_imm8, Code.Sub_AX_imm16, Code.Sub_EAX_imm32, Code.Sub_RAX_imm32, Code.Sub_rm8_imm8, Code.Sub_rm16_imm16, Code.Sub_rm32_imm32, Code.Sub_rm64_imm32, Code.Sub_rm16_imm8, Code.Sub_rm32_imm8, Code.Sub_rm64_imm8 }, 0x28, 5),
            (new[] { Code.Xor_rm8_r8, Code.Xor_rm16_r16, Code.Xor_rm32_r32, Code.Xor_rm64_r64, Code.Xor_r8_rm8, Code.Xor_r16_rm16, Code.Xor_r32_rm32, Code.Xor_r64_rm64, Code.Xor_AL_imm8, Code.Xor_AX_imm16, Code.Xor_EAX_imm32, Code.Xor_RAX_imm32, Code.Xor_rm8_imm8, Code.Xor_rm16_imm16, Code.Xor_rm32_imm32, Code.Xor_rm64_imm32, Code.Xor_rm16_imm8, Code.Xor_rm32_imm8, Code.Xor_rm64_imm8 }, 0x30, 6),
            (new[] { Code.Cmp_rm8_r8, Code.Cmp_rm16_r16, Code.Cmp_rm32_r32, Code.Cmp_rm64_r64, Code.Cmp_r8_rm8, Code.Cmp_r16_rm16, Code.Cmp_r32_rm32, Code.Cmp_r64_rm64, Code.Cmp_AL_imm8, Code.Cmp_AX_imm16, Code.Cmp_EAX_imm32, Code.Cmp_RAX_imm32, Code.Cmp_rm8_imm8, Code.Cmp_rm16_imm16, Code.Cmp_rm32_imm32, Code.Cmp_rm64_imm32, Code.Cmp_rm16_imm8, Code.Cmp_rm32_imm8, Code.Cmp_rm64_imm8 }, 0x38, 7),
        };
        foreach ((Code[] c, int b, byte g) in alu)
        {
            AddSizes(c[0], c[1], c[2], c[3], b, Form.RmReg);
            AddSizes(c[4], c[5], c[6], c[7], b + 2, Form.RegRm);
            AddSizes(c[8], c[9], c[10], c[11], b + 4, Form.AccImm);
            AddSizes(c[12], c[13], c[14], c[15], 0x80, Form.RmDigit, g);
            Add(c[16], 0x83, Form.RmDigit, 0x66, digit: g);
            Add(c[17], 0x83, Form.RmDigit, digit: g);
            Add(c[18], 0x83, Form.RmDigit, w: true, digit: g);
        }

        AddSizes(Code.Test_rm8_r8, Code.Test_rm16_r16, Code.Test_rm32_r32, Code.Test_rm64_r64, 0x84, Form.RmReg);
        Add(Code.Test_AL_imm8, 0xA8, Form.AccImm);
        Add(Code.Test_EAX_imm32, 0xA9, Form.AccImm);
        Add(Code.Test_RAX_imm32, 0xA9, Form.AccImm, w: true);
        Add(Code.Test_rm8_imm8, 0xF6, Form.RmDigit);
        Add(Code.Test_rm32_imm32, 0xF7, Form.RmDigit);
        Add(Code.Test_rm64_imm32, 0xF7, Form.RmDigit, w: true);

        AddSizes(Code.Mov_rm8_r8, Code.Mov_rm16_r16, Code.Mov_rm32_r32, Code.Mov_rm64_r64, 0x88, Form.RmReg);
        AddSizes(Code.Mov_r8_rm8, Code.Mov_r16_rm16, Code.Mov_r32_rm32, Code.Mov_r64_rm64, 0x8A, Form.RegRm);
        Add(Code.Mov_r8_imm8, 0xB0, Form.OpReg);
        Add(Code.Mov_r16_imm16, 0xB8, Form.OpReg, 0x66);
        Add(Code.Mov_r32_imm32, 0xB8, Form.OpReg);
        Add(Code.Mov_r64_imm64, 0xB8, Form.OpReg, w: true);
        AddSizes(Code.Mov_rm8_imm8, Code.Mov_rm16_imm16, Code.Mov_rm32_imm32, Code.Mov_rm64_imm32, 0xC6, Form.RmDigit);
        AddSizes(Code.Mov_AL_moffs8, Code.Mov_AX_moffs16, Code.Mov_EAX_moffs32, Code.Mov_RAX_moffs64, 0xA0, Form.MoffsLoad);
        AddSizes(Code.Mov_moffs8_AL, Code.Mov_moffs16_AX, Code.Mov_moffs32_EAX, Code.Mov_moffs64_RAX, 0xA2, Form.MoffsStore);

        Add(Code.Lea_r32_m, 0x8D, Form.RegRm);
        Add(Code.Lea_r64_m, 0x8D, Form.RegRm, w: true);
        Add(Code.Movzx_r16_rm8, 0x0FB6, Form.RegRm, 0x66);
        Add(Code.Movzx_r32_rm8, 0x0FB6, Form.RegRm);
        Add(Code.Movzx_r32_rm16, 0x0FB7, Form.RegRm);
        Add(Code.Movzx_r64_rm8, 0x0FB6, Form.RegRm, w: true);
        Add(Code.Movzx_r64_rm16, 0x0FB7, Form.RegRm, w: true);
        Add(Code.Movsx_r16_rm8, 0x0FBE, Form.RegRm, 0x66);
        Add(Code.Movsx_r32_rm8, 0x0FBE, Form.RegRm);
        Add(Code.Movsx_r32_rm16, 0x0FBF, Form.RegRm);
        Add(Code.Movsx_r64_rm8, 0x0FBE, Form.RegRm, w: true);
        Add(Code.Movsx_r64_rm16, 0x0FBF, Form.RegRm, w: true);
        Add(Code.Movsxd_r64_rm32, 0x63, Form.RegRm, w: true);

        Add(Code.Imul_r32_rm32, 0x0FAF, Form.RegRm);
        Add(Code.Imul_r64_rm64, 0x0FAF, Form.RegRm, w: true);
        Add(Code.Imul_r32_rm32_imm8, 0x6B, Form.RegRmImm);
        Add(Code.Imul_r64_rm64_imm8, 0x6B, Form.RegRmImm, w: true);
        Add(Code.Imul_r32_rm32_imm32, 0x69, Form.RegRmImm);
        Add(Code.Imul_r64_rm64_imm32, 0x69, Form.RegRmImm, w: true);

        (Code B, Code W, Code D, Code Q, byte Digit, int Op8)[] unary =
        {
            (Code.Not_rm8, Code.Not_rm16, Code.Not_rm32, Code.Not_rm64, 2, 0xF6),
            (Code.Neg_rm8, Code.Neg_rm16, Code.Neg_rm32, Code.Neg_rm64, 3, 0xF6),
            (Code.Mul_rm8, Code.Mul_rm16, Code.Mul_rm32, Code.Mul_rm64, 4, 0xF6),
            (Code.Div_rm8, Code.Div_rm16, Code.Div_rm32, Code.Div_rm64, 6, 0xF6),
            (Code.Idiv_rm8, Code.Idiv_rm16, Code.Idiv_rm32, Code.Idiv_rm64, 7, 0xF6),
            (Code.Inc_rm8, Code.Inc_rm16, Code.Inc_rm32, Code.Inc_rm64, 0, 0xFE),
            (Code.Dec_rm8, Code.Dec_rm16, Code.Dec_rm32, Code.Dec_rm64, 1, 0xFE),
        };
        foreach ((Code b, Code w, Code dd, Code q, byte g, int op8) in unary)
        {
            AddSizes(b, w, dd, q, op8, Form.RmDigit, g);
        }

        // shifts: rm_1 (D0/D1), rm_CL (D2/D3), rm_imm8 (C0/C1)
        (Code[] Codes, byte Digit)[] shifts =
        {
            (new[] { Code.Rol_rm8_1, Code.Rol_rm16_1, Code.Rol_rm32_1, Code.Rol_rm64_1, Code.Rol_rm8_CL, Code.Rol_rm16_CL, Code.Rol_rm32_CL, Code.Rol_rm64_CL, Code.Rol_rm8_imm8, Code.Rol_rm16_imm8, Code.Rol_rm32_imm8, Code.Rol_rm64_imm8 }, 0),
            (new[] { Code.Ror_rm8_1, Code.Ror_rm16_1, Code.Ror_rm32_1, Code.Ror_rm64_1, Code.Ror_rm8_CL, Code.Ror_rm16_CL, Code.Ror_rm32_CL, Code.Ror_rm64_CL, Code.Ror_rm8_imm8, Code.Ror_rm16_imm8, Code.Ror_rm32_imm8, Code.Ror_rm64_imm8 }, 1),
            (new[] { Code.Shl_rm8_1, Code.Shl_rm16_1, Code.Shl_rm32_1, Code.Shl_rm64_1, Code.Shl_rm8_CL, Code.Shl_rm16_CL, Code.Shl_rm32_CL, Code.Shl_rm64_CL, Code.Shl_rm8_imm8, Code.Shl_rm16_imm8, Code.Shl_rm32_imm8, Code.Shl_rm64_imm8 }, 4),
            (new[] { Code.Shr_rm8_1, Code.Shr_rm16_1, Code.Shr_rm32_1, Code.Shr_rm64_1, Code.Shr_rm8_CL, Code.Shr_rm16_CL, Code.Shr_rm32_CL, Code.Shr_rm64_CL, Code.Shr_rm8_imm8, Code.Shr_rm16_imm8, Code.Shr_rm32_imm8, Code.Shr_rm64_imm8 }, 5),
            (new[] { Code.Sar_rm8_1, Code.Sar_rm16_1, Code.Sar_rm32_1, Code.Sar_rm64_1, Code.Sar_rm8_CL, Code.Sar_rm16_CL, Code.Sar_rm32_CL, Code.Sar_rm64_CL, Code.Sar_rm8_imm8, Code.Sar_rm16_imm8, Code.Sar_rm32_imm8, Code.Sar_rm64_imm8 }, 7),
        };
        foreach ((Code[] c, byte g) in shifts)
        {
            for (int k = 0; k < 3; k++)
            {
                int op8 = k switch { 0 => 0xD0, 1 => 0xD2, _ => 0xC0 };
                Form form = k == 2 ? Form.RmDigit : Form.RmDigitNoImm;
                AddSizes(c[k * 4], c[k * 4 + 1], c[k * 4 + 2], c[k * 4 + 3], op8, form, g);
            }
        }

        Add(Code.Bt_rm32_imm8, 0x0FBA, Form.RmDigit, digit: 4);
        Add(Code.Bt_rm64_imm8, 0x0FBA, Form.RmDigit, w: true, digit: 4);
        Add(Code.Bts_rm64_imm8, 0x0FBA, Form.RmDigit, w: true, digit: 5);
        Add(Code.Btr_rm64_imm8, 0x0FBA, Form.RmDigit, w: true, digit: 6);
        Add(Code.Btc_rm32_imm8, 0x0FBA, Form.RmDigit, digit: 7);
        Add(Code.Btc_rm64_imm8, 0x0FBA, Form.RmDigit, w: true, digit: 7);
        Add(Code.Cmpxchg_rm32_r32, 0x0FB1, Form.RmReg);
        Add(Code.Cmpxchg_rm64_r64, 0x0FB1, Form.RmReg, w: true);

        Code[] setcc = { Code.Seto_rm8, Code.Setno_rm8, Code.Setb_rm8, Code.Setae_rm8, Code.Sete_rm8, Code.Setne_rm8, Code.Setbe_rm8, Code.Seta_rm8, Code.Sets_rm8, Code.Setns_rm8, Code.Setp_rm8, Code.Setnp_rm8, Code.Setl_rm8, Code.Setge_rm8, Code.Setle_rm8, Code.Setg_rm8 };
        Code[] jcc8 = { Code.Jo_rel8_64, Code.Jno_rel8_64, Code.Jb_rel8_64, Code.Jae_rel8_64, Code.Je_rel8_64, Code.Jne_rel8_64, Code.Jbe_rel8_64, Code.Ja_rel8_64, Code.Js_rel8_64, Code.Jns_rel8_64, Code.Jp_rel8_64, Code.Jnp_rel8_64, Code.Jl_rel8_64, Code.Jge_rel8_64, Code.Jle_rel8_64, Code.Jg_rel8_64 };
        Code[] jcc32 = { Code.Jo_rel32_64, Code.Jno_rel32_64, Code.Jb_rel32_64, Code.Jae_rel32_64, Code.Je_rel32_64, Code.Jne_rel32_64, Code.Jbe_rel32_64, Code.Ja_rel32_64, Code.Js_rel32_64, Code.Jns_rel32_64, Code.Jp_rel32_64, Code.Jnp_rel32_64, Code.Jl_rel32_64, Code.Jge_rel32_64, Code.Jle_rel32_64, Code.Jg_rel32_64 };
        for (int cc = 0; cc < 16; cc++)
        {
            Add(setcc[cc], 0x0F90 + cc, Form.RmDigit);
            Add(jcc8[cc], cc, Form.Jcc);
            Add(jcc32[cc], cc, Form.Jcc);
        }

        Add(Code.Jmp_rel8_64, 0xEB, Form.Jmp);
        Add(Code.Jmp_rel32_64, 0xE9, Form.Jmp);
        Add(Code.Call_rel32_64, 0xE8, Form.Call);
        Add(Code.Pushfq, 0x9C, Form.Fixed);
        Add(Code.Popfq, 0x9D, Form.Fixed);
        Add(Code.Jmp_rm64, 0xFF, Form.RmDigit, digit: 4);
        Add(Code.Call_rm64, 0xFF, Form.RmDigit, digit: 2);
        Add(Code.Push_r64, 0x50, Form.OpReg);
        Add(Code.Pop_r64, 0x58, Form.OpReg);
        Add(Code.Push_rm64, 0xFF, Form.RmDigit, digit: 6);
        Add(Code.Pop_rm64, 0x8F, Form.RmDigit);

        // SSE: load forms reg <- rm, store forms rm <- reg
        Add(Code.Movsd_xmm_xmmm64, 0x0F10, Form.RegRm, 0xF2);
        Add(Code.Movsd_xmmm64_xmm, 0x0F11, Form.RmReg, 0xF2);
        Add(Code.Movss_xmm_xmmm32, 0x0F10, Form.RegRm, 0xF3);
        Add(Code.Movss_xmmm32_xmm, 0x0F11, Form.RmReg, 0xF3);
        Add(Code.Movaps_xmm_xmmm128, 0x0F28, Form.RegRm);
        Add(Code.Movaps_xmmm128_xmm, 0x0F29, Form.RmReg);
        Add(Code.Movups_xmm_xmmm128, 0x0F10, Form.RegRm);
        Add(Code.Movups_xmmm128_xmm, 0x0F11, Form.RmReg);
        Add(Code.Movdqa_xmm_xmmm128, 0x0F6F, Form.RegRm, 0x66);
        Add(Code.Movdqa_xmmm128_xmm, 0x0F7F, Form.RmReg, 0x66);
        Add(Code.Movdqu_xmm_xmmm128, 0x0F6F, Form.RegRm, 0xF3);
        Add(Code.Movdqu_xmmm128_xmm, 0x0F7F, Form.RmReg, 0xF3);
        Add(Code.Addsd_xmm_xmmm64, 0x0F58, Form.RegRm, 0xF2);
        Add(Code.Mulsd_xmm_xmmm64, 0x0F59, Form.RegRm, 0xF2);
        Add(Code.Subsd_xmm_xmmm64, 0x0F5C, Form.RegRm, 0xF2);
        Add(Code.Divsd_xmm_xmmm64, 0x0F5E, Form.RegRm, 0xF2);
        Add(Code.Sqrtsd_xmm_xmmm64, 0x0F51, Form.RegRm, 0xF2);
        Add(Code.Addss_xmm_xmmm32, 0x0F58, Form.RegRm, 0xF3);
        Add(Code.Mulss_xmm_xmmm32, 0x0F59, Form.RegRm, 0xF3);
        Add(Code.Subss_xmm_xmmm32, 0x0F5C, Form.RegRm, 0xF3);
        Add(Code.Divss_xmm_xmmm32, 0x0F5E, Form.RegRm, 0xF3);
        Add(Code.Sqrtss_xmm_xmmm32, 0x0F51, Form.RegRm, 0xF3);
        Add(Code.Ucomisd_xmm_xmmm64, 0x0F2E, Form.RegRm, 0x66);
        Add(Code.Ucomiss_xmm_xmmm32, 0x0F2E, Form.RegRm);
        Add(Code.Comisd_xmm_xmmm64, 0x0F2F, Form.RegRm, 0x66);
        Add(Code.Comiss_xmm_xmmm32, 0x0F2F, Form.RegRm);
        Add(Code.Cvtsd2ss_xmm_xmmm64, 0x0F5A, Form.RegRm, 0xF2);
        Add(Code.Cvtss2sd_xmm_xmmm32, 0x0F5A, Form.RegRm, 0xF3);
        Add(Code.Pxor_xmm_xmmm128, 0x0FEF, Form.RegRm, 0x66);
        Add(Code.Xorps_xmm_xmmm128, 0x0F57, Form.RegRm);
        Add(Code.Xorpd_xmm_xmmm128, 0x0F57, Form.RegRm, 0x66);
        Add(Code.Andps_xmm_xmmm128, 0x0F54, Form.RegRm);
        Add(Code.Andpd_xmm_xmmm128, 0x0F54, Form.RegRm, 0x66);
        Add(Code.Cvtsi2sd_xmm_rm32, 0x0F2A, Form.RegRm, 0xF2);
        Add(Code.Cvtsi2sd_xmm_rm64, 0x0F2A, Form.RegRm, 0xF2, w: true);
        Add(Code.Cvtsi2ss_xmm_rm32, 0x0F2A, Form.RegRm, 0xF3);
        Add(Code.Cvtsi2ss_xmm_rm64, 0x0F2A, Form.RegRm, 0xF3, w: true);
        Add(Code.Cvttsd2si_r32_xmmm64, 0x0F2C, Form.RegRm, 0xF2);
        Add(Code.Cvttsd2si_r64_xmmm64, 0x0F2C, Form.RegRm, 0xF2, w: true);
        Add(Code.Cvttss2si_r32_xmmm32, 0x0F2C, Form.RegRm, 0xF3);
        Add(Code.Cvttss2si_r64_xmmm32, 0x0F2C, Form.RegRm, 0xF3, w: true);
        Add(Code.Cvtsd2si_r32_xmmm64, 0x0F2D, Form.RegRm, 0xF2);
        Add(Code.Cvtsd2si_r64_xmmm64, 0x0F2D, Form.RegRm, 0xF2, w: true);
        Add(Code.Cvtss2si_r32_xmmm32, 0x0F2D, Form.RegRm, 0xF3);
        Add(Code.Cvtss2si_r64_xmmm32, 0x0F2D, Form.RegRm, 0xF3, w: true);
        Add(Code.Movq_xmm_rm64, 0x0F6E, Form.RegRm, 0x66, w: true);
        Add(Code.Movq_rm64_xmm, 0x0F7E, Form.RmReg, 0x66, w: true);
        Add(Code.Movd_xmm_rm32, 0x0F6E, Form.RegRm, 0x66);
        Add(Code.Movd_rm32_xmm, 0x0F7E, Form.RmReg, 0x66);
        Add(Code.Movq_xmm_xmmm64, 0x0F7E, Form.RegRm, 0xF3);
        Add(Code.Movq_xmmm64_xmm, 0x0FD6, Form.RmReg, 0x66);

        Add(Code.Cdq, 0x99, Form.Fixed);
        Add(Code.Cqo, 0x99, Form.Fixed, w: true);
        Add(Code.Cdqe, 0x98, Form.Fixed, w: true);
        Add(Code.Cld, 0xFC, Form.Fixed);
        Add(Code.Leaveq, 0xC9, Form.Fixed);
        Add(Code.Retnq, 0xC3, Form.Fixed);
        Add(Code.Nopd, 0x90, Form.Fixed);
        Add(Code.Syscall, 0x0F05, Form.Fixed);
        Add(Code.Ud2, 0x0F0B, Form.Fixed);
        Add(Code.Int3, 0xCC, Form.Fixed);
        Add(Code.Hlt, 0xF4, Form.Fixed);
        Add(Code.Pause, 0x90, Form.Fixed, 0xF3);
        Add(Code.Mfence, 0x0FAEF0, Form.Fixed);
        Add(Code.Movsb_m8_m8, 0xA4, Form.String);
        Add(Code.Movsq_m64_m64, 0xA5, Form.String, w: true);
        Add(Code.Stosb_m8_AL, 0xAA, Form.String);
        Add(Code.Stosq_m64_RAX, 0xAB, Form.String, w: true);
        Add(Code.DeclareByte, 0, Form.Data);
        return d;
    }

    private static Desc Lookup(Code code) =>
        s_forms.TryGetValue(code, out Desc desc) ? desc : throw new NotSupportedException($"X64Encoder: instruction code {code} is not supported");

    /// <summary>True if <paramref name="code"/> is one this encoder knows.</summary>
    public static bool IsSupported(Code code) => s_forms.ContainsKey(code);

    // ---- single instructions ------------------------------------------------------------------------

    /// <summary>
    /// Encodes <paramref name="i"/> at address <paramref name="ip"/> into <paramref name="buf"/> (at least 16 bytes)
    /// and returns its length. A branch's target is its near-branch address, a RIP-relative operand's its
    /// displacement (an absolute address), as in Iced.
    /// </summary>
    public static int Encode(in Instruction i, ulong ip, Span<byte> buf)
    {
        Desc d = Lookup(i.Code);
        int n = 0;
        switch (d.Form)
        {
            case Form.Data:
                int count = i.DeclareDataCount;
                for (int k = 0; k < count; k++)
                {
                    buf[n++] = i.GetDeclareByteValue(k);
                }

                return n;
            case Form.Jcc:
            case Form.Jmp:
                return EncodeBranch(i.Code, d, i.NearBranch64, ip, buf);
            case Form.Call:
                long rel = (long)(i.NearBranch64 - (ip + 5));
                if (rel is < int.MinValue or > int.MaxValue)
                {
                    throw new InvalidOperationException("X64Encoder: call target out of rel32 range");
                }

                buf[0] = 0xE8;
                WriteInt32(buf, 1, (int)rel);
                return 5;
        }

        switch (i.SegmentPrefix)
        {
            case Register.None:
                break;
            case Register.FS:
                buf[n++] = 0x64; // thread-local blocks: mov rax, fs:[0x10]
                break;
            case Register.GS:
                buf[n++] = 0x65;
                break;
            default:
                throw new NotSupportedException($"X64Encoder: segment override {i.SegmentPrefix} ({i.Code})");
        }

        if (i.HasLockPrefix)
        {
            buf[n++] = 0xF0;
        }

        if (d.Prefix == 0x66)
        {
            buf[n++] = 0x66;
        }

        if (d.Form == Form.String && i.HasRepPrefix)
        {
            buf[n++] = 0xF3;
        }

        if (d.Prefix is 0xF2 or 0xF3)
        {
            buf[n++] = d.Prefix;
        }

        // ModRM operands: which operand is the reg field and which the r/m
        int regField = -1;
        int rmOperand = -1;
        switch (d.Form)
        {
            case Form.RmReg:
                rmOperand = 0;
                regField = RegNum(i.Op1Register, out _);
                break;
            case Form.RegRm:
            case Form.RegRmImm:
                regField = RegNum(i.Op0Register, out _);
                rmOperand = 1;
                break;
            case Form.RmDigit:
            case Form.RmDigitNoImm:
                regField = d.Digit;
                rmOperand = 0;
                break;
        }

        int rex = d.W ? 0x48 : 0;
        bool forceRex = false;
        bool highByte = false;

        void NoteReg(Register r)
        {
            if (r.IsGPR8())
            {
                int idx = r - Register.AL;
                if (idx is >= 8 and <= 11)
                {
                    forceRex = true;
                }
                else if (idx is >= 4 and <= 7)
                {
                    highByte = true;
                }
            }
        }

        for (int k = 0; k < i.OpCount; k++)
        {
            if (i.GetOpKind(k) == OpKind.Register)
            {
                NoteReg(i.GetOpRegister(k));
            }
        }

        if (regField >= 8 && d.Form is Form.RmReg or Form.RegRm or Form.RegRmImm)
        {
            rex |= 0x44;
        }

        bool rmIsMem = rmOperand >= 0 && i.GetOpKind(rmOperand) == OpKind.Memory;
        int rmReg = 0;
        if (rmOperand >= 0 && !rmIsMem)
        {
            rmReg = RegNum(i.GetOpRegister(rmOperand), out _);
            if (rmReg >= 8)
            {
                rex |= 0x41;
            }
        }
        else if (rmIsMem)
        {
            if (i.MemoryBase != Register.RIP && i.MemoryBase != Register.None && RegNum(i.MemoryBase, out _) >= 8)
            {
                rex |= 0x41;
            }

            if (i.MemoryIndex != Register.None && RegNum(i.MemoryIndex, out _) >= 8)
            {
                rex |= 0x42;
            }

            if (i.MemoryBase is not (Register.None or Register.RIP) && !i.MemoryBase.IsGPR64() || i.MemoryIndex is not Register.None && !i.MemoryIndex.IsGPR64())
            {
                throw new NotSupportedException($"X64Encoder: only 64-bit address registers ({i.Code})");
            }
        }

        int opReg = 0;
        if (d.Form == Form.OpReg)
        {
            opReg = RegNum(i.Op0Register, out _);
            if (opReg >= 8)
            {
                rex |= 0x41;
            }
        }

        if (rex == 0 && forceRex)
        {
            rex = 0x40;
        }

        if (rex != 0)
        {
            rex |= 0x40;
            if (highByte)
            {
                throw new NotSupportedException($"X64Encoder: ah/ch/dh/bh cannot be used with a REX prefix ({i.Code})");
            }

            buf[n++] = (byte)rex;
        }

        int opcode = d.Opcode + (d.Form == Form.OpReg ? opReg & 7 : 0);
        if (opcode > 0xFFFF)
        {
            buf[n++] = (byte)(opcode >> 16);
        }

        if (opcode > 0xFF)
        {
            buf[n++] = (byte)(opcode >> 8);
        }

        buf[n++] = (byte)opcode;

        int ripDisp = -1;
        if (rmOperand >= 0)
        {
            if (rmIsMem)
            {
                n = EncodeMemory(i, regField & 7, buf, n, out ripDisp);
            }
            else
            {
                buf[n++] = (byte)(0xC0 | (regField & 7) << 3 | (rmReg & 7));
            }
        }

        switch (d.Form)
        {
            case Form.MoffsLoad:
            case Form.MoffsStore:
                if (i.MemoryBase != Register.None || i.MemoryIndex != Register.None)
                {
                    throw new NotSupportedException($"X64Encoder: moffs operand with a register ({i.Code})");
                }

                ulong addr = i.MemoryDisplacement64;
                for (int k = 0; k < 8; k++)
                {
                    buf[n++] = (byte)(addr >> (8 * k));
                }

                break;
            case Form.RmDigit:
            case Form.AccImm:
            case Form.OpReg:
                if (i.OpCount > 1)
                {
                    n = EmitImmediate(i, 1, buf, n);
                }

                break;
            case Form.RegRmImm:
                n = EmitImmediate(i, 2, buf, n);
                break;
        }

        if (ripDisp >= 0)
        {
            long disp = (long)(i.MemoryDisplacement64 - (ip + (ulong)n));
            if (disp is < int.MinValue or > int.MaxValue)
            {
                throw new InvalidOperationException($"X64Encoder: RIP-relative target 0x{i.MemoryDisplacement64:X} out of reach of 0x{ip:X}");
            }

            WriteInt32(buf, ripDisp, (int)disp);
        }

        return n;
    }

    private static int EncodeBranch(Code code, Desc d, ulong target, ulong ip, Span<byte> buf)
    {
        bool isShort = code.ToShortBranch() == code;
        int n = 0;
        if (d.Form == Form.Jmp)
        {
            buf[n++] = isShort ? (byte)0xEB : (byte)0xE9;
        }
        else if (isShort)
        {
            buf[n++] = (byte)(0x70 + d.Opcode);
        }
        else
        {
            buf[n++] = 0x0F;
            buf[n++] = (byte)(0x80 + d.Opcode);
        }

        int size = isShort ? 1 : 4;
        long rel = (long)(target - (ip + (ulong)(n + size)));
        if (isShort)
        {
            if (rel is < sbyte.MinValue or > sbyte.MaxValue)
            {
                throw new InvalidOperationException($"X64Encoder: short branch {code} out of range");
            }

            buf[n++] = (byte)rel;
        }
        else
        {
            if (rel is < int.MinValue or > int.MaxValue)
            {
                throw new InvalidOperationException($"X64Encoder: near branch {code} out of range");
            }

            WriteInt32(buf, n, (int)rel);
            n += 4;
        }

        return n;
    }

    private static int EncodeMemory(in Instruction i, int reg, Span<byte> buf, int n, out int ripDisp)
    {
        ripDisp = -1;
        Register b = i.MemoryBase;
        Register x = i.MemoryIndex;
        if (b == Register.RIP)
        {
            buf[n++] = (byte)(reg << 3 | 5);
            ripDisp = n;
            n += 4;
            return n;
        }

        long disp = (long)i.MemoryDisplacement64;
        if (disp is < int.MinValue or > int.MaxValue)
        {
            throw new NotSupportedException($"X64Encoder: displacement 0x{disp:X} does not fit 32 bits ({i.Code})");
        }

        int scaleBits = i.MemoryIndexScale switch { 1 => 0, 2 => 1, 4 => 2, 8 => 3, _ => throw new NotSupportedException("scale") };
        int xNum = x == Register.None ? 4 : RegNum(x, out _) & 15;
        if (x != Register.None && xNum == 4)
        {
            throw new NotSupportedException("rsp cannot be an index register");
        }

        if (b == Register.None)
        {
            // [disp32] or [index*scale+disp32]: SIB with no base
            buf[n++] = (byte)(reg << 3 | 4);
            buf[n++] = (byte)(scaleBits << 6 | (xNum & 7) << 3 | 5);
            WriteInt32(buf, n, (int)disp);
            return n + 4;
        }

        int bNum = RegNum(b, out _) & 7;
        int mod;
        if (disp == 0 && bNum != 5)
        {
            mod = 0;
        }
        else if (disp is >= sbyte.MinValue and <= sbyte.MaxValue)
        {
            mod = 1;
        }
        else
        {
            mod = 2;
        }

        if (x != Register.None || bNum == 4)
        {
            buf[n++] = (byte)(mod << 6 | reg << 3 | 4);
            buf[n++] = (byte)(scaleBits << 6 | (xNum & 7) << 3 | bNum);
        }
        else
        {
            buf[n++] = (byte)(mod << 6 | reg << 3 | bNum);
        }

        if (mod == 1)
        {
            buf[n++] = (byte)disp;
        }
        else if (mod == 2)
        {
            WriteInt32(buf, n, (int)disp);
            n += 4;
        }

        return n;
    }

    private static int EmitImmediate(in Instruction i, int operand, Span<byte> buf, int n)
    {
        switch (i.GetOpKind(operand))
        {
            case OpKind.Immediate8:
            case OpKind.Immediate8to16:
            case OpKind.Immediate8to32:
            case OpKind.Immediate8to64:
                buf[n++] = i.Immediate8;
                break;
            case OpKind.Immediate16:
                buf[n++] = (byte)i.Immediate16;
                buf[n++] = (byte)(i.Immediate16 >> 8);
                break;
            case OpKind.Immediate32:
            case OpKind.Immediate32to64:
                WriteInt32(buf, n, (int)i.Immediate32);
                n += 4;
                break;
            case OpKind.Immediate64:
                ulong v = i.Immediate64;
                for (int k = 0; k < 8; k++)
                {
                    buf[n++] = (byte)(v >> (8 * k));
                }

                break;
            case OpKind.Register:
                break; // shifts by CL: implied
            default:
                throw new NotSupportedException($"X64Encoder: operand kind {i.GetOpKind(operand)} of {i.Code}");
        }

        return n;
    }

    private static void WriteInt32(Span<byte> buf, int at, int v)
    {
        buf[at] = (byte)v;
        buf[at + 1] = (byte)(v >> 8);
        buf[at + 2] = (byte)(v >> 16);
        buf[at + 3] = (byte)(v >> 24);
    }

    /// <summary>Register number 0-15 (the REX bit included).</summary>
    private static int RegNum(Register r, out bool isGpr8)
    {
        isGpr8 = false;
        if (r.IsGPR64())
        {
            return r - Register.RAX;
        }

        if (r.IsGPR32())
        {
            return r - Register.EAX;
        }

        if (r.IsXMM())
        {
            int x = r - Register.XMM0;
            return x < 16 ? x : throw new NotSupportedException($"X64Encoder: {r} needs EVEX");
        }

        if (r.IsGPR16())
        {
            return r - Register.AX;
        }

        if (r.IsGPR8())
        {
            isGpr8 = true;
            int idx = r - Register.AL;
            return idx switch
            {
                < 4 => idx,
                < 8 => idx, // ah ch dh bh
                < 12 => idx - 4, // spl bpl sil dil
                _ => idx - 4,   // r8l..r15l
            };
        }

        throw new NotSupportedException($"X64Encoder: register {r}");
    }

    // ---- blocks ---------------------------------------------------------------------------------

    /// <summary>
    /// Encodes <paramref name="instructions"/> for address <paramref name="rip"/>: label-bound instructions
    /// carry their label id as IP, branches the id of their target label (as Iced's Assembler builds them).
    /// </summary>
    internal static X64AssemblerResult EncodeBlock(IReadOnlyList<Instruction> instructions, ulong rip, out byte[] bytes)
    {
        int count = instructions.Count;
        var sizes = new uint[count];
        var ips = new ulong[count];
        var kind = new byte[count]; // 0 plain, 1 branch undecided, 2 short, 3 near, 4 call
        var target = new int[count];
        Dictionary<ulong, int>? labelled = null;
        Span<byte> scratch = stackalloc byte[32];

        for (int j = 0; j < count; j++)
        {
            Instruction ins = instructions[j];
            if (ins.IP != 0)
            {
                labelled ??= new Dictionary<ulong, int>();
                labelled.Add(ins.IP, j);
            }
        }

        ulong ip = rip;
        for (int j = 0; j < count; j++)
        {
            Instruction ins = instructions[j];
            Desc d = Lookup(ins.Code);
            if (d.Form is Form.Jcc or Form.Jmp or Form.Call)
            {
                if (labelled is null || !labelled.TryGetValue(ins.NearBranch64, out target[j]))
                {
                    if (d.Form != Form.Jmp)
                    {
                        throw new NotSupportedException($"X64Encoder: branch {ins.Code} to 0x{ins.NearBranch64:X} is not a label of this block");
                    }

                    target[j] = -1; // an absolute address outside the block
                }

                kind[j] = d.Form == Form.Call ? (byte)4 : (byte)1;
                sizes[j] = d.Form == Form.Jcc ? 8u : 6u; // Iced reserves room for the far form first
            }
            else
            {
                sizes[j] = (uint)Encode(ins, ins.MemoryBase == Register.RIP ? ins.MemoryDisplacement64 : 0, scratch);
            }

            ips[j] = ip;
            ip += sizes[j];
        }

        // first pass (Iced's Initialize): short if in reach with what is known now, else near
        ip = rip;
        for (int j = 0; j < count; j++)
        {
            ips[j] = ip;
            if (kind[j] == 1)
            {
                TryShorten(j, 0, initial: true);
            }
            else if (kind[j] == 4)
            {
                sizes[j] = 5; // a call to a label of the block is always rel32
            }

            ip += sizes[j];
        }

        for (int iter = 0; iter < 1000; iter++)
        {
            bool updated = false;
            ip = rip;
            ulong gained = 0;
            for (int j = 0; j < count; j++)
            {
                ips[j] = ip;
                if (kind[j] == 3)
                {
                    uint old = sizes[j];
                    if (TryShorten(j, gained, initial: false))
                    {
                        gained += old - sizes[j];
                        updated = true;
                    }
                }

                ip += sizes[j];
            }

            if (!updated)
            {
                break;
            }
        }

        bytes = new byte[ip - rip];
        var offsets = new uint[count];
        int at = 0;
        for (int j = 0; j < count; j++)
        {
            Instruction ins = instructions[j];
            if (kind[j] != 0)
            {
                ulong to = target[j] >= 0 ? ips[target[j]] : ins.NearBranch64;
                if (kind[j] != 4)
                {
                    ins.Code = kind[j] == 2 ? ins.Code.ToShortBranch() : ins.Code.ToNearBranch();
                }

                ins.NearBranch64 = to;
            }

            int len = Encode(ins, ips[j], scratch);
            if (len != sizes[j])
            {
                throw new InvalidOperationException($"X64Encoder: internal error, {ins.Code} is {len} bytes, {sizes[j]} expected");
            }

            scratch[..len].CopyTo(bytes.AsSpan(at));
            offsets[j] = (uint)at;
            at += len;
        }

        var result = new X64AssemblerResult(rip, offsets, instructions);
        if (s_check)
        {
            CheckAgainstIced(instructions, rip, bytes, offsets);
        }

        return result;

        bool TryShorten(int j, ulong gained, bool initial)
        {
            bool inBlock = target[j] >= 0;
            ulong to = inBlock ? ips[target[j]] : instructions[j].NearBranch64;
            long diff = (long)(to - (ips[j] + 2));
            if (inBlock && diff >= 0)
            {
                diff -= (long)gained;
            }

            if (diff is >= sbyte.MinValue and <= sbyte.MaxValue)
            {
                kind[j] = 2;
                sizes[j] = 2;
                return true;
            }

            if (initial)
            {
                if (!inBlock)
                {
                    long near = (long)(to - (ips[j] + 5));
                    if (near is < int.MinValue or > int.MaxValue)
                    {
                        throw new NotSupportedException($"X64Encoder: jmp to 0x{to:X} is out of rel32 reach (Iced's far form is not supported)");
                    }
                }

                kind[j] = 3;
                sizes[j] = instructions[j].Code.ToShortBranch() == Code.Jmp_rel8_64 ? 5u : 6u;
                return true;
            }

            return false;
        }
    }

    private sealed class ByteWriter : CodeWriter
    {
        public readonly List<byte> Bytes = new();

        public override void WriteByte(byte value) => Bytes.Add(value);
    }

    /// <summary>The <c>LANTERN_ENCODER_CHECK=1</c> comparison: the same list through Iced's BlockEncoder.</summary>
    private static void CheckAgainstIced(IReadOnlyList<Instruction> instructions, ulong rip, byte[] ours, uint[] ourOffsets)
    {
        var writer = new ByteWriter();
        var list = new List<Instruction>(instructions);
        if (!BlockEncoder.TryEncode(64, new InstructionBlock(writer, list, rip), out string? error, out BlockEncoderResult result, BlockEncoderOptions.ReturnNewInstructionOffsets))
        {
            throw new InvalidOperationException($"internal error: LANTERN_ENCODER_CHECK: Iced failed to encode: {error}");
        }

        byte[] iced = writer.Bytes.ToArray();
        bool same = iced.AsSpan().SequenceEqual(ours) && result.NewInstructionOffsets.AsSpan().SequenceEqual(ourOffsets);
        if (!same)
        {
            int first = 0;
            while (first < Math.Min(iced.Length, ours.Length) && iced[first] == ours[first])
            {
                first++;
            }

            string where = "";
            for (int j = 0; j < ourOffsets.Length; j++)
            {
                if (ourOffsets[j] <= first && (j + 1 == ourOffsets.Length || ourOffsets[j + 1] > first))
                {
                    where = $" at instruction {j} ({instructions[j].Code} {instructions[j]})";
                }
            }

            throw new InvalidOperationException(
                $"internal error: LANTERN_ENCODER_CHECK: X64Encoder and Iced differ from byte {first}{where}\n" +
                $"ours: {Convert.ToHexString(ours)}\niced: {Convert.ToHexString(iced)}");
        }
    }
}
