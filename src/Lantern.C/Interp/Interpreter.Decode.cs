using System.Runtime.InteropServices;
using Lantern.C.Abi;
using Lantern.C.Diagnostics;
using Lantern.C.Ir;

namespace Lantern.C.Interp;

public sealed unsafe partial class Interpreter
{
    private static int Shift(IrType t) => t.IsInt() ? 64 - 8 * t.SizeOf() : 0;

    private static bool IsIntrinsicName(string name, out Intrinsic intrinsic)
    {
        intrinsic = name switch
        {
            "setjmp" or "_setjmp" or "__sigsetjmp" or "sigsetjmp" or "__builtin_setjmp" => Intrinsic.Setjmp,
            "longjmp" or "_longjmp" or "siglongjmp" or "__builtin_longjmp" or "__longjmp_chk" => Intrinsic.Longjmp,
            "exit" => Intrinsic.Exit,
            "atexit" => Intrinsic.Atexit,
            "alloca" or "__builtin_alloca" => Intrinsic.Alloca,
            _ => Intrinsic.None,
        };
        return intrinsic != Intrinsic.None;
    }

    /// <summary>Lays out the frame and decodes the instructions of <paramref name="df"/>.</summary>
    private void Decode(DFunc df)
    {
        IrFunction f = df.Ir;
        df.NumVRegs = f.VRegTypes.Count;
        df.IsVariadic = f.Signature.IsVariadic;
        df.ReturnPtrVReg = f.ReturnPointerVReg;
        df.EntryPlan = SysVAbi.PlanCall(f.Signature.Return, f.Signature.Parameters);

        // Frame layout: slots at increasing offsets from the (aligned) frame base.
        int off = 0;
        int maxAlign = 16;
        df.SlotOffsets = new int[f.Slots.Count];
        foreach (IrSlot s in f.Slots)
        {
            int align = Math.Max(1, s.Align);
            off = (off + align - 1) & ~(align - 1);
            df.SlotOffsets[s.Id] = off;
            off += Math.Max(0, s.Size);
            maxAlign = Math.Max(maxAlign, align);
        }

        var code = new List<DInstr>();
        var locs = new List<SourceLocation>();
        var calls = new List<CallSite>();
        var switches = new List<(Instr Ir, int Index)>();
        var blockStart = new int[f.Blocks.Count];
        SourceLocation cur = f.Location;
        IrType TypeOf(int v) => v >= 0 && v < f.VRegTypes.Count ? f.VRegTypes[v] : IrType.Void;

        // Operand folding: a vreg defined exactly once by an integer Const, SlotAddr or SymAddr is a constant;
        // its uses can read the constant directly, and the defining instruction disappears when every use folded.
        int nv = f.VRegTypes.Count;
        var defCount = new int[nv];
        var useCount = new int[nv];
        var folded = new int[nv];
        var constKind = new byte[nv]; // 1 = integer constant, 2 = slot offset
        var constVal = new long[nv];
        void Use(int v)
        {
            if (v >= 0 && v < nv)
            {
                useCount[v]++;
            }
        }

        if (f.ReturnPointerVReg >= 0 && f.ReturnPointerVReg < nv)
        {
            defCount[f.ReturnPointerVReg]++;
        }

        foreach (IrBlock block in f.Blocks)
        {
            foreach (Instr i in block.Instrs)
            {
                if (i.Op == Opcode.Stmt)
                {
                    continue;
                }

                if (i.Dest >= 0 && i.Dest < nv)
                {
                    defCount[i.Dest]++;
                    switch (i.Op)
                    {
                        case Opcode.Const when i.Type.IsInt():
                            constKind[i.Dest] = 1;
                            constVal[i.Dest] = (i.Imm << Shift(i.Type)) >> Shift(i.Type);
                            break;
                        case Opcode.SymAddr:
                            constKind[i.Dest] = 1;
                            constVal[i.Dest] = AddressOfSymbol(i.Symbol!) + i.Imm;
                            break;
                        case Opcode.SlotAddr:
                            constKind[i.Dest] = 2;
                            constVal[i.Dest] = df.SlotOffsets[(int)i.Imm];
                            break;
                    }
                }

                for (int k = 0; k < i.OperandCount; k++)
                {
                    Use(i.Operand(k));
                }
            }
        }

        bool IsConst(int v, byte kind, out long value)
        {
            if (v >= 0 && v < nv && defCount[v] == 1 && constKind[v] == kind)
            {
                value = constVal[v];
                folded[v]++;
                return true;
            }

            value = 0;
            return false;
        }

        bool IsIntConst(int v, out long value) => IsConst(v, 1, out value);
        bool IsSlot(int v, out long offset) => IsConst(v, 2, out offset);
        var removable = new List<int>(); // per emitted instruction: the folded-constant vreg it defines, or -1
        int blockFirst = 0;

        if (_debugTarget is not null)
        {
            // the Entry site: after the parameters are in their slots, before the first statement
            removable.Add(-1);
            code.Add(new DInstr { Op = DOp.DbgEntry, D = -1, A = -1, B = -1 });
            locs.Add(f.Location);
        }

        foreach (IrBlock block in f.Blocks)
        {
            blockStart[block.Id] = code.Count;
            blockFirst = code.Count;
            List<Instr> instrs = block.Instrs;
            for (int k = 0; k < instrs.Count; k++)
            {
                Instr i = instrs[k];
                if (i.Op == Opcode.Stmt)
                {
                    cur = i.Location;
                    if (_debugTarget is not null && code.Count > 0 && code[^1].Op == DOp.DbgStmt)
                    {
                        // several markers at one position (empty statements, labels): one site, the last marker's row
                        DInstr last = code[^1];
                        last.T1 = (int)i.Imm;
                        code[^1] = last;
                        locs[^1] = cur;
                    }
                    else if (_debugTarget is not null)
                    {
                        // a Statement site (T1 = the IR scope of the statement)
                        removable.Add(-1);
                        code.Add(new DInstr { Op = DOp.DbgStmt, D = -1, A = -1, B = -1, T1 = (int)i.Imm });
                        locs.Add(cur);
                    }

                    continue;
                }

                if (i.Op == Opcode.Ret && _debugTarget is not null)
                {
                    // the Return site, with the returned value's vreg (a struct's: the return buffer's address, as rax holds it)
                    removable.Add(-1);
                    code.Add(new DInstr { Op = DOp.DbgReturn, D = -1, A = i.A >= 0 ? i.A : f.ReturnPointerVReg, B = -1 });
                    locs.Add(i.Location.IsNone ? cur : i.Location);
                }

                var d = new DInstr { D = i.Dest, A = i.A, B = i.B, T1 = i.Target, T2 = i.Target2, Imm = i.Imm, Sh = (byte)Shift(i.Type) };
                IrType t = i.Type;
                switch (i.Op)
                {
                    case Opcode.Const:
                        d.Op = DOp.Const;
                        d.Imm = t switch
                        {
                            IrType.F32 => (long)(uint)BitConverter.SingleToInt32Bits((float)BitConverter.Int64BitsToDouble(i.Imm)),
                            IrType.F64 => i.Imm,
                            _ => (i.Imm << d.Sh) >> d.Sh,
                        };
                        break;
                    case Opcode.Mov:
                        d.Op = DOp.Mov;
                        break;
                    case Opcode.SlotAddr:
                        d.Op = DOp.SlotAddr;
                        d.Imm = df.SlotOffsets[(int)i.Imm];
                        break;
                    case Opcode.SymAddr:
                        d.Op = DOp.Const;
                        d.Imm = AddressOfSymbol(i.Symbol!) + i.Imm;
                        break;
                    case Opcode.Load:
                        if (IsSlot(i.A, out long loff))
                        {
                            d.Imm = loff;
                            d.Op = t switch
                            {
                                IrType.I8 => DOp.LoadSlotI8,
                                IrType.I16 => DOp.LoadSlotI16,
                                IrType.I32 => DOp.LoadSlotI32,
                                IrType.F32 => DOp.LoadSlotU32,
                                _ => DOp.LoadSlotI64,
                            };
                            break;
                        }

                        d.Op = t switch
                        {
                            IrType.I8 => DOp.LoadI8,
                            IrType.I16 => DOp.LoadI16,
                            IrType.I32 => DOp.LoadI32,
                            IrType.F32 => DOp.LoadU32,
                            _ => DOp.LoadI64,
                        };
                        break;
                    case Opcode.Store:
                    {
                        int sizeIndex = t.SizeOf() switch
                        {
                            1 => 0,
                            2 => 1,
                            4 => 2,
                            _ => 3,
                        };
                        bool slot = IsSlot(i.A, out long soff);
                        bool imm = t.IsInt() && IsIntConst(i.B, out d.Imm);
                        if (slot && imm)
                        {
                            d.Op = (DOp)((int)DOp.StoreSlotImmI8 + sizeIndex);
                            d.T1 = (int)soff;
                        }
                        else if (slot)
                        {
                            d.Op = (DOp)((int)DOp.StoreSlotI8 + sizeIndex);
                            d.Imm = soff;
                        }
                        else if (imm)
                        {
                            d.Op = (DOp)((int)DOp.StoreImmI8 + sizeIndex);
                        }
                        else
                        {
                            d.Op = (DOp)((int)DOp.StoreI8 + sizeIndex);
                        }

                        break;
                    }

                    case Opcode.Copy:
                        d.Op = DOp.Copy;
                        break;
                    case Opcode.Zero:
                        d.Op = DOp.Zero;
                        break;
                    case Opcode.Alloca:
                        d.Op = DOp.Alloca;
                        d.Imm = Math.Max(16, i.Imm);
                        break;
                    case Opcode.Add or Opcode.Sub or Opcode.Mul when t is IrType.I32 or IrType.I64:
                    {
                        long c;
                        bool imm = IsIntConst(i.B, out c);
                        if (!imm && i.Op != Opcode.Sub && IsIntConst(i.A, out c))
                        {
                            imm = true;
                            d.A = i.B;
                        }

                        if (imm)
                        {
                            bool is64 = t == IrType.I64;
                            if (i.Op == Opcode.Mul)
                            {
                                d.Op = is64 ? DOp.MulImm64 : DOp.MulImm32;
                                d.Imm = c;
                                if (c == 1)
                                {
                                    d.Op = DOp.Mov;
                                }
                            }
                            else
                            {
                                d.Op = is64 ? DOp.AddImm64 : DOp.AddImm32;
                                d.Imm = i.Op == Opcode.Sub ? -c : c;
                                if (d.Imm == 0)
                                {
                                    d.Op = DOp.Mov;
                                }
                            }

                            break;
                        }

                        d.Op = i.Op switch
                        {
                            Opcode.Add => t == IrType.I64 ? DOp.Add64 : DOp.Add32,
                            Opcode.Sub => t == IrType.I64 ? DOp.Sub64 : DOp.Sub32,
                            _ => t == IrType.I64 ? DOp.Mul64 : DOp.Mul32,
                        };
                        break;
                    }

                    case Opcode.Add: d.Op = DOp.Add; break;
                    case Opcode.Sub: d.Op = DOp.Sub; break;
                    case Opcode.Mul: d.Op = DOp.Mul; break;
                    case Opcode.SDiv: d.Op = DOp.SDiv; break;
                    case Opcode.UDiv: d.Op = DOp.UDiv; break;
                    case Opcode.SRem: d.Op = DOp.SRem; break;
                    case Opcode.URem: d.Op = DOp.URem; break;
                    case Opcode.And: d.Op = DOp.And; break;
                    case Opcode.Or: d.Op = DOp.Or; break;
                    case Opcode.Xor: d.Op = DOp.Xor; break;
                    case Opcode.Shl: d.Op = DOp.Shl; break;
                    case Opcode.LShr: d.Op = DOp.LShr; break;
                    case Opcode.AShr: d.Op = DOp.AShr; break;
                    case Opcode.Neg: d.Op = DOp.Neg; break;
                    case Opcode.Not: d.Op = DOp.Not; break;
                    case Opcode.FAdd: d.Op = t == IrType.F32 ? DOp.FAdd32 : DOp.FAdd64; break;
                    case Opcode.FSub: d.Op = t == IrType.F32 ? DOp.FSub32 : DOp.FSub64; break;
                    case Opcode.FMul: d.Op = t == IrType.F32 ? DOp.FMul32 : DOp.FMul64; break;
                    case Opcode.FDiv: d.Op = t == IrType.F32 ? DOp.FDiv32 : DOp.FDiv64; break;
                    case Opcode.FNeg: d.Op = t == IrType.F32 ? DOp.FNeg32 : DOp.FNeg64; break;
                    case >= Opcode.Eq and <= Opcode.UGe:
                        d.Op = DOp.Eq + (i.Op - Opcode.Eq);
                        if (k + 1 < instrs.Count && instrs[k + 1].Op == Opcode.Branch && instrs[k + 1].A == i.Dest && i.Dest >= 0)
                        {
                            // Fuse with the branch that tests the result.
                            d.Op = IsIntConst(i.B, out d.Imm) ? DOp.BrEqImm + (i.Op - Opcode.Eq) : DOp.BrEq + (i.Op - Opcode.Eq);
                            d.T1 = instrs[k + 1].Target;
                            d.T2 = instrs[k + 1].Target2;
                            k++;
                        }

                        break;
                    case >= Opcode.FEq and <= Opcode.FGe:
                        d.Op = (t == IrType.F32 ? DOp.FEq32 : DOp.FEq64) + (i.Op - Opcode.FEq);
                        break;
                    case Opcode.SExt:
                        // The source is canonical (sign-extended) already.
                        d.Op = DOp.Mov;
                        break;
                    case Opcode.ZExt:
                        d.Op = DOp.ZExt;
                        d.Sh = (byte)Shift(TypeOf(i.A));
                        break;
                    case Opcode.Trunc:
                        d.Op = DOp.Trunc;
                        break;
                    case Opcode.SIToFP:
                        d.Op = t == IrType.F32 ? DOp.SIToF32 : DOp.SIToF64;
                        break;
                    case Opcode.UIToFP:
                        d.Op = t == IrType.F32 ? DOp.UIToF32 : DOp.UIToF64;
                        d.Sh = (byte)Shift(TypeOf(i.A));
                        break;
                    case Opcode.FPToSI:
                        d.Op = TypeOf(i.A) == IrType.F32
                            ? (t == IrType.I64 ? DOp.F32ToSI64 : DOp.F32ToSI32)
                            : (t == IrType.I64 ? DOp.F64ToSI64 : DOp.F64ToSI32);
                        break;
                    case Opcode.FPToUI:
                        // gcc: 64-bit cvttsd2si for unsigned int, 32-bit for unsigned char/short, the 2^63 dance for unsigned long.
                        if (t == IrType.I64)
                        {
                            d.Op = TypeOf(i.A) == IrType.F32 ? DOp.F32ToUI64 : DOp.F64ToUI64;
                        }
                        else if (t == IrType.I32)
                        {
                            d.Op = TypeOf(i.A) == IrType.F32 ? DOp.F32ToUI32 : DOp.F64ToUI32;
                        }
                        else
                        {
                            d.Op = TypeOf(i.A) == IrType.F32 ? DOp.F32ToSI32 : DOp.F64ToSI32;
                        }

                        break;
                    case Opcode.FPExt:
                        d.Op = DOp.FPExt;
                        break;
                    case Opcode.FPTrunc:
                        d.Op = DOp.FPTrunc;
                        break;
                    case Opcode.Call:
                    {
                        CallSite site = DecodeCall(i, f);
                        d.Op = site.Intrinsic == Intrinsic.Setjmp ? DOp.Setjmp : DOp.Call;
                        if (site.Intrinsic == Intrinsic.Setjmp)
                        {
                            df.UsesSetjmp = true;
                        }

                        d.Imm = calls.Count;
                        calls.Add(site);
                        break;
                    }

                    case Opcode.VaStart:
                        d.Op = DOp.VaStart;
                        break;
                    case Opcode.VaArg:
                    {
                        d.Op = DOp.VaArg;
                        d.Imm = i.Imm;
                        AggregateInfo? agg = i.Aggregate;
                        if (agg is not null && !agg.IsMemory && agg.Size > 8 && agg.Size <= 16)
                        {
                            // Two eightbytes in registers: a 16-byte temporary in the frame receives the copy.
                            d.Aux = 3;
                            d.T2 = (agg.Lo == ArgClass.Sse ? 1 : 0) | (agg.Hi == ArgClass.Sse ? 2 : 0);
                            off = (off + 15) & ~15;
                            d.T1 = off;
                            off += 16;
                        }
                        else if (agg is not null && (agg.IsMemory || agg.Size > 16))
                        {
                            d.Aux = 2;
                            d.T2 = agg.Align;
                        }
                        else
                        {
                            d.Aux = i.ArgClass switch
                            {
                                ArgClass.Integer => (byte)0,
                                ArgClass.Sse => (byte)1,
                                _ => (byte)2,
                            };
                            d.T2 = 8;
                        }

                        break;
                    }

                    case Opcode.Jump:
                        if (i.Target == block.Id + 1)
                        {
                            // Falls through to the next block, which is decoded right after this one.
                            continue;
                        }

                        d.Op = DOp.Jump;
                        break;
                    case Opcode.Branch:
                        d.Op = DOp.Branch;
                        break;
                    case Opcode.Switch:
                        d.Op = DOp.Switch;
                        d.Imm = switches.Count;
                        switches.Add((i, 0));
                        break;
                    case Opcode.Ret:
                        d.Op = i.A >= 0 ? DOp.Ret : DOp.RetVoid;
                        break;
                    case Opcode.Unreachable:
                        d.Op = DOp.Unreachable;
                        break;
                    case Opcode.Trap:
                        d.Op = DOp.Trap;
                        break;
                    default:
                        throw new InvalidOperationException($"interpreter: unknown opcode {i.Op}");
                }

                if (d.Op == DOp.Mov && d.A >= 0 && d.A < nv && useCount[d.A] == 1 && defCount[d.A] == 1)
                {
                    // Retarget the producer of a single-use value instead of copying it (sext of a canonical value
                    // is a copy), looking past constant definitions that are about to disappear.
                    int p = code.Count - 1;
                    while (p >= blockFirst && removable[p] >= 0 && folded[removable[p]] == useCount[removable[p]] && defCount[removable[p]] == 1)
                    {
                        p--;
                    }

                    if (p >= blockFirst && code[p].D == d.A && code[p].Op is not (DOp.Call or DOp.Setjmp or DOp.VaArg)
                        && code[p].Op is not (>= DOp.StoreIdxI8 and <= DOp.StoreIdxI64))
                    {
                        DInstr prev = code[p];
                        prev.D = d.D;
                        code[p] = prev;
                        removable[p] = -1;
                        continue;
                    }
                }

                if (d.Op is (>= DOp.LoadI8 and <= DOp.LoadU32) or (>= DOp.StoreI8 and <= DOp.StoreI64)
                    && d.A >= 0 && d.A < nv && useCount[d.A] == 1 && defCount[d.A] == 1)
                {
                    // Fold the address computation (base + offset, base + index) into the access.
                    int p = code.Count - 1;
                    while (p >= blockFirst && removable[p] >= 0 && folded[removable[p]] == useCount[removable[p]] && defCount[removable[p]] == 1)
                    {
                        p--;
                    }

                    if (p >= blockFirst && code[p].D == d.A && code[p].Op is DOp.AddImm64 or DOp.Add64)
                    {
                        DInstr a = code[p];
                        bool clobbered = false;
                        for (int q = p + 1; q < code.Count; q++)
                        {
                            clobbered |= code[q].D == a.A || (a.Op == DOp.Add64 && code[q].D == a.B);
                        }

                        if (!clobbered)
                        {
                            bool load = d.Op <= DOp.LoadU32;
                            int kind = load ? d.Op - DOp.LoadI8 : d.Op - DOp.StoreI8;
                            if (a.Op == DOp.AddImm64)
                            {
                                d.Op = (DOp)((int)(load ? DOp.LoadOffI8 : DOp.StoreOffI8) + kind);
                                d.Imm = a.Imm;
                            }
                            else if (load)
                            {
                                d.Op = (DOp)((int)DOp.LoadIdxI8 + kind);
                                d.B = a.B;
                            }
                            else
                            {
                                d.Op = (DOp)((int)DOp.StoreIdxI8 + kind);
                                d.D = a.B;
                            }

                            d.A = a.A;
                            code.RemoveAt(p);
                            removable.RemoveAt(p);
                            locs.RemoveAt(p);
                        }
                    }
                }

                removable.Add(i.Op is Opcode.Const or Opcode.SlotAddr or Opcode.SymAddr ? i.Dest : -1);
                code.Add(d);
                locs.Add(i.Location.IsNone ? cur : i.Location);
            }
        }

        // Drop constant definitions whose every use was folded; remap block starts.
        var newIndex = new int[code.Count + 1];
        var kept = new List<DInstr>(code.Count);
        var keptLocs = new List<SourceLocation>(code.Count);
        for (int k = 0; k < code.Count; k++)
        {
            newIndex[k] = kept.Count;
            int v = removable[k];
            if (v >= 0 && v < nv && defCount[v] == 1 && folded[v] == useCount[v] && code[k].D == v)
            {
                continue;
            }

            if (code[k].Op == DOp.DbgStmt && kept.Count > 0 && kept[^1].Op == DOp.DbgStmt)
            {
                // no code left between two statement markers (a statement that was only a constant): one site, the
                // last marker's row, as in JIT code; a jump to this position lands after the site, as there
                DInstr last = kept[^1];
                last.T1 = code[k].T1;
                kept[^1] = last;
                keptLocs[^1] = locs[k];
                continue;
            }

            kept.Add(code[k]);
            keptLocs.Add(locs[k]);
        }

        newIndex[code.Count] = kept.Count;
        for (int b = 0; b < blockStart.Length; b++)
        {
            blockStart[b] = newIndex[blockStart[b]];
        }

        code = kept;
        locs = keptLocs;

        // Resolve block ids to instruction indices, threading jumps to jumps.
        var arr = code.ToArray();
        int Thread(int target)
        {
            for (int hops = 0; hops < 8 && arr[target].Op == DOp.Jump; hops++)
            {
                target = blockStart[arr[target].T1];
            }

            return target;
        }

        for (int b = 0; b < blockStart.Length; b++)
        {
            if (blockStart[b] < arr.Length)
            {
                blockStart[b] = Thread(blockStart[b]);
            }
        }

        for (int k = 0; k < arr.Length; k++)
        {
            ref DInstr d = ref arr[k];
            if (d.Op is DOp.Jump or DOp.Branch || (d.Op >= DOp.BrEq && d.Op <= DOp.BrUGeImm))
            {
                d.T1 = blockStart[d.T1];
                if (d.Op != DOp.Jump)
                {
                    d.T2 = blockStart[d.T2];
                }
            }
        }

        var tables = new SwitchTable[switches.Count];
        for (int s = 0; s < switches.Count; s++)
        {
            Instr si = switches[s].Ir;
            int sh = Shift(si.Type);
            var cases = (si.Cases ?? Array.Empty<(long, int)>())
                .Select(c => (Value: (c.Value << sh) >> sh, Block: c.Block))
                .GroupBy(c => c.Value).Select(g => g.First())
                .OrderBy(c => c.Value).ToArray();
            var table = new SwitchTable
            {
                Values = cases.Select(c => c.Value).ToArray(),
                Targets = cases.Select(c => blockStart[c.Block]).ToArray(),
                Default = blockStart[si.Target],
            };
            if (cases.Length > 0)
            {
                long min = cases[0].Value;
                long max = cases[^1].Value;
                ulong span = (ulong)(max - min);
                if (span < 4096 && span <= (ulong)cases.Length * 4)
                {
                    table.Min = min;
                    table.Jump = new int[span + 1];
                    Array.Fill(table.Jump, table.Default);
                    foreach (var c in cases)
                    {
                        table.Jump[c.Value - min] = blockStart[c.Block];
                    }
                }
            }

            tables[s] = table;
        }

        df.FrameSize = (off + 15) & ~15;
        df.FrameAlign = maxAlign;
        df.CodeLength = arr.Length;
        df.Code = (DInstr*)NativeMemory.Alloc((nuint)Math.Max(1, arr.Length), (nuint)sizeof(DInstr));
        arr.AsSpan().CopyTo(new Span<DInstr>(df.Code, arr.Length));
        df.Locs = locs.ToArray();
        df.Calls = calls.ToArray();
        df.Switches = tables;

        df.Params = new ParamInfo[f.ParamSlots.Count];
        for (int p = 0; p < f.ParamSlots.Count; p++)
        {
            IrParamType pt = p < f.Signature.Parameters.Count ? f.Signature.Parameters[p] : new IrParamType(IrType.I64);
            int slot = f.ParamSlots[p];
            df.Params[p] = new ParamInfo
            {
                SlotOffset = df.SlotOffsets[slot],
                Size = pt.Aggregate?.Size ?? pt.Type.SizeOf(),
                Type = pt.Type,
                IsAggregate = pt.IsAggregate,
            };
        }

        df.ArgCount = Math.Max(f.ParamSlots.Count, 0);
    }

    private CallSite DecodeCall(Instr i, IrFunction caller)
    {
        int[] args = i.Args ?? Array.Empty<int>();
        IrParamType[] argTypes = i.ArgTypes ?? args.Select(a => new IrParamType(caller.VRegTypes[a])).ToArray();
        IrSignature sig = i.Signature ?? new IrSignature(new IrParamType(i.Type), argTypes, false);
        var site = new CallSite
        {
            Args = args,
            ArgTypes = argTypes,
            Signature = sig,
            Dest = i.Dest,
            DestType = i.Dest >= 0 ? caller.VRegTypes[i.Dest] : IrType.Void,
            RetAddrVReg = i.B,
            Symbol = i.Symbol,
            Plan = SysVAbi.PlanCall(sig.Return, argTypes),
        };
        if (i.Symbol is null)
        {
            site.Kind = CallKind.Indirect;
            site.FnVReg = i.A;
        }
        else if (_functionsByName.TryGetValue(i.Symbol, out DFunc? target))
        {
            site.Kind = CallKind.Interp;
            site.Target = target;
        }
        else if (IsIntrinsicName(i.Symbol, out Intrinsic intrinsic))
        {
            site.Kind = CallKind.Intrinsic;
            site.Intrinsic = intrinsic;
        }
        else
        {
            site.Kind = CallKind.Native;
            site.NativeAddress = AddressOfSymbol(i.Symbol);
        }

        return site;
    }
}

public sealed unsafe partial class Interpreter
{
    /// <summary>The decoded form of function <paramref name="name"/>, one instruction a line (for debugging the interpreter).</summary>
    public string DumpDecoded(string name)
    {
        if (!Load() || !_functionsByName.TryGetValue(name, out DFunc? f))
        {
            return "";
        }

        var sb = new System.Text.StringBuilder();
        for (int k = 0; k < f.CodeLength; k++)
        {
            DInstr d = f.Code[k];
            sb.Append($"{k,4}: {d.Op,-14} d={d.D} a={d.A} b={d.B} imm={d.Imm} t={d.T1},{d.T2} sh={d.Sh}\n");
        }

        return sb.ToString();
    }
}
