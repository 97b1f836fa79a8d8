using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lantern.C.Abi;
using Lantern.C.Ir;
using Lantern.C.Runtime;

namespace Lantern.C.Interp;

public sealed unsafe partial class Interpreter
{
    private const long JmpMagic = 0x4c414e544a4d5042; // "LANTJMPB"

    private readonly Dictionary<long, JmpRecord> _jmps = new();
    private long _nextJmpToken;

    private readonly record struct JmpRecord(long FrameId, int ResumePc, int Dest, long Sp, long VTop, int Depth);

    private void DoCall(DFunc f, CallSite s, long* r, int pc)
    {
        if (_debugTarget is not null)
        {
            _debugFrames[_depth - 1].Pc = pc;
        }

        switch (s.Kind)
        {
            case CallKind.Interp:
                CallInterpreted(s.Target!, s, r);
                return;
            case CallKind.Native:
                CallNative(s.NativeAddress, s, r);
                return;
            case CallKind.Indirect:
            {
                long addr = r[s.FnVReg];
                int id = _thunks!.IdOf(addr);
                if (id >= 0)
                {
                    CallInterpreted(_functions[id], s, r);
                }
                else if ((ulong)addr < 4096)
                {
                    throw Trap(f, pc, $"call through a null function pointer (0x{addr:x})", 139);
                }
                else
                {
                    CallNative(addr, s, r);
                }

                return;
            }

            default:
                CallIntrinsic(f, s, r, pc);
                return;
        }
    }

    private void CallInterpreted(DFunc callee, CallSite s, long* r)
    {
        long* a = _vtop;
        int[] args = s.Args;
        for (int i = 0; i < args.Length; i++)
        {
            a[i] = r[args[i]];
        }

        _vtop = a + args.Length;
        long retPtr = s.RetAddrVReg >= 0 ? r[s.RetAddrVReg] : 0;
        long result;
        if (callee.IsVariadic)
        {
            // Materialize the System V register save area and overflow area for va_start.
            byte* savedSp = _sp;
            CallPlan plan = s.Plan;
            byte* area = (byte*)(((long)_sp - 176 - plan.StackBytes) & ~15L);
            if (area < _stackLow)
            {
                throw new InterpreterTrapException($"stack overflow calling '{callee.Name}'", 139);
            }

            _sp = area;
            if (plan.HiddenReturn)
            {
                *(long*)area = retPtr;
            }

            PlaceArguments(plan, a, (long*)area, (long*)(area + 48), 2, area + 176);
            result = Invoke(callee, a, retPtr, (long)area, (long)(area + 176));
            _sp = savedSp;
        }
        else
        {
            result = Invoke(callee, a, retPtr, 0, 0);
        }

        _vtop = a;
        if (s.Dest >= 0)
        {
            r[s.Dest] = result;
        }
    }

    /// <summary>
    /// Writes argument values to their System V locations: GP registers at <paramref name="gp"/>, SSE registers
    /// at <paramref name="xmm"/> with a stride of <paramref name="xmmStride"/> longs, stack slots at <paramref name="stack"/>.
    /// </summary>
    private static void PlaceArguments(CallPlan plan, long* values, long* gp, long* xmm, int xmmStride, byte* stack)
    {
        ArgLoc[] locs = plan.Args;
        for (int i = 0; i < locs.Length; i++)
        {
            long v = values[i];
            ref ArgLoc loc = ref locs[i];
            switch (loc.Kind)
            {
                case ArgLocKind.Gp:
                    gp[loc.Reg] = v;
                    break;
                case ArgLocKind.Sse:
                    xmm[loc.Reg * xmmStride] = v;
                    break;
                case ArgLocKind.Stack:
                    *(long*)(stack + loc.StackOffset) = v;
                    break;
                case ArgLocKind.AggRegs:
                {
                    byte* p = (byte*)v;
                    long lo = ReadPartial(p, Math.Min(8, loc.Size));
                    if (loc.Lo == ArgClass.Sse)
                    {
                        xmm[loc.Reg * xmmStride] = lo;
                    }
                    else
                    {
                        gp[loc.Reg] = lo;
                    }

                    if (loc.Size > 8)
                    {
                        long hi = ReadPartial(p + 8, loc.Size - 8);
                        if (loc.Hi == ArgClass.Sse)
                        {
                            xmm[loc.Reg2 * xmmStride] = hi;
                        }
                        else
                        {
                            gp[loc.Reg2] = hi;
                        }
                    }

                    break;
                }

                case ArgLocKind.AggStack:
                {
                    int rounded = (loc.Size + 7) & ~7;
                    new Span<byte>(stack + loc.StackOffset, rounded).Clear();
                    Buffer.MemoryCopy((void*)v, stack + loc.StackOffset, loc.Size, loc.Size);
                    break;
                }
            }
        }
    }

    private static long ReadPartial(byte* p, int n)
    {
        if (n >= 8)
        {
            return *(long*)p;
        }

        long v = 0;
        Buffer.MemoryCopy(p, &v, 8, n);
        return v;
    }

    private static void WritePartial(byte* p, long v, int n)
    {
        Buffer.MemoryCopy(&v, p, n, Math.Min(n, 8));
    }

    private void CallNative(long address, CallSite s, long* r)
    {
        CallPlan plan = s.Plan;
        if (plan.StackBytes > StackArgsCapacity)
        {
            throw new InterpreterTrapException($"too many stack arguments in a call to {s.Symbol ?? "a native function"}", 134);
        }

        long* a = _vtop;
        int[] args = s.Args;
        for (int i = 0; i < args.Length; i++)
        {
            a[i] = r[args[i]];
        }

        CallBlock* b = _callBlock;
        b->Function = address;
        b->StackCount = plan.StackBytes / 8;
        b->Stack = _stackArgs;
        b->SseCount = plan.SseUsed;
        if (plan.HiddenReturn)
        {
            b->Gp[0] = r[s.RetAddrVReg];
        }

        PlaceArguments(plan, a, b->Gp, b->Xmm, 1, (byte*)_stackArgs);
        CallBridge.Invoke(b);

        IrParamType ret = s.Signature.Return;
        if (ret.Aggregate is { } agg)
        {
            if (!plan.HiddenReturn && s.RetAddrVReg >= 0)
            {
                StoreAggregateReturn((byte*)r[s.RetAddrVReg], agg, b->Rax, b->Rdx, b->Xmm0, b->Xmm1);
            }

            return;
        }

        if (s.Dest >= 0)
        {
            r[s.Dest] = ScalarFromRegisters(s.DestType, b->Rax, b->Xmm0);
        }
    }

    private static long ScalarFromRegisters(IrType t, long rax, long xmm0) => t switch
    {
        IrType.F64 => xmm0,
        IrType.F32 => xmm0 & 0xFFFFFFFFL,
        IrType.I8 => (sbyte)rax,
        IrType.I16 => (short)rax,
        IrType.I32 => (int)rax,
        _ => rax,
    };

    /// <summary>Writes a register-returned aggregate (rax/rdx/xmm0/xmm1 per its classes) to memory.</summary>
    private static void StoreAggregateReturn(byte* dst, AggregateInfo agg, long rax, long rdx, long xmm0, long xmm1)
    {
        long lo = agg.Lo == ArgClass.Sse ? xmm0 : rax;
        WritePartial(dst, lo, Math.Min(8, agg.Size));
        if (agg.Size > 8)
        {
            long hi = agg.Hi == ArgClass.Sse ? (agg.Lo == ArgClass.Sse ? xmm1 : xmm0) : (agg.Lo == ArgClass.Sse ? rax : rdx);
            WritePartial(dst + 8, hi, agg.Size - 8);
        }
    }

    /// <summary>Calls a C function pointer with integer arguments (atexit handlers and the like).</summary>
    private long CallAddress(long fn, long[] args)
    {
        int id = _thunks!.IdOf(fn);
        if (id >= 0)
        {
            long* a = _vtop;
            for (int i = 0; i < args.Length; i++)
            {
                a[i] = args[i];
            }

            _vtop = a + args.Length;
            long result = Invoke(_functions[id], a, 0, 0, 0);
            _vtop = a;
            return result;
        }

        CallBlock* b = _callBlock;
        b->Function = fn;
        b->StackCount = 0;
        b->SseCount = 0;
        for (int i = 0; i < args.Length && i < 6; i++)
        {
            b->Gp[i] = args[i];
        }

        CallBridge.Invoke(b);
        return b->Rax;
    }

    // ---- intrinsics ---------------------------------------------------------------------------------

    private void CallIntrinsic(DFunc f, CallSite s, long* r, int pc)
    {
        switch (s.Intrinsic)
        {
            case Intrinsic.Longjmp:
            {
                long* buf = (long*)r[s.Args[0]];
                long value = s.Args.Length > 1 ? (int)r[s.Args[1]] : 1;
                if (buf == null || buf[0] != JmpMagic || !_jmps.TryGetValue(buf[1], out JmpRecord rec))
                {
                    throw Trap(f, pc, "longjmp with a jmp_buf that setjmp did not fill", 134);
                }

                throw new LongJumpException(rec.FrameId, rec.ResumePc, rec.Dest, value == 0 ? 1 : value, rec.Sp, rec.VTop, rec.Depth);
            }

            case Intrinsic.Exit:
            {
                int status = s.Args.Length > 0 ? (int)r[s.Args[0]] : 0;
                RunAtexitHandlers();
                FlushAll();
                throw new ProgramExitException(status & 0xFF);
            }

            case Intrinsic.Alloca:
            {
                // Freed when the calling function returns (Invoke restores the C stack pointer).
                long size = (r[s.Args[0]] + 15) & ~15L;
                byte* p = _sp - size;
                if (size < 0 || p < _stackLow)
                {
                    throw Trap(f, pc, "stack overflow (alloca)", 139);
                }

                _sp = p;
                if (s.Dest >= 0)
                {
                    r[s.Dest] = (long)p;
                }

                return;
            }

            case Intrinsic.Atexit:
                _atexit.Add(r[s.Args[0]]);
                if (s.Dest >= 0)
                {
                    r[s.Dest] = 0;
                }

                return;
            default:
                throw Trap(f, pc, $"internal error: bad intrinsic {s.Intrinsic}", 134);
        }
    }

    private void DoSetjmp(DFunc f, CallSite s, long* r, long frameId, int pc)
    {
        long* buf = (long*)r[s.Args[0]];
        if (buf == null)
        {
            throw Trap(f, pc, "setjmp with a null jmp_buf", 139);
        }

        var rec = new JmpRecord(frameId, pc + 1, s.Dest, (long)_sp, (long)_vtop, _depth);
        long token;
        if (buf[0] == JmpMagic && _jmps.TryGetValue(buf[1], out JmpRecord old) && old.FrameId == frameId && old.ResumePc == pc + 1)
        {
            token = buf[1];
        }
        else
        {
            token = ++_nextJmpToken;
        }

        _jmps[token] = rec;
        buf[0] = JmpMagic;
        buf[1] = token;
        if (s.Dest >= 0)
        {
            r[s.Dest] = 0;
        }
    }

    // ---- varargs ------------------------------------------------------------------------------------

    private void DoVaStart(DFunc f, byte* va, long vaRsa, long vaOverflow, int pc)
    {
        if (vaRsa == 0)
        {
            throw Trap(f, pc, "va_start in a function that did not receive variadic arguments", 134);
        }

        CallPlan plan = f.EntryPlan;
        *(uint*)va = (uint)(plan.GpUsed * 8);
        *(uint*)(va + 4) = (uint)(48 + plan.SseUsed * 16);
        *(long*)(va + 8) = vaOverflow + plan.StackBytes;
        *(long*)(va + 16) = vaRsa;
    }

    private static long DoVaArg(DInstr* ip, long* r, byte* fb)
    {
        byte* va = (byte*)r[ip->A];
        uint* gpo = (uint*)va;
        uint* fpo = (uint*)(va + 4);
        long* ovf = (long*)(va + 8);
        byte* rsa = *(byte**)(va + 16);
        long addr;
        switch (ip->Aux)
        {
            case 0:
                if (*gpo <= 40)
                {
                    addr = (long)(rsa + *gpo);
                    *gpo += 8;
                }
                else
                {
                    addr = *ovf;
                    *ovf += 8;
                }

                return addr;
            case 1:
                if (*fpo <= 160)
                {
                    addr = (long)(rsa + *fpo);
                    *fpo += 16;
                }
                else
                {
                    addr = *ovf;
                    *ovf += 8;
                }

                return addr;
            case 3:
            {
                bool loSse = (ip->T2 & 1) != 0;
                bool hiSse = (ip->T2 & 2) != 0;
                int ngp = (loSse ? 0 : 1) + (hiSse ? 0 : 1);
                int nsse = 2 - ngp;
                if (*gpo <= 48 - 8 * ngp && *fpo <= 176 - 16 * nsse)
                {
                    byte* tmp = fb + ip->T1;
                    for (int e = 0; e < 2; e++)
                    {
                        bool sse = e == 0 ? loSse : hiSse;
                        if (sse)
                        {
                            *(long*)(tmp + 8 * e) = *(long*)(rsa + *fpo);
                            *fpo += 16;
                        }
                        else
                        {
                            *(long*)(tmp + 8 * e) = *(long*)(rsa + *gpo);
                            *gpo += 8;
                        }
                    }

                    return (long)tmp;
                }

                goto default;
            }

            default:
            {
                long align = ip->T2 > 8 ? 16 : 8;
                addr = (*ovf + align - 1) & -align;
                *ovf = addr + ((ip->Imm + 7) & ~7L);
                return addr;
            }
        }
    }

    // ---- entry from native code ---------------------------------------------------------------------

    [UnmanagedCallersOnly]
    private static void DispatchFromNative(int id, byte* block)
    {
        Interpreter? it = s_active;
        if (it is null)
        {
            Console.Error.WriteLine("lantern: an interpreted function was called after the program ended, or on another thread (threads are not supported by the interpreter)");
            NativeExit(134, immediate: true);
            return;
        }

        if (Environment.CurrentManagedThreadId != it._threadId)
        {
            it.Fatal("an interpreted function was called on another thread (threads are not supported by the interpreter)", 134);
            NativeExit(134, immediate: true);
            return;
        }

        Exception? pending;
        try
        {
            it.EnterFromNative(id, block);
            pending = it._pending;
        }
        catch (Exception e)
        {
            pending = e;
        }

        if (pending is null)
        {
            return;
        }

        if (it._debugTarget is not null)
        {
            // Under the debugger the process must survive: the target reports the end and parks this thread for good.
            it.DebugEndInsideCallback(pending);
            return;
        }

        // Native frames are on the stack: a non-local exit cannot unwind them, so it ends the process here.
        switch (pending)
        {
            case ProgramExitException e:
                // exit() inside a callback from native code: atexit handlers already ran.
                NativeExit(e.Status, immediate: false);
                break;
            case InterpreterTrapException e:
                it.FlushAll();
                it.Fatal(e.Message, e.ExitStatus);
                NativeExit(e.ExitStatus, immediate: true);
                break;
            case LongJumpException:
                it.FlushAll();
                it.Fatal("longjmp out of a function called from native code (e.g. a qsort comparator) is not supported", 134);
                NativeExit(134, immediate: true);
                break;
            default:
                it.Fatal("internal error: " + pending, 134);
                NativeExit(134, immediate: true);
                break;
        }
    }

    private static void NativeExit(int status, bool immediate)
    {
        nint fn = SymbolResolver.Resolve(immediate ? "_exit" : "exit");
        ((delegate* unmanaged<int, void>)fn)(status);
    }

    private void EnterFromNative(int id, byte* block)
    {
        DFunc f = _functions[id];
        CallPlan plan = f.EntryPlan;
        byte* stackArgs = *(byte**)(block + EntryBlock.StackArgsOffset);
        long* gp = (long*)block;
        byte* savedSp = _sp;
        long* a = _vtop;
        ArgLoc[] locs = plan.Args;
        for (int i = 0; i < locs.Length; i++)
        {
            ref ArgLoc loc = ref locs[i];
            long v;
            switch (loc.Kind)
            {
                case ArgLocKind.Gp:
                    v = gp[loc.Reg];
                    break;
                case ArgLocKind.Sse:
                    v = *(long*)(block + EntryBlock.XmmOffset + 16 * loc.Reg);
                    break;
                case ArgLocKind.Stack:
                    v = *(long*)(stackArgs + loc.StackOffset);
                    break;
                case ArgLocKind.AggRegs:
                {
                    _sp = (byte*)(((long)_sp - 16) & ~15L);
                    long lo = loc.Lo == ArgClass.Sse ? *(long*)(block + EntryBlock.XmmOffset + 16 * loc.Reg) : gp[loc.Reg];
                    *(long*)_sp = lo;
                    if (loc.Size > 8)
                    {
                        *(long*)(_sp + 8) = loc.Hi == ArgClass.Sse ? *(long*)(block + EntryBlock.XmmOffset + 16 * loc.Reg2) : gp[loc.Reg2];
                    }

                    v = (long)_sp;
                    break;
                }

                default:
                    v = (long)(stackArgs + loc.StackOffset);
                    break;
            }

            if (loc.Kind is ArgLocKind.Gp or ArgLocKind.Sse or ArgLocKind.Stack)
            {
                v = ScalarFromRegisters(loc.Type, v, v);
            }

            a[i] = v;
        }

        _vtop = a + locs.Length;
        long retPtr = 0;
        AggregateInfo? retAgg = plan.Return.Aggregate;
        if (plan.HiddenReturn)
        {
            retPtr = gp[0];
        }
        else if (retAgg is not null)
        {
            _sp = (byte*)(((long)_sp - 16) & ~15L);
            retPtr = (long)_sp;
        }

        long result = Invoke(f, a, retPtr, f.IsVariadic ? (long)block : 0, (long)stackArgs);
        _vtop = a;
        _sp = savedSp;

        long* ret = (long*)(block + EntryBlock.RaxOffset);
        if (plan.HiddenReturn)
        {
            ret[0] = retPtr;
        }
        else if (retAgg is not null)
        {
            byte* p = (byte*)retPtr;
            long lo = ReadPartial(p, Math.Min(8, retAgg.Size));
            long hi = retAgg.Size > 8 ? ReadPartial(p + 8, retAgg.Size - 8) : 0;
            // rax, rdx, xmm0, xmm1 are consecutive in the block.
            int nextGp = 0;
            int nextSse = 2;
            ret[retAgg.Lo == ArgClass.Sse ? nextSse++ : nextGp++] = lo;
            if (retAgg.Size > 8)
            {
                ret[retAgg.Hi == ArgClass.Sse ? nextSse : nextGp] = hi;
            }
        }
        else
        {
            ret[0] = result;
            ret[2] = result;
        }
    }
}
