using System.Runtime.CompilerServices;
using Lantern.C.Ir;

namespace Lantern.C.Interp;

public sealed unsafe partial class Interpreter
{
    private long _frameCounter;

    /// <summary>
    /// A non-local exit in progress (trap, exit(), longjmp): every frame returns at once until the frame that
    /// handles it, so unwinding a deep recursion costs plain returns rather than exception dispatch per frame.
    /// </summary>
    private Exception? _pending;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double D(long v) => BitConverter.Int64BitsToDouble(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long DB(double d) => BitConverter.DoubleToInt64Bits(d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float F(long v) => BitConverter.Int32BitsToSingle((int)v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long FB(float f) => (uint)BitConverter.SingleToInt32Bits(f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Norm(long v, int sh) => (v << sh) >> sh;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ZNorm(long v, int sh) => (ulong)(v << sh) >> sh;

    /// <summary>x86 cvttsd2si with a 64-bit destination: out of range or NaN gives 0x8000000000000000.</summary>
    internal static long Cvtt64(double d) =>
        d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (long)d : long.MinValue;

    /// <summary>x86 cvttsd2si with a 32-bit destination: out of range or NaN gives 0x80000000.</summary>
    internal static int Cvtt32(double d) =>
        d > -2147483649.0 && d < 2147483648.0 ? (int)d : int.MinValue;

    /// <summary>double → unsigned long as gcc compiles it: values ≥ 2^63 are biased by 2^63 first.</summary>
    internal static long ToU64(double d) =>
        d >= 9223372036854775808.0 ? Cvtt64(d - 9223372036854775808.0) ^ long.MinValue : Cvtt64(d);

    /// <summary>unsigned long → double as gcc compiles it (halve with sticky bit, convert, double): correctly rounded.</summary>
    internal static double U64ToF64(ulong x) =>
        (long)x >= 0 ? (double)(long)x : (double)(long)((x >> 1) | (x & 1)) * 2.0;

    internal static float U64ToF32(ulong x) =>
        (long)x >= 0 ? (float)(long)x : (float)(long)((x >> 1) | (x & 1)) * 2.0f;

    /// <summary>
    /// Calls interpreted function <paramref name="f"/>. Its arguments are at <paramref name="args"/>, just below
    /// <see cref="_vtop"/> (aggregates as addresses of copies). Returns the raw result bits.
    /// </summary>
    private long Invoke(DFunc f, long* args, long retPtr, long vaRsa, long vaOverflow)
    {
        byte* savedSp = _sp;
        long* r = _vtop;
        byte* fb = (byte*)(((long)_sp - f.FrameSize - 16) & -(long)f.FrameAlign);
        if (_depth >= MaxDepth || fb < _stackLow || r + f.NumVRegs > _vregHigh)
        {
            // Unwound by plain returns (see _pending), not by an exception through every frame.
            _pending = Trap(f, 0, "stack overflow", 139);
            if (_debugTarget is not null)
            {
                DebugFault((InterpreterTrapException)_pending);
            }

            return 0;
        }

        _depth++;
        if (_debugTarget is not null)
        {
            DebugEnter(f, fb, savedSp);
        }

        _sp = fb;
        _vtop = r + f.NumVRegs;
        ParamInfo[] ps = f.Params;
        for (int p = 0; p < ps.Length; p++)
        {
            byte* slot = fb + ps[p].SlotOffset;
            long v = args[p];
            if (ps[p].IsAggregate)
            {
                Buffer.MemoryCopy((void*)v, slot, ps[p].Size, ps[p].Size);
                continue;
            }

            switch (ps[p].Size)
            {
                case 1: *slot = (byte)v; break;
                case 2: *(short*)slot = (short)v; break;
                case 4: *(int*)slot = (int)v; break;
                default: *(long*)slot = v; break;
            }
        }

        if (f.ReturnPtrVReg >= 0)
        {
            r[f.ReturnPtrVReg] = retPtr;
        }

        long result;
        try
        {
            result = f.UsesSetjmp ? RunWithSetjmp(f, r, fb, vaRsa, vaOverflow) : Loop(f, r, fb, 0, 0, vaRsa, vaOverflow);
        }
        catch (InterpreterTrapException e)
        {
            if (_debugTarget is not null)
            {
                DebugFault(e);
            }

            _pending = e;
            result = 0;
        }
        catch (ProgramExitException e)
        {
            _pending = e;
            result = 0;
        }
        catch (LongJumpException e)
        {
            _pending = e;
            result = 0;
        }
        catch (NullReferenceException)
        {
            string where = f.Ir.Location.IsNone ? "" : $" (defined at {f.Ir.Location})";
            _pending = new InterpreterTrapException($"segmentation fault (null pointer dereference) in function '{f.Name}'{where}", 139);
            if (_debugTarget is not null)
            {
                DebugFault((InterpreterTrapException)_pending, precise: false);
            }

            result = 0;
        }

        _sp = savedSp;
        _vtop = r;
        _depth--;
        return result;
    }

    private long RunWithSetjmp(DFunc f, long* r, byte* fb, long vaRsa, long vaOverflow)
    {
        long frameId = ++_frameCounter;
        int pc = 0;
        while (true)
        {
            LongJumpException? jump;
            try
            {
                long result = Loop(f, r, fb, pc, frameId, vaRsa, vaOverflow);
                jump = _pending as LongJumpException;
                if (jump is null || jump.FrameId != frameId)
                {
                    return result;
                }

                _pending = null;
            }
            catch (LongJumpException e) when (e.FrameId == frameId)
            {
                jump = e;
            }

            _sp = (byte*)jump.Sp;
            _vtop = (long*)jump.VTop;
            _depth = jump.Depth;
            if (jump.Dest >= 0)
            {
                r[jump.Dest] = (int)jump.Value;
            }

            pc = jump.ResumePc;
        }
    }

    private InterpreterTrapException Trap(DFunc f, int pc, string message, int status)
    {
        if (_debugTarget is not null && pc > 0 && _depth > 0 && _debugFrames[_depth - 1].Function == f)
        {
            _debugFrames[_depth - 1].Pc = pc;
        }

        string where = pc >= 0 && pc < f.Locs.Length && !f.Locs[pc].IsNone ? $" at {f.Locs[pc]}" : "";
        return new InterpreterTrapException($"{message} in function '{f.Name}'{where}", status);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDivideByZero(DFunc f, DInstr* code, DInstr* ip) =>
        throw Trap(f, (int)(ip - code), "division by zero (SIGFPE)", 136);

    /// <summary>The interpreter loop: runs <paramref name="f"/> from instruction <paramref name="pc"/>.</summary>
    [SkipLocalsInit]
    private long Loop(DFunc f, long* r, byte* fb, int pc, long frameId, long vaRsa, long vaOverflow)
    {
        DInstr* code = f.Code;
        DInstr* ip = code + pc;
        while (true)
        {
            switch (ip->Op)
            {
                case DOp.Nop:
                    ip++;
                    break;
                case DOp.Const:
                    r[ip->D] = ip->Imm;
                    ip++;
                    break;
                case DOp.Mov:
                    r[ip->D] = r[ip->A];
                    ip++;
                    break;
                case DOp.SlotAddr:
                    r[ip->D] = (long)fb + ip->Imm;
                    ip++;
                    break;

                case DOp.LoadI8:
                    r[ip->D] = *(sbyte*)r[ip->A];
                    ip++;
                    break;
                case DOp.LoadI16:
                    r[ip->D] = *(short*)r[ip->A];
                    ip++;
                    break;
                case DOp.LoadI32:
                    r[ip->D] = *(int*)r[ip->A];
                    ip++;
                    break;
                case DOp.LoadI64:
                    r[ip->D] = *(long*)r[ip->A];
                    ip++;
                    break;
                case DOp.LoadU32:
                    r[ip->D] = *(uint*)r[ip->A];
                    ip++;
                    break;
                case DOp.StoreI8:
                    *(byte*)r[ip->A] = (byte)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreI16:
                    *(short*)r[ip->A] = (short)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreI32:
                    *(int*)r[ip->A] = (int)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreI64:
                    *(long*)r[ip->A] = r[ip->B];
                    ip++;
                    break;
                case DOp.Copy:
                    Buffer.MemoryCopy((void*)r[ip->B], (void*)r[ip->A], ip->Imm, ip->Imm);
                    ip++;
                    break;
                case DOp.Zero:
                    new Span<byte>((void*)r[ip->A], (int)ip->Imm).Clear();
                    ip++;
                    break;
                case DOp.Alloca:
                {
                    long size = (r[ip->A] + 15) & ~15L;
                    byte* p = (byte*)(((long)_sp - size) & -ip->Imm);
                    if (p < _stackLow || size < 0)
                    {
                        throw Trap(f, (int)(ip - code), "stack overflow (alloca)", 139);
                    }

                    _sp = p;
                    r[ip->D] = (long)p;
                    ip++;
                    break;
                }

                case DOp.Add:
                    r[ip->D] = Norm(r[ip->A] + r[ip->B], ip->Sh);
                    ip++;
                    break;
                case DOp.Sub:
                    r[ip->D] = Norm(r[ip->A] - r[ip->B], ip->Sh);
                    ip++;
                    break;
                case DOp.Mul:
                    r[ip->D] = Norm(r[ip->A] * r[ip->B], ip->Sh);
                    ip++;
                    break;
                case DOp.SDiv:
                {
                    long b = r[ip->B];
                    if (b == 0)
                    {
                        ThrowDivideByZero(f, code, ip);
                    }

                    r[ip->D] = b == -1 ? Norm(-r[ip->A], ip->Sh) : r[ip->A] / b;
                    ip++;
                    break;
                }

                case DOp.SRem:
                {
                    long b = r[ip->B];
                    if (b == 0)
                    {
                        ThrowDivideByZero(f, code, ip);
                    }

                    r[ip->D] = b == -1 ? 0 : r[ip->A] % b;
                    ip++;
                    break;
                }

                case DOp.UDiv:
                {
                    ulong b = ZNorm(r[ip->B], ip->Sh);
                    if (b == 0)
                    {
                        ThrowDivideByZero(f, code, ip);
                    }

                    r[ip->D] = Norm((long)(ZNorm(r[ip->A], ip->Sh) / b), ip->Sh);
                    ip++;
                    break;
                }

                case DOp.URem:
                {
                    ulong b = ZNorm(r[ip->B], ip->Sh);
                    if (b == 0)
                    {
                        ThrowDivideByZero(f, code, ip);
                    }

                    r[ip->D] = Norm((long)(ZNorm(r[ip->A], ip->Sh) % b), ip->Sh);
                    ip++;
                    break;
                }

                case DOp.And:
                    r[ip->D] = r[ip->A] & r[ip->B];
                    ip++;
                    break;
                case DOp.Or:
                    r[ip->D] = r[ip->A] | r[ip->B];
                    ip++;
                    break;
                case DOp.Xor:
                    r[ip->D] = r[ip->A] ^ r[ip->B];
                    ip++;
                    break;
                case DOp.Shl:
                    r[ip->D] = Norm(r[ip->A] << (int)(r[ip->B] & (63 - ip->Sh)), ip->Sh);
                    ip++;
                    break;
                case DOp.LShr:
                    r[ip->D] = Norm((long)(ZNorm(r[ip->A], ip->Sh) >> (int)(r[ip->B] & (63 - ip->Sh))), ip->Sh);
                    ip++;
                    break;
                case DOp.AShr:
                    r[ip->D] = r[ip->A] >> (int)(r[ip->B] & (63 - ip->Sh));
                    ip++;
                    break;
                case DOp.Neg:
                    r[ip->D] = Norm(-r[ip->A], ip->Sh);
                    ip++;
                    break;
                case DOp.Not:
                    r[ip->D] = ~r[ip->A];
                    ip++;
                    break;

                case DOp.Add32:
                    r[ip->D] = (int)(r[ip->A] + r[ip->B]);
                    ip++;
                    break;
                case DOp.Sub32:
                    r[ip->D] = (int)(r[ip->A] - r[ip->B]);
                    ip++;
                    break;
                case DOp.Mul32:
                    r[ip->D] = (int)(r[ip->A] * r[ip->B]);
                    ip++;
                    break;
                case DOp.Add64:
                    r[ip->D] = r[ip->A] + r[ip->B];
                    ip++;
                    break;
                case DOp.Sub64:
                    r[ip->D] = r[ip->A] - r[ip->B];
                    ip++;
                    break;
                case DOp.Mul64:
                    r[ip->D] = r[ip->A] * r[ip->B];
                    ip++;
                    break;
                case DOp.AddImm64:
                    r[ip->D] = r[ip->A] + ip->Imm;
                    ip++;
                    break;

                case DOp.AddImm32:
                    r[ip->D] = (int)(r[ip->A] + ip->Imm);
                    ip++;
                    break;
                case DOp.MulImm32:
                    r[ip->D] = (int)(r[ip->A] * ip->Imm);
                    ip++;
                    break;
                case DOp.MulImm64:
                    r[ip->D] = r[ip->A] * ip->Imm;
                    ip++;
                    break;

                case DOp.LoadSlotI8:
                    r[ip->D] = *(sbyte*)(fb + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadSlotI16:
                    r[ip->D] = *(short*)(fb + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadSlotI32:
                    r[ip->D] = *(int*)(fb + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadSlotI64:
                    r[ip->D] = *(long*)(fb + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadSlotU32:
                    r[ip->D] = *(uint*)(fb + ip->Imm);
                    ip++;
                    break;
                case DOp.StoreSlotI8:
                    *(fb + ip->Imm) = (byte)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreSlotI16:
                    *(short*)(fb + ip->Imm) = (short)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreSlotI32:
                    *(int*)(fb + ip->Imm) = (int)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreSlotI64:
                    *(long*)(fb + ip->Imm) = r[ip->B];
                    ip++;
                    break;
                case DOp.StoreSlotImmI8:
                    *(fb + ip->T1) = (byte)ip->Imm;
                    ip++;
                    break;
                case DOp.StoreSlotImmI16:
                    *(short*)(fb + ip->T1) = (short)ip->Imm;
                    ip++;
                    break;
                case DOp.StoreSlotImmI32:
                    *(int*)(fb + ip->T1) = (int)ip->Imm;
                    ip++;
                    break;
                case DOp.StoreSlotImmI64:
                    *(long*)(fb + ip->T1) = ip->Imm;
                    ip++;
                    break;
                case DOp.StoreImmI8:
                    *(byte*)r[ip->A] = (byte)ip->Imm;
                    ip++;
                    break;
                case DOp.StoreImmI16:
                    *(short*)r[ip->A] = (short)ip->Imm;
                    ip++;
                    break;
                case DOp.StoreImmI32:
                    *(int*)r[ip->A] = (int)ip->Imm;
                    ip++;
                    break;
                case DOp.StoreImmI64:
                    *(long*)r[ip->A] = ip->Imm;
                    ip++;
                    break;

                case DOp.LoadOffI8:
                    r[ip->D] = *(sbyte*)(r[ip->A] + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadIdxI8:
                    r[ip->D] = *(sbyte*)(r[ip->A] + r[ip->B]);
                    ip++;
                    break;
                case DOp.StoreOffI8:
                    *(byte*)(r[ip->A] + ip->Imm) = (byte)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreIdxI8:
                    *(byte*)(r[ip->A] + r[ip->D]) = (byte)r[ip->B];
                    ip++;
                    break;
                case DOp.LoadOffI16:
                    r[ip->D] = *(short*)(r[ip->A] + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadIdxI16:
                    r[ip->D] = *(short*)(r[ip->A] + r[ip->B]);
                    ip++;
                    break;
                case DOp.StoreOffI16:
                    *(short*)(r[ip->A] + ip->Imm) = (short)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreIdxI16:
                    *(short*)(r[ip->A] + r[ip->D]) = (short)r[ip->B];
                    ip++;
                    break;
                case DOp.LoadOffI32:
                    r[ip->D] = *(int*)(r[ip->A] + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadIdxI32:
                    r[ip->D] = *(int*)(r[ip->A] + r[ip->B]);
                    ip++;
                    break;
                case DOp.StoreOffI32:
                    *(int*)(r[ip->A] + ip->Imm) = (int)r[ip->B];
                    ip++;
                    break;
                case DOp.StoreIdxI32:
                    *(int*)(r[ip->A] + r[ip->D]) = (int)r[ip->B];
                    ip++;
                    break;
                case DOp.LoadOffI64:
                    r[ip->D] = *(long*)(r[ip->A] + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadIdxI64:
                    r[ip->D] = *(long*)(r[ip->A] + r[ip->B]);
                    ip++;
                    break;
                case DOp.StoreOffI64:
                    *(long*)(r[ip->A] + ip->Imm) = r[ip->B];
                    ip++;
                    break;
                case DOp.StoreIdxI64:
                    *(long*)(r[ip->A] + r[ip->D]) = (long)r[ip->B];
                    ip++;
                    break;
                case DOp.LoadOffU32:
                    r[ip->D] = *(uint*)(r[ip->A] + ip->Imm);
                    ip++;
                    break;
                case DOp.LoadIdxU32:
                    r[ip->D] = *(uint*)(r[ip->A] + r[ip->B]);
                    ip++;
                    break;

                case DOp.FAdd64:
                    r[ip->D] = DB(D(r[ip->A]) + D(r[ip->B]));
                    ip++;
                    break;
                case DOp.FSub64:
                    r[ip->D] = DB(D(r[ip->A]) - D(r[ip->B]));
                    ip++;
                    break;
                case DOp.FMul64:
                    r[ip->D] = DB(D(r[ip->A]) * D(r[ip->B]));
                    ip++;
                    break;
                case DOp.FDiv64:
                    r[ip->D] = DB(D(r[ip->A]) / D(r[ip->B]));
                    ip++;
                    break;
                case DOp.FNeg64:
                    r[ip->D] = r[ip->A] ^ long.MinValue;
                    ip++;
                    break;
                case DOp.FAdd32:
                    r[ip->D] = FB(F(r[ip->A]) + F(r[ip->B]));
                    ip++;
                    break;
                case DOp.FSub32:
                    r[ip->D] = FB(F(r[ip->A]) - F(r[ip->B]));
                    ip++;
                    break;
                case DOp.FMul32:
                    r[ip->D] = FB(F(r[ip->A]) * F(r[ip->B]));
                    ip++;
                    break;
                case DOp.FDiv32:
                    r[ip->D] = FB(F(r[ip->A]) / F(r[ip->B]));
                    ip++;
                    break;
                case DOp.FNeg32:
                    r[ip->D] = (r[ip->A] ^ 0x80000000L) & 0xFFFFFFFFL;
                    ip++;
                    break;

                case DOp.Eq:
                    r[ip->D] = r[ip->A] == r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.Ne:
                    r[ip->D] = r[ip->A] != r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.SLt:
                    r[ip->D] = r[ip->A] < r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.SLe:
                    r[ip->D] = r[ip->A] <= r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.SGt:
                    r[ip->D] = r[ip->A] > r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.SGe:
                    r[ip->D] = r[ip->A] >= r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.ULt:
                    r[ip->D] = (ulong)r[ip->A] < (ulong)r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.ULe:
                    r[ip->D] = (ulong)r[ip->A] <= (ulong)r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.UGt:
                    r[ip->D] = (ulong)r[ip->A] > (ulong)r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.UGe:
                    r[ip->D] = (ulong)r[ip->A] >= (ulong)r[ip->B] ? 1 : 0;
                    ip++;
                    break;
                case DOp.FEq64:
                    r[ip->D] = D(r[ip->A]) == D(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FNe64:
                    r[ip->D] = D(r[ip->A]) != D(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FLt64:
                    r[ip->D] = D(r[ip->A]) < D(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FLe64:
                    r[ip->D] = D(r[ip->A]) <= D(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FGt64:
                    r[ip->D] = D(r[ip->A]) > D(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FGe64:
                    r[ip->D] = D(r[ip->A]) >= D(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FEq32:
                    r[ip->D] = F(r[ip->A]) == F(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FNe32:
                    r[ip->D] = F(r[ip->A]) != F(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FLt32:
                    r[ip->D] = F(r[ip->A]) < F(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FLe32:
                    r[ip->D] = F(r[ip->A]) <= F(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FGt32:
                    r[ip->D] = F(r[ip->A]) > F(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;
                case DOp.FGe32:
                    r[ip->D] = F(r[ip->A]) >= F(r[ip->B]) ? 1 : 0;
                    ip++;
                    break;

                case DOp.BrEq:
                {
                    bool c = r[ip->A] == r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrNe:
                {
                    bool c = r[ip->A] != r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrSLt:
                {
                    bool c = r[ip->A] < r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrSLe:
                {
                    bool c = r[ip->A] <= r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrSGt:
                {
                    bool c = r[ip->A] > r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrSGe:
                {
                    bool c = r[ip->A] >= r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrULt:
                {
                    bool c = (ulong)r[ip->A] < (ulong)r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrULe:
                {
                    bool c = (ulong)r[ip->A] <= (ulong)r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrUGt:
                {
                    bool c = (ulong)r[ip->A] > (ulong)r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrUGe:
                {
                    bool c = (ulong)r[ip->A] >= (ulong)r[ip->B];
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrEqImm:
                {
                    bool c = r[ip->A] == ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrNeImm:
                {
                    bool c = r[ip->A] != ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrSLtImm:
                {
                    bool c = r[ip->A] < ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrSLeImm:
                {
                    bool c = r[ip->A] <= ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrSGtImm:
                {
                    bool c = r[ip->A] > ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrSGeImm:
                {
                    bool c = r[ip->A] >= ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrULtImm:
                {
                    bool c = (ulong)r[ip->A] < (ulong)ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrULeImm:
                {
                    bool c = (ulong)r[ip->A] <= (ulong)ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrUGtImm:
                {
                    bool c = (ulong)r[ip->A] > (ulong)ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.BrUGeImm:
                {
                    bool c = (ulong)r[ip->A] >= (ulong)ip->Imm;
                    r[ip->D] = c ? 1 : 0;
                    ip = code + (c ? ip->T1 : ip->T2);
                    break;
                }

                case DOp.ZExt:
                    r[ip->D] = (long)ZNorm(r[ip->A], ip->Sh);
                    ip++;
                    break;
                case DOp.Trunc:
                    r[ip->D] = Norm(r[ip->A], ip->Sh);
                    ip++;
                    break;
                case DOp.SIToF64:
                    r[ip->D] = DB(r[ip->A]);
                    ip++;
                    break;
                case DOp.SIToF32:
                    r[ip->D] = FB(r[ip->A]);
                    ip++;
                    break;
                case DOp.UIToF64:
                    r[ip->D] = DB(U64ToF64(ZNorm(r[ip->A], ip->Sh)));
                    ip++;
                    break;
                case DOp.UIToF32:
                    r[ip->D] = FB(U64ToF32(ZNorm(r[ip->A], ip->Sh)));
                    ip++;
                    break;
                case DOp.F64ToSI32:
                    r[ip->D] = Norm(Cvtt32(D(r[ip->A])), ip->Sh);
                    ip++;
                    break;
                case DOp.F64ToSI64:
                    r[ip->D] = Cvtt64(D(r[ip->A]));
                    ip++;
                    break;
                case DOp.F32ToSI32:
                    r[ip->D] = Norm(Cvtt32(F(r[ip->A])), ip->Sh);
                    ip++;
                    break;
                case DOp.F32ToSI64:
                    r[ip->D] = Cvtt64(F(r[ip->A]));
                    ip++;
                    break;
                case DOp.F64ToUI32:
                    r[ip->D] = Norm(Cvtt64(D(r[ip->A])), 32);
                    ip++;
                    break;
                case DOp.F64ToUI64:
                    r[ip->D] = ToU64(D(r[ip->A]));
                    ip++;
                    break;
                case DOp.F32ToUI32:
                    r[ip->D] = Norm(Cvtt64(F(r[ip->A])), 32);
                    ip++;
                    break;
                case DOp.F32ToUI64:
                    r[ip->D] = ToU64(F(r[ip->A]));
                    ip++;
                    break;
                case DOp.FPExt:
                    r[ip->D] = DB(F(r[ip->A]));
                    ip++;
                    break;
                case DOp.FPTrunc:
                    r[ip->D] = FB((float)D(r[ip->A]));
                    ip++;
                    break;

                case DOp.Call:
                    DoCall(f, f.Calls[ip->Imm], r, (int)(ip - code));
                    if (_pending is not null)
                    {
                        return 0;
                    }

                    if (_debugFlag != 0)
                    {
                        DebugReturnedTo(f, (int)(ip - code));
                    }

                    ip++;
                    break;
                case DOp.Setjmp:
                    DoSetjmp(f, f.Calls[ip->Imm], r, frameId, (int)(ip - code));
                    ip++;
                    break;
                case DOp.VaStart:
                    DoVaStart(f, (byte*)r[ip->A], vaRsa, vaOverflow, (int)(ip - code));
                    ip++;
                    break;
                case DOp.VaArg:
                    r[ip->D] = DoVaArg(ip, r, fb);
                    ip++;
                    break;

                case DOp.Jump:
                    ip = code + ip->T1;
                    break;
                case DOp.Branch:
                    ip = code + (r[ip->A] != 0 ? ip->T1 : ip->T2);
                    break;
                case DOp.Switch:
                    ip = code + f.Switches[ip->Imm].Lookup(r[ip->A]);
                    break;
                case DOp.Ret:
                    return r[ip->A];
                case DOp.RetVoid:
                    return 0;
                case DOp.Unreachable:
                    // Falling off the end of a non-void function: the caller gets an unspecified value (0 here).
                    return 0;
                case DOp.Trap:
                    // __builtin_trap(): the JIT executes ud2, so report SIGILL's status.
                    throw Trap(f, (int)(ip - code), "illegal instruction (SIGILL, __builtin_trap)", 132);
                case DOp.DbgEntry:
                case DOp.DbgStmt:
                    _debugFrames[_depth - 1].Pc = (int)(ip - code);
                    if (_debugFlag != 0)
                    {
                        DebugSite((int)ip->Imm);
                    }

                    ip++;
                    break;
                case DOp.DbgReturn:
                    _debugFrames[_depth - 1].Pc = (int)(ip - code);
                    if (ip->A >= 0)
                    {
                        _debugReturnValue = r[ip->A];
                    }

                    if (_debugFlag != 0)
                    {
                        DebugReturnSite((int)ip->Imm, r, ip->A);
                    }

                    ip++;
                    break;
                default:
                    throw Trap(f, (int)(ip - code), $"internal error: bad decoded opcode {ip->Op}", 134);
            }
        }
    }
}
