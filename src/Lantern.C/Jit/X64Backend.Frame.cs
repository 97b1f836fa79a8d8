// Frame layout (slot and vreg homes below rbp, register save area) and the prologue that homes the parameters.

using Iced.Intel;
using Lantern.C.Abi;
using Lantern.X64;
using Lantern.C.Ir;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

public sealed partial class X64Backend
{
    // ---- frame layout ----------------------------------------------------------------------------

    private void LayoutFrame()
    {
        int off = 0;
        if (_f.Signature.IsVariadic)
        {
            off += RegSaveAreaSize;
            _saveAreaOff = off; // rbp - 176 (16-aligned because rbp is)
        }

        _slotOff = new int[_f.Slots.Count];
        _slotDynAlign = new int[_f.Slots.Count];
        foreach (IrSlot s in _f.Slots)
        {
            int align = Math.Max(1, s.Align);
            int size = Math.Max(1, s.Size);
            if (align > 16)
            {
                _slotDynAlign[s.Id] = align;
                size += align;
                align = 16;
            }

            off = AlignUp(off + size, align);
            _slotOff[s.Id] = -off;
        }

        off = AlignUp(off + 16, 16);
        _retBufOff = -off;

        foreach (IrBlock b in _f.Blocks)
        {
            foreach (Instr i in b.Instrs)
            {
                if (i.Op == Opcode.VaArg)
                {
                    off = AlignUp(off + 16, 16);
                    _vaTemps[i] = -off;
                }
            }
        }

        _vregOff = new int[_f.VRegTypes.Count];
        for (int v = 0; v < _vregOff.Length; v++)
        {
            off += 8;
            _vregOff[v] = -off;
        }

        _frameSize = AlignUp(off, 16);
    }

    private static int AlignUp(int v, int a) => (v + a - 1) / a * a;

    private static long AlignUp(long v, long a) => (v + a - 1) / a * a;

    // ---- prologue ---------------------------------------------------------------------------------

    private void EmitParameterHoming()
    {
        IrSignature sig = _f.Signature;
        CallPlan plan = SysVAbi.PlanCall(sig.Return, sig.Parameters);
        bool hidden = plan.HiddenReturn;
        if (sig.IsVariadic)
        {
            // Register save area: rdi, rsi, rdx, rcx, r8, r9 at +0..40, xmm0-7 at +48..+160.
            for (int i = 0; i < 6; i++)
            {
                _a.mov(__qword_ptr[rbp - _saveAreaOff + i * 8], s_argGprs[i].Q);
            }

            for (int i = 0; i < 8; i++)
            {
                _a.movdqa(__xmmword_ptr[rbp - _saveAreaOff + 48 + i * 16], s_argXmms[i]);
            }
        }

        if (_f.ReturnPointerVReg >= 0)
        {
            if (hidden)
            {
                _a.mov(Q(_f.ReturnPointerVReg), rdi);
            }
            else
            {
                _a.lea(rax, __[rbp + _retBufOff]);
                _a.mov(Q(_f.ReturnPointerVReg), rax);
            }
        }

        ArgLoc[] locs = plan.Args;
        _namedGp = plan.GpUsed;
        _namedSse = plan.SseUsed;
        _namedStack = plan.StackBytes;

        // Registers first (copies of stack arguments may clobber argument registers).
        for (int p = 0; p < locs.Length && p < _f.ParamSlots.Count; p++)
        {
            int slot = _f.ParamSlots[p];
            IrParamType t = sig.Parameters[p];
            ArgLoc loc = locs[p];
            switch (loc.Kind)
            {
                case ArgLocKind.Gp when _slotDynAlign[slot] == 0:
                    StoreScalarToFrame(_slotOff[slot], s_argGprs[loc.Reg], t.Type);
                    break;
                case ArgLocKind.Gp:
                    SlotAddress(R11, slot);
                    StoreScalarToMem(r11, s_argGprs[loc.Reg], t.Type);
                    break;
                case ArgLocKind.Sse:
                    SlotAddress(R11, slot);
                    if (t.Type == IrType.F32)
                    {
                        _a.movss(__dword_ptr[r11], s_argXmms[loc.Reg]);
                    }
                    else
                    {
                        _a.movsd(__qword_ptr[r11], s_argXmms[loc.Reg]);
                    }

                    break;
                case ArgLocKind.AggRegs:
                {
                    AggregateInfo agg = t.Aggregate!;
                    SlotAddress(R11, slot);
                    int n0 = Math.Min(8, agg.Size);
                    StoreEightbyteFromArgReg(agg.Lo, loc.Reg, 0, n0);
                    if (agg.EightBytes == 2)
                    {
                        StoreEightbyteFromArgReg(agg.Hi, loc.Reg2, 8, agg.Size - 8);
                    }

                    break;
                }
            }
        }

        for (int p = 0; p < locs.Length && p < _f.ParamSlots.Count; p++)
        {
            int slot = _f.ParamSlots[p];
            IrParamType t = sig.Parameters[p];
            ArgLoc loc = locs[p];
            switch (loc.Kind)
            {
                case ArgLocKind.Stack:
                    SlotAddress(R11, slot);
                    _a.mov(rax, __qword_ptr[rbp + 16 + loc.StackOffset]);
                    StoreScalarToMem(r11, Rax, t.Type);
                    break;
                case ArgLocKind.AggStack:
                    SlotAddress(R10, slot);
                    _a.lea(r11, __[rbp + 16 + loc.StackOffset]);
                    EmitCopy(t.Aggregate!.Size);
                    break;
            }
        }
    }

    private void StoreEightbyteFromArgReg(ArgClass cls, int reg, int off, int n)
    {
        if (cls == ArgClass.Sse)
        {
            StorePartialXmm(r11, off, s_argXmms[reg], n);
        }
        else
        {
            // StorePartial may destroy the register: copy to rax first for odd sizes.
            Gpr src = s_argGprs[reg];
            if (n is not (8 or 4 or 2 or 1))
            {
                _a.mov(rax, src.Q);
                src = Rax;
            }

            StorePartial(r11, off, src, n);
        }
    }

    private void StoreScalarToFrame(int rbpOffset, Gpr r, IrType t)
    {
        switch (t)
        {
            case IrType.I8: _a.mov(__byte_ptr[rbp + rbpOffset], r.B); break;
            case IrType.I16: _a.mov(__word_ptr[rbp + rbpOffset], r.W); break;
            case IrType.I32 or IrType.F32: _a.mov(__dword_ptr[rbp + rbpOffset], r.D); break;
            default: _a.mov(__qword_ptr[rbp + rbpOffset], r.Q); break;
        }
    }

    private void StoreScalarToMem(AssemblerRegister64 baseReg, Gpr r, IrType t)
    {
        switch (t)
        {
            case IrType.I8: _a.mov(__byte_ptr[baseReg], r.B); break;
            case IrType.I16: _a.mov(__word_ptr[baseReg], r.W); break;
            case IrType.I32 or IrType.F32: _a.mov(__dword_ptr[baseReg], r.D); break;
            default: _a.mov(__qword_ptr[baseReg], r.Q); break;
        }
    }
}
