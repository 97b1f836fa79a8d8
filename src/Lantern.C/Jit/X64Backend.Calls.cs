// System V calls (the call sequence from the plan of Abi/SysVAbi) and variadic definitions (va_start, va_arg).

using Iced.Intel;
using Lantern.C.Abi;
using Lantern.X64;
using Lantern.C.Ir;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

public sealed partial class X64Backend
{
    // ---- calls ------------------------------------------------------------------------------------

    /// <summary>
    /// A System V call: scalar arguments in rdi..r9 / xmm0..7 then on the stack; aggregates in one or two
    /// registers per their classification when enough registers remain, otherwise copied onto the stack; a
    /// MEMORY-class return passes the destination as a hidden pointer in rdi; al = number of vector registers.
    /// </summary>
    private void EmitCall(Instr i)
    {
        IrSignature sig = i.Signature!;
        int[] args = i.Args!;
        IrParamType[] types = i.ArgTypes!;
        CallPlan plan = SysVAbi.PlanCall(sig.Return, types);
        ArgLoc[] locs = plan.Args;
        bool hidden = plan.HiddenReturn;
        int sseUsed = plan.SseUsed;
        int stackBytes = AlignUp(plan.StackBytes, 16);

        if (stackBytes > 0)
        {
            _a.sub(rsp, stackBytes);
        }

        // 1. stack arguments
        for (int k = 0; k < args.Length; k++)
        {
            if (locs[k].Kind == ArgLocKind.Stack)
            {
                LoadZx(Rax, args[k]);
                _a.mov(__qword_ptr[rsp + locs[k].StackOffset], rax);
            }
            else if (locs[k].Kind == ArgLocKind.AggStack)
            {
                _a.lea(r10, __[rsp + locs[k].StackOffset]);
                _a.mov(r11, Q(args[k]));
                EmitCopy(types[k].Aggregate!.Size);
            }
        }

        // 2. vector registers
        for (int k = 0; k < args.Length; k++)
        {
            if (locs[k].Kind == ArgLocKind.Sse)
            {
                AssemblerRegisterXMM x = s_argXmms[locs[k].Reg];
                if (types[k].Type == IrType.F32)
                {
                    _a.movss(x, D(args[k]));
                }
                else
                {
                    _a.movsd(x, Q(args[k]));
                }
            }
            else if (locs[k].Kind == ArgLocKind.AggRegs)
            {
                AggregateInfo agg = types[k].Aggregate!;
                if (agg.Lo == ArgClass.Sse || (agg.EightBytes == 2 && agg.Hi == ArgClass.Sse))
                {
                    _a.mov(r11, Q(args[k]));
                    if (agg.Lo == ArgClass.Sse)
                    {
                        LoadPartialXmm(s_argXmms[locs[k].Reg], r11, 0, Math.Min(8, agg.Size));
                    }

                    if (agg.EightBytes == 2 && agg.Hi == ArgClass.Sse)
                    {
                        LoadPartialXmm(s_argXmms[locs[k].Reg2], r11, 8, agg.Size - 8);
                    }
                }
            }
        }

        // 3. general-purpose registers (scratch: r10, r11, rax only)
        if (hidden)
        {
            _a.mov(rdi, Q(i.B));
        }

        for (int k = 0; k < args.Length; k++)
        {
            if (locs[k].Kind == ArgLocKind.Gp)
            {
                Gpr r = s_argGprs[locs[k].Reg];
                if (Forwarded(args[k], out Gpr src) && types[k].Type == T(args[k]))
                {
                    switch (types[k].Type)
                    {
                        case IrType.I8: _a.movsx(r.D, src.B); break;
                        case IrType.I16: _a.movsx(r.D, src.W); break;
                        case IrType.I32: _a.mov(r.D, src.D); break;
                        default: _a.mov(r.Q, src.Q); break;
                    }

                    Wrote(r, args[k]);
                }
                else
                {
                    Wrote(r, -1);
                    switch (types[k].Type)
                    {
                        case IrType.I8: _a.movsx(r.D, B(args[k])); break;
                        case IrType.I16: _a.movsx(r.D, W(args[k])); break;
                        case IrType.I32: _a.mov(r.D, D(args[k])); break;
                        default: _a.mov(r.Q, Q(args[k])); break;
                    }
                }
            }
            else if (locs[k].Kind == ArgLocKind.AggRegs)
            {
                AggregateInfo agg = types[k].Aggregate!;
                if (agg.Lo != ArgClass.Sse || (agg.EightBytes == 2 && agg.Hi != ArgClass.Sse))
                {
                    _a.mov(r11, Q(args[k]));
                    if (agg.Lo != ArgClass.Sse)
                    {
                        LoadPartial(s_argGprs[locs[k].Reg], r11, 0, Math.Min(8, agg.Size));
                    }

                    if (agg.EightBytes == 2 && agg.Hi != ArgClass.Sse)
                    {
                        LoadPartial(s_argGprs[locs[k].Reg2], r11, 8, agg.Size - 8);
                    }
                }
            }
        }

        // 4. the call itself; al = number of vector registers for variadic (or unprototyped) callees
        bool setAl = sig.IsVariadic || args.Length != sig.Parameters.Count;
        if (i.Symbol is not null)
        {
            nint cell = _symbols.GetFunctionCell(i.Symbol);
            if (IsRipReachable(cell))
            {
                if (setAl)
                {
                    _a.mov(eax, sseUsed);
                }

                _a.AddInstruction(Instruction.Create(Code.Call_rm64, new MemoryOperand(Register.RIP, (long)cell)));
            }
            else
            {
                _a.mov(r11, (long)cell);
                if (setAl)
                {
                    _a.mov(eax, sseUsed);
                }

                _a.call(__qword_ptr[r11]);
            }
        }
        else
        {
            _a.mov(r11, Q(i.A));
            if (setAl)
            {
                _a.mov(eax, sseUsed);
            }

            _a.call(r11);
        }

        if (stackBytes > 0)
        {
            _a.add(rsp, stackBytes);
        }

        // 5. the result
        if (SysVAbi.ReturnsAggregateInRegisters(sig.Return) && i.B >= 0)
        {
            AggregateInfo agg = sig.Return.Aggregate!;
            _a.mov(r11, Q(i.B));
            int gp = 0;
            int sse = 0;
            StoreReturnEightbyte(agg.Lo, 0, Math.Min(8, agg.Size), ref gp, ref sse);
            if (agg.EightBytes == 2)
            {
                StoreReturnEightbyte(agg.Hi, 8, agg.Size - 8, ref gp, ref sse);
            }
        }
        else if (i.Dest >= 0)
        {
            if (T(i.Dest).IsFloat())
            {
                StoreXmm(i.Dest, xmm0);
            }
            else
            {
                Store(i.Dest, Rax);
            }
        }
    }

    private void StoreReturnEightbyte(ArgClass cls, int off, int n, ref int gp, ref int sse)
    {
        if (cls == ArgClass.Sse)
        {
            StorePartialXmm(r11, off, sse++ == 0 ? xmm0 : xmm1, n);
        }
        else if (gp++ == 0)
        {
            // rax may be destroyed by an odd-size store; rdx is still needed, so copy rax to r10 first
            _a.mov(r10, rax);
            StorePartial(r11, off, R10, n);
        }
        else
        {
            StorePartial(r11, off, Rdx, n);
        }
    }

    // ---- varargs ----------------------------------------------------------------------------------

    private void EmitVaStart(Instr i)
    {
        // va_list: { u32 gp_offset; u32 fp_offset; void* overflow_arg_area; void* reg_save_area; }
        _a.mov(rax, Q(i.A));
        _a.mov(__dword_ptr[rax], _namedGp * 8);
        _a.mov(__dword_ptr[rax + 4], 48 + _namedSse * 16);
        _a.lea(rcx, __[rbp + 16 + _namedStack]);
        _a.mov(__qword_ptr[rax + 8], rcx);
        _a.lea(rcx, __[rbp - _saveAreaOff]);
        _a.mov(__qword_ptr[rax + 16], rcx);
    }

    private void EmitVaArg(Instr i)
    {
        AggregateInfo? agg = i.Aggregate;
        long size = i.Imm;
        _a.mov(rax, Q(i.A)); // rax = va_list*
        X64Label fromOverflow = _a.CreateLabel();
        X64Label done = _a.CreateLabel();

        bool memory = i.ArgClass == ArgClass.Memory || (agg is not null && agg.IsMemory);
        if (!memory && agg is not null && agg.EightBytes == 2)
        {
            int needGp = (agg.Lo != ArgClass.Sse ? 1 : 0) + (agg.Hi != ArgClass.Sse ? 1 : 0);
            int needSse = 2 - needGp;
            if (needGp > 0)
            {
                _a.cmp(__dword_ptr[rax], 48 - needGp * 8);
                _a.ja(fromOverflow);
            }

            if (needSse > 0)
            {
                _a.cmp(__dword_ptr[rax + 4], 176 - needSse * 16);
                _a.ja(fromOverflow);
            }

            // copy both eightbytes into the temporary
            int temp = _vaTemps[i];
            _a.lea(r10, __[rbp + temp]);
            CopyVaEightbyte(agg.Lo, 0);
            CopyVaEightbyte(agg.Hi, 8);
            _a.mov(Q(i.Dest), r10);
            _a.jmp(done);
        }
        else if (!memory)
        {
            bool sse = agg is not null ? agg.Lo == ArgClass.Sse : i.ArgClass == ArgClass.Sse;
            if (sse)
            {
                _a.mov(ecx, __dword_ptr[rax + 4]);
                _a.cmp(ecx, 176 - 16);
                _a.ja(fromOverflow);
                _a.lea(edx, __[rcx + 16]);
                _a.mov(__dword_ptr[rax + 4], edx);
            }
            else
            {
                _a.mov(ecx, __dword_ptr[rax]);
                _a.cmp(ecx, 48 - 8);
                _a.ja(fromOverflow);
                _a.lea(edx, __[rcx + 8]);
                _a.mov(__dword_ptr[rax], edx);
            }

            _a.add(rcx, __qword_ptr[rax + 16]);
            _a.mov(Q(i.Dest), rcx);
            _a.jmp(done);
        }

        Bind(ref fromOverflow);
        _a.mov(rcx, __qword_ptr[rax + 8]);
        if (agg is not null && agg.Align > 8)
        {
            _a.add(rcx, 15);
            _a.and(rcx, -16);
        }

        _a.mov(Q(i.Dest), rcx);
        _a.add(rcx, (int)AlignUp(Math.Max(size, 1), 8L));
        _a.mov(__qword_ptr[rax + 8], rcx);
        Bind(ref done);
    }

    /// <summary>Copies one eightbyte from the register save area (rax = va_list*) to [r10 + off] and advances the offset.</summary>
    private void CopyVaEightbyte(ArgClass cls, int off)
    {
        if (cls == ArgClass.Sse)
        {
            _a.mov(ecx, __dword_ptr[rax + 4]);
            _a.add(rcx, __qword_ptr[rax + 16]);
            _a.mov(rdx, __qword_ptr[rcx]);
            _a.mov(__qword_ptr[r10 + off], rdx);
            _a.add(__dword_ptr[rax + 4], 16);
        }
        else
        {
            _a.mov(ecx, __dword_ptr[rax]);
            _a.add(rcx, __qword_ptr[rax + 16]);
            _a.mov(rdx, __qword_ptr[rcx]);
            _a.mov(__qword_ptr[r10 + off], rdx);
            _a.add(__dword_ptr[rax], 8);
        }
    }
}
