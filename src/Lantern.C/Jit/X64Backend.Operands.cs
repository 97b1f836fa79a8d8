// Operand helpers: vreg homes, addressing modes, immediates, loads and stores of integer and float values,
// block copy and zeroing, partial eightbyte moves.

using Iced.Intel;
using Lantern.X64;
using Lantern.C.Ir;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

public sealed partial class X64Backend
{
    /// <summary>The memory operand at address vreg <paramref name="addr"/> (+disp): [rbp+k] for a known slot, else via <paramref name="scratch"/>.</summary>
    private AssemblerMemoryOperand AddressOf(int addr, Gpr scratch, int disp = 0)
    {
        if (_addrIndex[addr] >= 0)
        {
            // [base + index*scale]: operands not in a cache register are loaded into r10 / r11 (untracked scratch)
            int x = _addrIndex[addr];
            int b = _addrBase[addr];
            AssemblerRegister64 index = R10.Q;
            if (Forwarded(x, out Gpr xr))
            {
                index = xr.Q;
            }
            else
            {
                LoadZx(R10, x);
            }

            if (_vregSlot[b] >= 0)
            {
                return __[rbp + index * _addrScale[addr] + (_slotOff[_vregSlot[b]] + disp)];
            }

            AssemblerRegister64 baseReg = R11.Q;
            if (Forwarded(b, out Gpr br))
            {
                baseReg = br.Q;
            }
            else
            {
                LoadZx(R11, b);
            }

            return __[baseReg + index * _addrScale[addr] + disp];
        }

        if (_addrBase[addr] >= 0)
        {
            return AddressOf(_addrBase[addr], scratch, disp + _addrDisp[addr]);
        }

        if (_vregSlot[addr] >= 0)
        {
            return __[rbp + (_slotOff[_vregSlot[addr]] + disp)];
        }

        if (Forwarded(addr, out Gpr src))
        {
            return __[src.Q + disp];
        }

        LoadZx(scratch, addr);
        return __[scratch.Q + disp];
    }

    /// <summary>The rbp offset that address vreg v always equals (a slot, possibly plus a folded constant), or null.</summary>
    private int? FixedOffset(int v)
    {
        if (_addrIndex[v] >= 0)
        {
            return null;
        }

        int disp = 0;
        if (_addrBase[v] >= 0)
        {
            disp = _addrDisp[v];
            v = _addrBase[v];
        }

        return _vregSlot[v] >= 0 ? _slotOff[_vregSlot[v]] + disp : null;
    }

    /// <summary>Bit (by cache index) of the register that <see cref="AddressOf"/> would use for addr with this scratch; 0 for rbp.</summary>
    private int AddressRegisterMask(int addr, Gpr scratch)
    {
        if (_addrIndex[addr] >= 0)
        {
            // the operands found in cache registers (the others go through r10 / r11)
            int b = _addrBase[addr];
            int mask = _vregSlot[b] < 0 && Forwarded(b, out Gpr baseReg) ? 1 << CacheIndex(baseReg) : 0;
            return Forwarded(_addrIndex[addr], out Gpr indexReg) ? mask | (1 << CacheIndex(indexReg)) : mask;
        }

        if (_addrBase[addr] >= 0)
        {
            addr = _addrBase[addr];
        }

        if (_vregSlot[addr] >= 0)
        {
            return 0;
        }

        return Forwarded(addr, out Gpr r) ? 1 << CacheIndex(r) : 1 << CacheIndex(scratch);
    }

    /// <summary>If vreg v is a known constant whose value as <paramref name="t"/> (sign- or zero-extended to 64 bits) fits an imm32.</summary>
    private bool TryImm(int v, IrType t, bool signExtend, out int imm)
    {
        imm = 0;
        if (v < 0 || !_isConst[v])
        {
            return false;
        }

        long c = _constValue[v];
        long x = t switch
        {
            IrType.I8 => signExtend ? (sbyte)c : (byte)c,
            IrType.I16 => signExtend ? (short)c : (ushort)c,
            IrType.I32 => signExtend ? (int)c : (uint)c,
            _ => c,
        };
        if (x < int.MinValue || x > int.MaxValue)
        {
            return false;
        }

        imm = (int)x;
        return true;
    }

    /// <summary>
    /// True if every instruction of this function reaches <paramref name="address"/> with a rip-relative disp32: the
    /// function starts at <see cref="_rip"/> and is far smaller than the 1 GiB margin (the code cache is 64 MiB).
    /// </summary>
    private bool IsRipReachable(nint address) => !_movable && Math.Abs((long)address - (long)_rip) < (1L << 30);

    private IrType T(int v) => _f.VRegTypes[v];

    private AssemblerMemoryOperand Q(int v) => __qword_ptr[rbp + Home(v)];

    private AssemblerMemoryOperand D(int v) => __dword_ptr[rbp + Home(v)];

    private AssemblerMemoryOperand W(int v) => __word_ptr[rbp + Home(v)];

    private AssemblerMemoryOperand B(int v) => __byte_ptr[rbp + Home(v)];

    /// <summary>The rbp offset of vreg v's home; notes (dry run) or rejects (real run) a home access to a value not stored yet.</summary>
    private int Home(int v)
    {
        if (_pendingReg[v] >= 0)
        {
            if (!_dryRun)
            {
                throw new InvalidOperationException($"x64 backend: {_f.Name}: home of v{v} read before it was stored");
            }

            _homeReads.Add(v);
        }

        return _vregOff[v];
    }

    /// <summary>Loads vreg v sign-extended to 64 bits.</summary>
    private void LoadSx(Gpr r, int v)
    {
        if (Forwarded(v, out Gpr src))
        {
            switch (T(v))
            {
                case IrType.I8: _a.movsx(r.Q, src.B); break;
                case IrType.I16: _a.movsx(r.Q, src.W); break;
                case IrType.I32 or IrType.F32: _a.movsxd(r.Q, src.D); break;
                default:
                    if (r.Q != src.Q)
                    {
                        _a.mov(r.Q, src.Q);
                    }

                    break;
            }

            Wrote(r, v);
            return;
        }

        Wrote(r, v);
        switch (T(v))
        {
            case IrType.I8: _a.movsx(r.Q, B(v)); break;
            case IrType.I16: _a.movsx(r.Q, W(v)); break;
            case IrType.I32 or IrType.F32: _a.movsxd(r.Q, D(v)); break;
            default: _a.mov(r.Q, Q(v)); break;
        }
    }

    /// <summary>
    /// True if the instruction just emitted (straight-line: no label since) left register r zero-extended from
    /// <paramref name="bits"/> bits: a movzx from that width, or (32) any instruction writing r's 32-bit form.
    /// Never in a dry run (which then keeps the extension: a superset of what the real run emits).
    /// </summary>
    private bool JustZeroExtended(Gpr r, int bits)
    {
        IReadOnlyList<Instruction> list = _a.Instructions;
        int n = list.Count;
        if (_dryRun || n == 0 || _lastLabelIndex == n)
        {
            return false;
        }

        Instruction last = list[n - 1];
        if (last.OpCount == 0 || last.Op0Kind != OpKind.Register || last.Op0Register != r.D.Value)
        {
            return false;
        }

        if (last.Mnemonic == Mnemonic.Movzx)
        {
            int from = last.Op1Kind == OpKind.Register ? last.Op1Register.GetSize() * 8 : last.MemorySize.GetSize() * 8;
            return from <= bits;
        }

        if (bits != 32)
        {
            return false;
        }

        foreach (UsedRegister u in _infoFactory.GetInfo(last).GetUsedRegisters())
        {
            // (a 32-bit destination is reported as the full register: writing it zeroes bits 32-63)
            if ((u.Register == r.D.Value || u.Register == r.Q.Value) && u.Access is OpAccess.Write or OpAccess.ReadWrite)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Loads vreg v zero-extended to 64 bits.</summary>
    private void LoadZx(Gpr r, int v)
    {
        if (Forwarded(v, out Gpr src))
        {
            int bits = T(v) switch { IrType.I8 => 8, IrType.I16 => 16, IrType.I32 or IrType.F32 => 32, _ => 64 };
            if (r.Q == src.Q && bits < 64 && JustZeroExtended(r, bits))
            {
                Wrote(r, v);
                return; // (the value is already zero-extended in place)
            }

            switch (T(v))
            {
                case IrType.I8: _a.movzx(r.D, src.B); break;
                case IrType.I16: _a.movzx(r.D, src.W); break;
                case IrType.I32 or IrType.F32: _a.mov(r.D, src.D); break;
                default:
                    if (r.Q != src.Q)
                    {
                        _a.mov(r.Q, src.Q);
                    }

                    break;
            }

            Wrote(r, v);
            return;
        }

        Wrote(r, v);
        switch (T(v))
        {
            case IrType.I8: _a.movzx(r.D, B(v)); break;
            case IrType.I16: _a.movzx(r.D, W(v)); break;
            case IrType.I32 or IrType.F32: _a.mov(r.D, D(v)); break;
            default: _a.mov(r.Q, Q(v)); break;
        }
    }

    /// <summary>Stores the low bytes of r (as many as type t has) to vreg v.</summary>
    private void Store(int v, Gpr r, IrType t)
    {
        switch (t)
        {
            case IrType.I8: _a.mov(B(v), r.B); break;
            case IrType.I16: _a.mov(W(v), r.W); break;
            case IrType.I32 or IrType.F32: _a.mov(D(v), r.D); break;
            default: _a.mov(Q(v), r.Q); break;
        }
    }

    /// <summary>Stores the result of the current instruction (its last action) and offers it to the next one.</summary>
    private void Store(int v, Gpr r)
    {
        if (CanDefer(v) && CacheIndex(r) >= 0)
        {
            _deferredReg = CacheIndex(r); // the value stays in r; EmitInstr stores it later only if needed
        }
        else
        {
            Store(v, r, T(v));
        }

        _resultVreg = v;
        _resultCacheIndex = CacheIndex(r);
    }

    private void LoadXmm(AssemblerRegisterXMM x, int v)
    {
        int k = XmmIndexOf(v);
        if (k >= 0)
        {
            if (s_cacheXmms[k] != x)
            {
                _a.movaps(x, s_cacheXmms[k]);
            }

            return;
        }

        if (T(v) == IrType.F32)
        {
            _a.movss(x, D(v));
        }
        else
        {
            _a.movsd(x, Q(v));
        }
    }

    private void LoadXmmFrom(AssemblerRegisterXMM x, AssemblerMemoryOperand m, IrType t)
    {
        if (t == IrType.F32)
        {
            _a.movss(x, __dword_ptr[m]);
        }
        else
        {
            _a.movsd(x, __qword_ptr[m]);
        }
    }

    private void StoreXmmTo(AssemblerMemoryOperand m, AssemblerRegisterXMM x, IrType t)
    {
        if (t == IrType.F32)
        {
            _a.movss(__dword_ptr[m], x);
        }
        else
        {
            _a.movsd(__qword_ptr[m], x);
        }
    }

    /// <summary>Stores xmm0..: the result of the current instruction (its last action).</summary>
    private void StoreXmm(int v, AssemblerRegisterXMM x)
    {
        int k = XmmIndex(x);
        if (k >= 0 && CanDefer(v))
        {
            _deferredReg = XmmPending + k;
        }
        else if (T(v) == IrType.F32)
        {
            _a.movss(D(v), x);
        }
        else
        {
            _a.movsd(Q(v), x);
        }

        _resultXmm = k;
    }

    /// <summary>r = address of slot s.</summary>
    private void SlotAddress(Gpr r, int s)
    {
        _a.lea(r.Q, __[rbp + _slotOff[s]]);
        if (_slotDynAlign[s] > 16)
        {
            _a.add(r.Q, _slotDynAlign[s] - 1);
            _a.and(r.Q, -_slotDynAlign[s]);
        }
    }

    /// <summary>Copies <paramref name="size"/> bytes from [r11] to [r10]. Clobbers rax (and rdi, rsi, rcx for large copies).</summary>
    private void EmitCopy(long size)
    {
        if (size > 128)
        {
            _a.mov(rdi, r10);
            _a.mov(rsi, r11);
            _a.mov(rcx, size);
            _a.rep.movsb();
            return;
        }

        int off = 0;
        while (size - off >= 8)
        {
            _a.mov(rax, __qword_ptr[r11 + off]);
            _a.mov(__qword_ptr[r10 + off], rax);
            off += 8;
        }

        if (size - off >= 4)
        {
            _a.mov(eax, __dword_ptr[r11 + off]);
            _a.mov(__dword_ptr[r10 + off], eax);
            off += 4;
        }

        if (size - off >= 2)
        {
            _a.mov(ax, __word_ptr[r11 + off]);
            _a.mov(__word_ptr[r10 + off], ax);
            off += 2;
        }

        if (size - off >= 1)
        {
            _a.mov(al, __byte_ptr[r11 + off]);
            _a.mov(__byte_ptr[r10 + off], al);
        }
    }

    /// <summary>Zeroes <paramref name="size"/> bytes at [r10]. Clobbers rax (and rdi, rcx for large sizes).</summary>
    private void EmitZero(long size)
    {
        _a.xor(eax, eax);
        if (size > 128)
        {
            _a.mov(rdi, r10);
            _a.mov(rcx, size);
            _a.rep.stosb();
            return;
        }

        int off = 0;
        while (size - off >= 8)
        {
            _a.mov(__qword_ptr[r10 + off], rax);
            off += 8;
        }

        if (size - off >= 4)
        {
            _a.mov(__dword_ptr[r10 + off], eax);
            off += 4;
        }

        if (size - off >= 2)
        {
            _a.mov(__word_ptr[r10 + off], ax);
            off += 2;
        }

        if (size - off >= 1)
        {
            _a.mov(__byte_ptr[r10 + off], al);
        }
    }

    /// <summary>dst = the n (1..8) bytes at [baseReg + off], zero-extended. Uses r10 as scratch for odd sizes.</summary>
    private void LoadPartial(Gpr dst, AssemblerRegister64 baseReg, int off, int n)
    {
        switch (n)
        {
            case 8: _a.mov(dst.Q, __qword_ptr[baseReg + off]); return;
            case 4: _a.mov(dst.D, __dword_ptr[baseReg + off]); return;
            case 2: _a.movzx(dst.D, __word_ptr[baseReg + off]); return;
            case 1: _a.movzx(dst.D, __byte_ptr[baseReg + off]); return;
        }

        _a.movzx(dst.D, __byte_ptr[baseReg + off + n - 1]);
        for (int i = n - 2; i >= 0; i--)
        {
            _a.shl(dst.Q, 8);
            _a.movzx(r10d, __byte_ptr[baseReg + off + i]);
            _a.or(dst.Q, r10);
        }
    }

    /// <summary>Stores the low n (1..8) bytes of src to [baseReg + off]. Destroys src for odd sizes.</summary>
    private void StorePartial(AssemblerRegister64 baseReg, int off, Gpr src, int n)
    {
        switch (n)
        {
            case 8: _a.mov(__qword_ptr[baseReg + off], src.Q); return;
            case 4: _a.mov(__dword_ptr[baseReg + off], src.D); return;
            case 2: _a.mov(__word_ptr[baseReg + off], src.W); return;
            case 1: _a.mov(__byte_ptr[baseReg + off], src.B); return;
        }

        for (int i = 0; i < n; i++)
        {
            _a.mov(__byte_ptr[baseReg + off + i], src.B);
            if (i + 1 < n)
            {
                _a.shr(src.Q, 8);
            }
        }
    }

    private void LoadPartialXmm(AssemblerRegisterXMM x, AssemblerRegister64 baseReg, int off, int n)
    {
        if (n == 8)
        {
            _a.movsd(x, __qword_ptr[baseReg + off]);
        }
        else if (n == 4)
        {
            _a.movss(x, __dword_ptr[baseReg + off]);
        }
        else
        {
            LoadPartial(Rax, baseReg, off, n);
            _a.movq(x, rax);
        }
    }

    private void StorePartialXmm(AssemblerRegister64 baseReg, int off, AssemblerRegisterXMM x, int n)
    {
        if (n == 8)
        {
            _a.movsd(__qword_ptr[baseReg + off], x);
        }
        else if (n == 4)
        {
            _a.movss(__dword_ptr[baseReg + off], x);
        }
        else
        {
            _a.movq(rax, x);
            StorePartial(baseReg, off, Rax, n);
        }
    }
}
