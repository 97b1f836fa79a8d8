// Instruction emission: one IR instruction at a time (arithmetic, compares and branches, conversions, switch, ret).

using Iced.Intel;
using Lantern.C.Abi;
using Lantern.X64;
using Lantern.C.Ir;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

public sealed partial class X64Backend
{
    private void EmitInstr(Instr i, int blockIndex)
    {
        if (i.Op == Opcode.Jump)
        {
            LeaveForJoin(i.Target);
        }

        // instructions that need no code leave the forwarding state alone
        if ((i.Op == Opcode.Const && _isConst[i.Dest] && !_needsHome[i.Dest])
            || (i.Op == Opcode.SlotAddr && _vregSlot[i.Dest] >= 0 && !_needsHome[i.Dest])
            || (i.Op == Opcode.Load && _foldedLoads.Contains(i))
            || (i.Op == Opcode.Add && i.Dest >= 0 && _addrBase[i.Dest] >= 0)
            || (i.Op == Opcode.Mul && i.Dest >= 0 && _isScaledIndex[i.Dest]))
        {
            return;
        }

        if (i.Op != Opcode.Branch)
        {
            _lastIntCompare = null;
        }

        // Forwarding is used only by the opcodes whose operand loads all go through the tracking helpers.
        bool forward = i.Op is Opcode.Mov or Opcode.Load or Opcode.Store or Opcode.Add or Opcode.Sub or Opcode.Mul
            or Opcode.And or Opcode.Or or Opcode.Xor or Opcode.Shl or Opcode.LShr or Opcode.AShr or Opcode.Neg or Opcode.Not
            or (>= Opcode.Eq and <= Opcode.UGe) or Opcode.SExt or Opcode.ZExt or Opcode.Trunc or Opcode.Branch or Opcode.Ret
            or Opcode.SIToFP or Opcode.SDiv or Opcode.UDiv or Opcode.SRem or Opcode.URem;
        forward |= i.Op == Opcode.Call && i.ArgTypes is not null && i.Args!.Length <= 6 && i.ArgTypes.All(t => !t.IsAggregate)
            && !(i.Signature?.Return.IsAggregate ?? false);
        bool preserves = PreservesCache(i);

        for (int k = 0; k < 3; k++)
        {
            _cacheIn[k] = forward && !s_noForward ? _cacheOut[k] : -1;
        }

        bool forwardXmm = i.Op is Opcode.FAdd or Opcode.FSub or Opcode.FMul or Opcode.FDiv or Opcode.Ret
            or Opcode.FPToSI or Opcode.FPToUI or Opcode.Store or (>= Opcode.FEq and <= Opcode.FGe);
        for (int k = 0; k < XmmCacheSize; k++)
        {
            _xmmIn[k] = forwardXmm && !s_noForward ? _xmmOut[k] : -1;
        }

        _resultXmm = -1;
        _resultVreg = -1;
        _resultCacheIndex = -1;
        _deferredReg = -1;

        DropPending(_instrIndex);
        if (_pending.Count > 0)
        {
            StorePendingAsNeeded(i, blockIndex);
        }

        int bodyStart = _a.Instructions.Count;
        EmitInstrBody(i, blockIndex);
        int written = WrittenRegisters(_a, bodyStart, _a.Instructions.Count);
        foreach (int v in _pending)
        {
            if (_lastUse[v] > _instrIndex && (written & (1 << _pendingReg[v])) != 0)
            {
                throw new InvalidOperationException($"x64 backend: {_f.Name}: {i.Op} overwrote pending v{v}");
            }
        }

        for (int k = 0; k < 3; k++)
        {
            // a register the instruction did not write still holds what it held before
            _cacheOut[k] = (written & (1 << k)) == 0 ? _cacheOut[k] : preserves ? _cacheIn[k] : -1;
        }

        for (int k = 0; k < XmmCacheSize; k++)
        {
            if ((written & (1 << (XmmPending + k))) != 0)
            {
                _xmmOut[k] = -1;
            }
        }

        if (i.Dest >= 0)
        {
            // the vreg was (re)assigned: older copies are stale
            for (int k = 0; k < 3; k++)
            {
                if (_cacheOut[k] == i.Dest)
                {
                    _cacheOut[k] = -1;
                }
            }

            for (int k = 0; k < XmmCacheSize; k++)
            {
                if (_xmmOut[k] == i.Dest)
                {
                    _xmmOut[k] = -1;
                }
            }
        }

        if (_resultVreg >= 0 && _resultCacheIndex >= 0)
        {
            _cacheOut[_resultCacheIndex] = _resultVreg;
        }

        if (_resultXmm >= 0 && i.Dest >= 0)
        {
            _xmmOut[_resultXmm] = i.Dest;
        }

        if (_deferredReg >= 0)
        {
            _pendingReg[i.Dest] = _deferredReg;
            _pending.Add(i.Dest);
        }
    }

    private void EmitInstrBody(Instr i, int blockIndex)
    {
        switch (i.Op)
        {
            case Opcode.Const:
                if (!_isConst[i.Dest] || _needsHome[i.Dest])
                {
                    EmitConst(i);
                }

                break;
            case Opcode.Mov:
            {
                // a value in a register is simply renamed (upper bits are never relied on: LoadZx/LoadSx re-extend)
                if (!Forwarded(i.A, out Gpr r))
                {
                    r = PickScratch(0);
                    LoadZx(r, i.A);
                }

                Store(i.Dest, r);
                break;
            }
            case Opcode.SlotAddr:
                if (_vregSlot[i.Dest] >= 0 && !_needsHome[i.Dest])
                {
                    break; // every use addresses [rbp + k] directly
                }

                SlotAddress(Rax, (int)i.Imm);
                _a.mov(Q(i.Dest), rax);
                break;
            case Opcode.SymAddr:
            {
                Gpr r = PickScratch(0);
                EmitSymAddr(r, i.Symbol!, i.Imm);
                Wrote(r, -1);
                Store(i.Dest, r);
                break;
            }
            case Opcode.Load:
            {
                AssemblerMemoryOperand m = AddressOf(i.A, PickScratch(0));
                if (i.Type.IsFloat())
                {
                    AssemblerRegisterXMM x = PickXmm(-1);
                    LoadXmmFrom(x, m, i.Type);
                    StoreXmm(i.Dest, x);
                    break;
                }

                Gpr r = PickLoadRegister();
                switch (i.Type)
                {
                    case IrType.I8: _a.movzx(r.D, __byte_ptr[m]); break;
                    case IrType.I16: _a.movzx(r.D, __word_ptr[m]); break;
                    case IrType.I32: _a.mov(r.D, __dword_ptr[m]); break;
                    default: _a.mov(r.Q, __qword_ptr[m]); break;
                }

                Wrote(r, -1);
                Store(i.Dest, r);
                break;
            }

            case Opcode.Store:
            {
                // the address goes in a register that does not hold the value, and the value in one the address does not use
                int valueMask = Forwarded(i.B, out Gpr valueReg) ? 1 << CacheIndex(valueReg) : 0;
                Gpr addressScratch = PickScratch(valueMask);
                int addressMask = AddressRegisterMask(i.A, addressScratch);

                AssemblerMemoryOperand m = AddressOf(i.A, addressScratch);
                if (i.Type.IsInt() && TryImm(i.B, i.Type, true, out int imm))
                {
                    switch (i.Type)
                    {
                        case IrType.I8: _a.mov(__byte_ptr[m], (byte)imm); break;
                        case IrType.I16: _a.mov(__word_ptr[m], (ushort)imm); break;
                        case IrType.I32: _a.mov(__dword_ptr[m], imm); break;
                        default: _a.mov(__qword_ptr[m], imm); break;
                    }

                    break;
                }

                if (i.Type.IsFloat() && XmmIndexOf(i.B) >= 0)
                {
                    StoreXmmTo(m, s_cacheXmms[XmmIndexOf(i.B)], i.Type);
                    break;
                }

                // the value goes in a register the address operand does not use (it may be a cached rcx or rdx)
                if (!Forwarded(i.B, out Gpr value))
                {
                    value = PickScratch(addressMask);
                    LoadZx(value, i.B);
                }

                switch (i.Type)
                {
                    case IrType.I8: _a.mov(__byte_ptr[m], value.B); break;
                    case IrType.I16: _a.mov(__word_ptr[m], value.W); break;
                    case IrType.I32 or IrType.F32: _a.mov(__dword_ptr[m], value.D); break;
                    default: _a.mov(__qword_ptr[m], value.Q); break;
                }

                break;
            }
            case Opcode.Copy:
                _a.mov(r10, Q(i.A));
                _a.mov(r11, Q(i.B));
                EmitCopy(i.Imm);
                break;
            case Opcode.Zero:
                _a.mov(r10, Q(i.A));
                EmitZero(i.Imm);
                break;
            case Opcode.Alloca:
            {
                long align = Math.Max(16, i.Imm);
                _a.mov(rax, Q(i.A));
                _a.add(rax, 15);
                _a.and(rax, -16);
                _a.sub(rsp, rax);
                if (align > 16)
                {
                    _a.and(rsp, (int)-align);
                }

                _a.mov(Q(i.Dest), rsp);
                break;
            }

            case Opcode.Add or Opcode.Sub or Opcode.Mul or Opcode.And or Opcode.Or or Opcode.Xor:
                EmitBinary(i);
                break;
            case Opcode.SDiv or Opcode.SRem or Opcode.UDiv or Opcode.URem:
                EmitDivision(i);
                break;
            case Opcode.Shl or Opcode.LShr or Opcode.AShr:
                EmitShift(i);
                break;
            case Opcode.Neg or Opcode.Not:
            {
                Gpr r = UnaryDestination(i.A);
                LoadZx(r, i.A);
                Wrote(r, -1);
                if (i.Op == Opcode.Neg)
                {
                    _a.neg(r.Q);
                }
                else
                {
                    _a.not(r.Q);
                }

                Store(i.Dest, r);
                break;
            }
            case Opcode.FAdd or Opcode.FSub or Opcode.FMul or Opcode.FDiv:
                EmitFloatBinary(i);
                break;
            case Opcode.FNeg:
                LoadZx(Rax, i.A);
                if (i.Type == IrType.F32)
                {
                    _a.xor(eax, unchecked((int)0x80000000));
                }
                else
                {
                    _a.btc(rax, 63);
                }

                Store(i.Dest, Rax);
                break;
            case >= Opcode.Eq and <= Opcode.UGe:
                EmitIntCompare(i);
                break;
            case >= Opcode.FEq and <= Opcode.FGe:
                EmitFloatCompare(i);
                break;
            case Opcode.SExt or Opcode.ZExt or Opcode.Trunc:
            {
                Gpr r = UnaryDestination(i.A);
                if (i.Op == Opcode.SExt)
                {
                    LoadSx(r, i.A);
                }
                else
                {
                    LoadZx(r, i.A);
                }

                Store(i.Dest, r);
                break;
            }
            case Opcode.SIToFP or Opcode.UIToFP or Opcode.FPToSI or Opcode.FPToUI or Opcode.FPExt or Opcode.FPTrunc:
                EmitConversion(i);
                break;
            case Opcode.Call:
                EmitCall(i);
                break;
            case Opcode.VaStart:
                EmitVaStart(i);
                break;
            case Opcode.VaArg:
                EmitVaArg(i);
                break;
            case Opcode.Jump:
                if (_jumpTo[i.Target] != blockIndex + 1)
                {
                    _a.jmp(_blockLabels[_jumpTo[i.Target]]);
                }

                break;
            case Opcode.Branch:
                if (_lastIntCompare is Instr cmp && cmp.Dest == i.A)
                {
                    EmitFusedBranch(cmp.Op, i, blockIndex);
                    break;
                }

                if (Forwarded(i.A, out Gpr tested))
                {
                    switch (T(i.A))
                    {
                        case IrType.I8: _a.test(tested.B, tested.B); break;
                        case IrType.I16: _a.test(tested.W, tested.W); break;
                        case IrType.I32: _a.test(tested.D, tested.D); break;
                        default: _a.test(tested.Q, tested.Q); break;
                    }
                }
                else
                {
                    switch (T(i.A))
                    {
                        case IrType.I8: _a.cmp(B(i.A), 0); break;
                        case IrType.I16: _a.cmp(W(i.A), 0); break;
                        case IrType.I32: _a.cmp(D(i.A), 0); break;
                        default: _a.cmp(Q(i.A), 0); break;
                    }
                }

                int taken = _jumpTo[i.Target];
                int notTaken = _jumpTo[i.Target2];
                if (notTaken == blockIndex + 1)
                {
                    _a.jne(_blockLabels[taken]);
                }
                else if (taken == blockIndex + 1)
                {
                    _a.je(_blockLabels[notTaken]);
                }
                else
                {
                    _a.jne(_blockLabels[taken]);
                    _a.jmp(_blockLabels[notTaken]);
                }

                break;
            case Opcode.Switch:
                EmitSwitch(i);
                break;
            case Opcode.Ret:
                EmitRet(i, blockIndex);
                break;
            case Opcode.Unreachable:
            case Opcode.Trap:
                _a.ud2();
                break;
            default:
                throw new NotSupportedException($"x64 backend: opcode {i.Op} not supported");
        }
    }

    /// <summary>A branch on the result of the integer comparison just emitted: jcc on its flags.</summary>
    private void EmitFusedBranch(Opcode cmp, Instr i, int blockIndex)
    {
        void Jcc(Opcode op, X64Label target)
        {
            switch (op)
            {
                case Opcode.Eq: _a.je(target); break;
                case Opcode.Ne: _a.jne(target); break;
                case Opcode.SLt: _a.jl(target); break;
                case Opcode.SLe: _a.jle(target); break;
                case Opcode.SGt: _a.jg(target); break;
                case Opcode.SGe: _a.jge(target); break;
                case Opcode.ULt: _a.jb(target); break;
                case Opcode.ULe: _a.jbe(target); break;
                case Opcode.UGt: _a.ja(target); break;
                default: _a.jae(target); break;
            }
        }

        Opcode inverse = cmp switch
        {
            Opcode.Eq => Opcode.Ne,
            Opcode.Ne => Opcode.Eq,
            Opcode.SLt => Opcode.SGe,
            Opcode.SLe => Opcode.SGt,
            Opcode.SGt => Opcode.SLe,
            Opcode.SGe => Opcode.SLt,
            Opcode.ULt => Opcode.UGe,
            Opcode.ULe => Opcode.UGt,
            Opcode.UGt => Opcode.ULe,
            _ => Opcode.ULt,
        };
        int taken = _jumpTo[i.Target];
        int notTaken = _jumpTo[i.Target2];
        if (notTaken == blockIndex + 1)
        {
            Jcc(cmp, _blockLabels[taken]);
        }
        else if (taken == blockIndex + 1)
        {
            Jcc(inverse, _blockLabels[notTaken]);
        }
        else
        {
            Jcc(cmp, _blockLabels[taken]);
            _a.jmp(_blockLabels[notTaken]);
        }
    }

    private void EmitConst(Instr i)
    {
        long bits = i.Imm;
        if (i.Type == IrType.F32)
        {
            bits = (uint)BitConverter.SingleToInt32Bits((float)BitConverter.Int64BitsToDouble(i.Imm));
        }

        if (i.Type.IsInt() && CanDefer(i.Dest))
        {
            // a temp: materialized in a register, stored only if needed
            Gpr r = PickScratch(0);
            if (i.Type == IrType.I64 && (bits < 0 || bits > uint.MaxValue))
            {
                _a.mov(r.Q, bits);
            }
            else
            {
                _a.mov(r.D, unchecked((int)bits));
            }

            Wrote(r, -1);
            Store(i.Dest, r);
            return;
        }

        switch (i.Type)
        {
            case IrType.I8: _a.mov(B(i.Dest), (byte)bits); break;
            case IrType.I16: _a.mov(W(i.Dest), (ushort)bits); break;
            case IrType.I32 or IrType.F32: _a.mov(D(i.Dest), unchecked((int)bits)); break;
            default:
                if (bits >= int.MinValue && bits <= int.MaxValue)
                {
                    _a.mov(Q(i.Dest), (int)bits);
                }
                else
                {
                    _a.mov(rax, bits);
                    _a.mov(Q(i.Dest), rax);
                }

                break;
        }
    }

    private void EmitSymAddr(Gpr r, string symbol, long addend)
    {
        if (_symbols.IsFunction(symbol))
        {
            nint cell = _symbols.GetFunctionCell(symbol);
            if (IsRipReachable(cell))
            {
                _a.AddInstruction(Instruction.Create(Code.Mov_r64_rm64, r.Q.Value, new MemoryOperand(Register.RIP, (long)cell)));
            }
            else
            {
                _a.mov(r.Q, (long)cell);
                _a.mov(r.Q, __qword_ptr[r.Q]);
            }

            if (addend != 0)
            {
                _a.mov(r11, addend);
                _a.add(r.Q, r11);
            }
        }
        else
        {
            _a.mov(r.Q, (long)_symbols.GetDataAddress(symbol) + addend);
        }
    }

    private void EmitBinary(Instr i)
    {
        bool wide = i.Type == IrType.I64;
        int opA = i.A;
        int opB = i.B;
        if (i.Op != Opcode.Sub && !TryImm(opB, i.Type, true, out _) && TryImm(opA, i.Type, true, out _))
        {
            (opA, opB) = (opB, opA); // commutative: the constant becomes the immediate
        }

        bool hasImm = TryImm(opB, i.Type, true, out int imm);
        Gpr rb = Rax;
        bool bInReg = !hasImm && Forwarded(opB, out rb);
        Gpr dst;
        if (Forwarded(opA, out Gpr ra))
        {
            dst = ra; // compute in place (a pending A still needed later is stored first, see StorePendingAsNeeded)
        }
        else if (bInReg && i.Op != Opcode.Sub && opA != opB)
        {
            // commutative, b in a register, a in its home: op rb, [a]
            Forwarded(opB, out rb);
            Wrote(rb, -1);
            BinaryOp(i.Op, rb, wide ? Q(opA) : D(opA), wide);
            Store(i.Dest, rb);
            return;
        }
        else
        {
            Forwarded(opB, out rb);
            dst = PickScratch(bInReg ? 1 << CacheIndex(rb) : 0);
            LoadZx(dst, opA);
        }

        Wrote(dst, -1);
        if (hasImm)
        {
            AssemblerRegister64 q = dst.Q;
            AssemblerRegister32 d = dst.D;
            switch (i.Op)
            {
                case Opcode.Add when wide: _a.add(q, imm); break;
                case Opcode.Add: _a.add(d, imm); break;
                case Opcode.Sub when wide: _a.sub(q, imm); break;
                case Opcode.Sub: _a.sub(d, imm); break;
                case Opcode.Mul when imm == 1: break;
                case Opcode.Mul when imm > 1 && (imm & (imm - 1)) == 0 && wide: _a.shl(q, (byte)System.Numerics.BitOperations.Log2((uint)imm)); break;
                case Opcode.Mul when imm > 1 && (imm & (imm - 1)) == 0: _a.shl(d, (byte)System.Numerics.BitOperations.Log2((uint)imm)); break;
                case Opcode.Mul when wide: _a.imul(q, q, imm); break;
                case Opcode.Mul: _a.imul(d, d, imm); break;
                case Opcode.And when wide: _a.and(q, imm); break;
                case Opcode.And: _a.and(d, imm); break;
                case Opcode.Or when wide: _a.or(q, imm); break;
                case Opcode.Or: _a.or(d, imm); break;
                case Opcode.Xor when wide: _a.xor(q, imm); break;
                default: _a.xor(d, imm); break;
            }
        }
        else if (opA == opB || Forwarded(opB, out rb))
        {
            if (opA == opB)
            {
                rb = dst;
            }

            switch (i.Op)
            {
                case Opcode.Add: _a.add(dst.Q, rb.Q); break;
                case Opcode.Sub: _a.sub(dst.Q, rb.Q); break;
                case Opcode.Mul: _a.imul(dst.Q, rb.Q); break;
                case Opcode.And: _a.and(dst.Q, rb.Q); break;
                case Opcode.Or: _a.or(dst.Q, rb.Q); break;
                default: _a.xor(dst.Q, rb.Q); break;
            }
        }
        else
        {
            BinaryOp(i.Op, dst, wide ? Q(opB) : D(opB), wide);
        }

        Store(i.Dest, dst);
    }

    /// <summary>dst op= memory operand m (64 or 32 bits).</summary>
    private void BinaryOp(Opcode op, Gpr dst, AssemblerMemoryOperand m, bool wide)
    {
        if (wide)
        {
            switch (op)
            {
                case Opcode.Add: _a.add(dst.Q, m); break;
                case Opcode.Sub: _a.sub(dst.Q, m); break;
                case Opcode.Mul: _a.imul(dst.Q, m); break;
                case Opcode.And: _a.and(dst.Q, m); break;
                case Opcode.Or: _a.or(dst.Q, m); break;
                default: _a.xor(dst.Q, m); break;
            }
        }
        else
        {
            switch (op)
            {
                case Opcode.Add: _a.add(dst.D, m); break;
                case Opcode.Sub: _a.sub(dst.D, m); break;
                case Opcode.Mul: _a.imul(dst.D, m); break;
                case Opcode.And: _a.and(dst.D, m); break;
                case Opcode.Or: _a.or(dst.D, m); break;
                default: _a.xor(dst.D, m); break;
            }
        }
    }

    private void EmitDivision(Instr i)
    {
        bool signed = i.Op is Opcode.SDiv or Opcode.SRem;
        bool rem = i.Op is Opcode.SRem or Opcode.URem;
        if (!signed && TryImm(i.B, i.Type, false, out int divisor) && divisor > 0 && (divisor & (divisor - 1)) == 0)
        {
            // unsigned division by a power of two: a shift or a mask (gcc -O0 does the same)
            Gpr r = UnaryDestination(i.A);
            LoadZx(r, i.A);
            Wrote(r, -1);
            if (rem)
            {
                _a.and(r.Q, divisor - 1);
            }
            else if (divisor > 1)
            {
                _a.shr(r.Q, (byte)System.Numerics.BitOperations.Log2((uint)divisor));
            }

            Store(i.Dest, r);
            return;
        }

        switch (i.Type)
        {
            case IrType.I64:
                LoadZx(Rax, i.A);
                if (signed)
                {
                    _a.cqo();
                    _a.idiv(Q(i.B));
                }
                else
                {
                    _a.xor(edx, edx);
                    _a.div(Q(i.B));
                }

                break;
            case IrType.I32:
                LoadZx(Rax, i.A);
                if (signed)
                {
                    _a.cdq();
                    _a.idiv(D(i.B));
                }
                else
                {
                    _a.xor(edx, edx);
                    _a.div(D(i.B));
                }

                break;
            default:
                if (signed)
                {
                    LoadSx(Rax, i.A);
                    LoadSx(Rcx, i.B);
                    _a.cdq();
                    _a.idiv(ecx);
                }
                else
                {
                    LoadZx(Rax, i.A);
                    LoadZx(Rcx, i.B);
                    _a.xor(edx, edx);
                    _a.div(ecx);
                }

                break;
        }

        Store(i.Dest, rem ? Rdx : Rax);
    }

    private void EmitShift(Instr i)
    {
        if (i.Op == Opcode.AShr)
        {
            LoadSx(Rax, i.A);
        }
        else
        {
            LoadZx(Rax, i.A);
        }

        if (TryImm(i.B, i.Type, false, out int count))
        {
            count &= i.Type.SizeOf() * 8 - 1;
            if (i.Type == IrType.I64)
            {
                switch (i.Op)
                {
                    case Opcode.Shl: _a.shl(rax, (byte)count); break;
                    case Opcode.LShr: _a.shr(rax, (byte)count); break;
                    default: _a.sar(rax, (byte)count); break;
                }
            }
            else
            {
                switch (i.Op)
                {
                    case Opcode.Shl: _a.shl(eax, (byte)count); break;
                    case Opcode.LShr: _a.shr(eax, (byte)count); break;
                    default: _a.sar(eax, (byte)count); break;
                }
            }

            Store(i.Dest, Rax);
            return;
        }

        LoadZx(Rcx, i.B);
        if (i.Type is IrType.I8 or IrType.I16)
        {
            _a.and(ecx, i.Type.SizeOf() * 8 - 1);
        }

        if (i.Type == IrType.I64)
        {
            switch (i.Op)
            {
                case Opcode.Shl: _a.shl(rax, cl); break;
                case Opcode.LShr: _a.shr(rax, cl); break;
                default: _a.sar(rax, cl); break;
            }
        }
        else
        {
            switch (i.Op)
            {
                case Opcode.Shl: _a.shl(eax, cl); break;
                case Opcode.LShr: _a.shr(eax, cl); break;
                default: _a.sar(eax, cl); break;
            }
        }

        Store(i.Dest, Rax);
    }

    private void EmitFloatBinary(Instr i)
    {
        bool f32 = i.Type == IrType.F32;
        int ka = XmmIndexOf(i.A);
        int kb = XmmIndexOf(i.B);
        AssemblerRegisterXMM dst;
        if (ka >= 0)
        {
            dst = s_cacheXmms[ka]; // in place (a pending a still needed later is stored first)
        }
        else
        {
            dst = PickXmm(kb);
            LoadXmm(dst, i.A);
        }

        // a stays the first operand (as in a + b) for NaN propagation
        if (i.A == i.B || kb >= 0)
        {
            AssemblerRegisterXMM src = i.A == i.B ? dst : s_cacheXmms[kb];
            switch ((i.Op, f32))
            {
                case (Opcode.FAdd, true): _a.addss(dst, src); break;
                case (Opcode.FAdd, false): _a.addsd(dst, src); break;
                case (Opcode.FSub, true): _a.subss(dst, src); break;
                case (Opcode.FSub, false): _a.subsd(dst, src); break;
                case (Opcode.FMul, true): _a.mulss(dst, src); break;
                case (Opcode.FMul, false): _a.mulsd(dst, src); break;
                case (Opcode.FDiv, true): _a.divss(dst, src); break;
                default: _a.divsd(dst, src); break;
            }
        }
        else if (f32)
        {
            switch (i.Op)
            {
                case Opcode.FAdd: _a.addss(dst, D(i.B)); break;
                case Opcode.FSub: _a.subss(dst, D(i.B)); break;
                case Opcode.FMul: _a.mulss(dst, D(i.B)); break;
                default: _a.divss(dst, D(i.B)); break;
            }
        }
        else
        {
            switch (i.Op)
            {
                case Opcode.FAdd: _a.addsd(dst, Q(i.B)); break;
                case Opcode.FSub: _a.subsd(dst, Q(i.B)); break;
                case Opcode.FMul: _a.mulsd(dst, Q(i.B)); break;
                default: _a.divsd(dst, Q(i.B)); break;
            }
        }

        StoreXmm(i.Dest, dst);
    }

    private void EmitIntCompare(Instr i)
    {
        bool unsigned = i.Op is Opcode.ULt or Opcode.ULe or Opcode.UGt or Opcode.UGe;
        if (i.Type is IrType.I32 or IrType.I64)
        {
            // compare at the operands' own width: the flags then suit both signed and unsigned conditions
            bool wide = i.Type == IrType.I64;
            if (!Forwarded(i.A, out Gpr ra))
            {
                ra = PickScratch(Forwarded(i.B, out Gpr bReg) ? 1 << CacheIndex(bReg) : 0);
                LoadZx(ra, i.A);
            }

            if (i.B >= 0 && _isConst[i.B] && (!wide || TryImm(i.B, IrType.I64, true, out _)))
            {
                int imm = unchecked((int)_constValue[i.B]);
                if (wide)
                {
                    _a.cmp(ra.Q, imm);
                }
                else
                {
                    _a.cmp(ra.D, imm);
                }
            }
            else if (Forwarded(i.B, out Gpr rb))
            {
                if (wide)
                {
                    _a.cmp(ra.Q, rb.Q);
                }
                else
                {
                    _a.cmp(ra.D, rb.D);
                }
            }
            else if (wide)
            {
                _a.cmp(ra.Q, Q(i.B));
            }
            else
            {
                _a.cmp(ra.D, D(i.B));
            }
        }
        else
        {
            if (unsigned)
            {
                LoadZx(Rax, i.A);
            }
            else
            {
                LoadSx(Rax, i.A);
            }

            if (TryImm(i.B, i.Type, !unsigned, out int imm))
            {
                _a.cmp(rax, imm);
            }
            else
            {
                if (unsigned)
                {
                    LoadZx(Rcx, i.B);
                }
                else
                {
                    LoadSx(Rcx, i.B);
                }

                _a.cmp(rax, rcx);
            }
        }

        if (_fuseOnly.Contains(i))
        {
            _lastIntCompare = i; // the branch right after is the only use: it jumps on the flags, no 0/1 value
            return;
        }

        Gpr r = PickScratch(0); // the 0/1 value goes in a free register (the operands are no longer needed)
        AssemblerRegister8 r8 = r.B;
        switch (i.Op)
        {
            case Opcode.Eq: _a.sete(r8); break;
            case Opcode.Ne: _a.setne(r8); break;
            case Opcode.SLt: _a.setl(r8); break;
            case Opcode.SLe: _a.setle(r8); break;
            case Opcode.SGt: _a.setg(r8); break;
            case Opcode.SGe: _a.setge(r8); break;
            case Opcode.ULt: _a.setb(r8); break;
            case Opcode.ULe: _a.setbe(r8); break;
            case Opcode.UGt: _a.seta(r8); break;
            default: _a.setae(r8); break;
        }

        _a.movzx(r.D, r8);
        Wrote(r, -1);
        _lastIntCompare = i; // the flags are still those of the cmp (movzx and mov leave them)
        Store(i.Dest, r);
    }

    private void EmitFloatCompare(Instr i)
    {
        bool f32 = i.Type == IrType.F32;

        // a < b and a <= b are computed as b > a and b >= a (seta/setae are false on unordered).
        bool swap = i.Op is Opcode.FLt or Opcode.FLe;
        int x = swap ? i.B : i.A;
        int y = swap ? i.A : i.B;
        int kx = XmmIndexOf(x);
        int ky = XmmIndexOf(y);
        AssemblerRegisterXMM rx = kx >= 0 ? s_cacheXmms[kx] : PickXmm(ky);
        if (kx < 0)
        {
            LoadXmm(rx, x);
        }

        if (ky >= 0 || x == y)
        {
            AssemblerRegisterXMM ry = x == y ? rx : s_cacheXmms[ky];
            if (f32)
            {
                _a.ucomiss(rx, ry);
            }
            else
            {
                _a.ucomisd(rx, ry);
            }
        }
        else if (f32)
        {
            _a.ucomiss(rx, D(y));
        }
        else
        {
            _a.ucomisd(rx, Q(y));
        }

        switch (i.Op)
        {
            case Opcode.FEq:
                _a.sete(al);
                _a.setnp(cl);
                _a.and(al, cl);
                break;
            case Opcode.FNe:
                _a.setne(al);
                _a.setp(cl);
                _a.or(al, cl);
                break;
            case Opcode.FGt or Opcode.FLt:
                _a.seta(al);
                break;
            default:
                _a.setae(al);
                break;
        }

        _a.movzx(eax, al);
        Store(i.Dest, Rax);
    }

    private void EmitConversion(Instr i)
    {
        IrType from = T(i.A);
        IrType to = i.Type;
        switch (i.Op)
        {
            case Opcode.SIToFP:
                LoadSx(Rax, i.A);
                if (to == IrType.F32)
                {
                    _a.cvtsi2ss(xmm0, rax);
                }
                else
                {
                    _a.cvtsi2sd(xmm0, rax);
                }

                StoreXmm(i.Dest, xmm0);
                break;
            case Opcode.UIToFP:
                LoadZx(Rax, i.A);
                if (from != IrType.I64)
                {
                    if (to == IrType.F32)
                    {
                        _a.cvtsi2ss(xmm0, rax);
                    }
                    else
                    {
                        _a.cvtsi2sd(xmm0, rax);
                    }
                }
                else
                {
                    // gcc: if the sign bit is set, halve (keeping the low bit for rounding), convert, double.
                    X64Label negative = _a.CreateLabel();
                    X64Label done = _a.CreateLabel();
                    _a.pxor(xmm0, xmm0);
                    _a.test(rax, rax);
                    _a.js(negative);
                    if (to == IrType.F32)
                    {
                        _a.cvtsi2ss(xmm0, rax);
                    }
                    else
                    {
                        _a.cvtsi2sd(xmm0, rax);
                    }

                    _a.jmp(done);
                    Bind(ref negative);
                    _a.mov(rdx, rax);
                    _a.shr(rdx, 1);
                    _a.and(eax, 1);
                    _a.or(rdx, rax);
                    if (to == IrType.F32)
                    {
                        _a.cvtsi2ss(xmm0, rdx);
                        _a.addss(xmm0, xmm0);
                    }
                    else
                    {
                        _a.cvtsi2sd(xmm0, rdx);
                        _a.addsd(xmm0, xmm0);
                    }

                    Bind(ref done);
                }

                StoreXmm(i.Dest, xmm0);
                break;
            case Opcode.FPToSI:
                LoadXmm(xmm0, i.A);
                if (from == IrType.F32)
                {
                    if (to == IrType.I64)
                    {
                        _a.cvttss2si(rax, xmm0);
                    }
                    else
                    {
                        _a.cvttss2si(eax, xmm0);
                    }
                }
                else
                {
                    if (to == IrType.I64)
                    {
                        _a.cvttsd2si(rax, xmm0);
                    }
                    else
                    {
                        _a.cvttsd2si(eax, xmm0);
                    }
                }

                Store(i.Dest, Rax);
                break;
            case Opcode.FPToUI:
                LoadXmm(xmm0, i.A);
                if (to != IrType.I64)
                {
                    if (from == IrType.F32)
                    {
                        _a.cvttss2si(rax, xmm0);
                    }
                    else
                    {
                        _a.cvttsd2si(rax, xmm0);
                    }
                }
                else
                {
                    // gcc: values >= 2^63 are reduced by 2^63 before the conversion, then the top bit is set.
                    X64Label big = _a.CreateLabel();
                    X64Label done = _a.CreateLabel();
                    if (from == IrType.F32)
                    {
                        _a.mov(eax, 0x5F000000); // 2^63 as float
                        _a.movd(xmm1, eax);
                        _a.comiss(xmm0, xmm1);
                        _a.jae(big);
                        _a.cvttss2si(rax, xmm0);
                        _a.jmp(done);
                        Bind(ref big);
                        _a.subss(xmm0, xmm1);
                        _a.cvttss2si(rax, xmm0);
                    }
                    else
                    {
                        _a.mov(rax, 0x43E0000000000000L); // 2^63 as double
                        _a.movq(xmm1, rax);
                        _a.comisd(xmm0, xmm1);
                        _a.jae(big);
                        _a.cvttsd2si(rax, xmm0);
                        _a.jmp(done);
                        Bind(ref big);
                        _a.subsd(xmm0, xmm1);
                        _a.cvttsd2si(rax, xmm0);
                    }

                    _a.btc(rax, 63);
                    Bind(ref done);
                }

                Store(i.Dest, Rax);
                break;
            case Opcode.FPExt:
                if (from == IrType.F32)
                {
                    _a.cvtss2sd(xmm0, D(i.A));
                    _a.movsd(Q(i.Dest), xmm0);
                }
                else
                {
                    LoadZx(Rax, i.A);
                    _a.mov(Q(i.Dest), rax);
                }

                break;
            case Opcode.FPTrunc:
                if (from == IrType.F64)
                {
                    _a.cvtsd2ss(xmm0, Q(i.A));
                    _a.movss(D(i.Dest), xmm0);
                }
                else
                {
                    LoadZx(Rax, i.A);
                    _a.mov(Q(i.Dest), rax);
                }

                break;
        }
    }

    private void EmitSwitch(Instr i)
    {
        LoadZx(Rax, i.A);
        foreach ((long value, int block) in i.Cases!)
        {
            switch (i.Type)
            {
                case IrType.I8: _a.cmp(eax, (int)(value & 0xFF)); break;
                case IrType.I16: _a.cmp(eax, (int)(value & 0xFFFF)); break;
                case IrType.I32: _a.cmp(eax, unchecked((int)value)); break;
                default:
                    if (value >= int.MinValue && value <= int.MaxValue)
                    {
                        _a.cmp(rax, (int)value);
                    }
                    else
                    {
                        _a.mov(rcx, value);
                        _a.cmp(rax, rcx);
                    }

                    break;
            }

            _a.je(_blockLabels[_jumpTo[block]]);
        }

        _a.jmp(_blockLabels[_jumpTo[i.Target]]);
    }

    private void EmitRet(Instr i, int blockIndex)
    {
        IrSignature sig = _f.Signature;
        if (SysVAbi.ReturnsInMemory(sig.Return))
        {
            if (_f.ReturnPointerVReg >= 0)
            {
                _a.mov(rax, Q(_f.ReturnPointerVReg));
            }
        }
        else if (SysVAbi.ReturnsAggregateInRegisters(sig.Return))
        {
            AggregateInfo agg = sig.Return.Aggregate!;
            _a.lea(r11, __[rbp + _retBufOff]);
            int gp = 0;
            int sse = 0;
            LoadReturnEightbyte(agg.Lo, 0, Math.Min(8, agg.Size), ref gp, ref sse);
            if (agg.EightBytes == 2)
            {
                LoadReturnEightbyte(agg.Hi, 8, agg.Size - 8, ref gp, ref sse);
            }
        }
        else if (i.A >= 0)
        {
            if (T(i.A).IsFloat())
            {
                LoadXmm(xmm0, i.A);
            }
            else if (_debug || !(T(i.A) is IrType.I32 or IrType.I64 && Forwarded(i.A, out Gpr r) && r.Q == rax))
            {
                // An int already in eax is returned as is (the ABI leaves bits 32-63 undefined), except in debug code:
                // there a call's return address must not be the epilogue's patch site (finish stops on the call's line).
                LoadZx(Rax, i.A);
            }
        }

        if (blockIndex != _f.Blocks.Count - 1)
        {
            _a.jmp(_epilogue); // the last block falls through into the epilogue
        }
    }

    private void LoadReturnEightbyte(ArgClass cls, int off, int n, ref int gp, ref int sse)
    {
        if (cls == ArgClass.Sse)
        {
            LoadPartialXmm(sse++ == 0 ? xmm0 : xmm1, r11, off, n);
        }
        else
        {
            LoadPartial(gp++ == 0 ? Rax : Rdx, r11, off, n);
        }
    }
}
