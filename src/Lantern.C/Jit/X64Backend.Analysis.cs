// Analysis before emission: single-assignment facts (slot addresses, constants, folded addresses), temps and
// deferred stores, join values, jump threading.

using Iced.Intel;
using Lantern.X64;
using Lantern.C.Ir;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

public sealed partial class X64Backend
{
    /// <summary>
    /// Finds vregs assigned exactly once by a SlotAddr (a fixed rbp offset) or an integer Const, and which of them
    /// never need their frame home written (every use folds the address or the immediate into the instruction).
    /// </summary>
    private void AnalyzeVRegs()
    {
        int n = _f.VRegTypes.Count;
        var defs = new int[n];
        var defInstr = new Instr?[n];
        foreach (IrBlock b in _f.Blocks)
        {
            foreach (Instr i in b.Instrs)
            {
                if (i.Dest >= 0 && i.Dest < n)
                {
                    defs[i.Dest]++;
                    defInstr[i.Dest] = i;
                }
            }
        }

        if (_f.ReturnPointerVReg >= 0 && _f.ReturnPointerVReg < n)
        {
            defs[_f.ReturnPointerVReg] += 2;
        }

        _vregSlot = new int[n];
        _isConst = new bool[n];
        _constValue = new long[n];
        for (int v = 0; v < n; v++)
        {
            _vregSlot[v] = -1;
            if (defs[v] != 1)
            {
                continue;
            }

            Instr d = defInstr[v]!;
            if (d.Op == Opcode.SlotAddr && _slotDynAlign[(int)d.Imm] == 0)
            {
                _vregSlot[v] = (int)d.Imm;
            }
            else if (d.Op == Opcode.Const && d.Type.IsInt())
            {
                _isConst[v] = true;
                _constValue[v] = d.Imm;
            }
        }

        _needsHome = new bool[n];
        void Use(int v)
        {
            if (v >= 0 && v < n)
            {
                _needsHome[v] = true;
            }
        }

        foreach (IrBlock b in _f.Blocks)
        {
            foreach (Instr i in b.Instrs)
            {
                if (i.Op is not (Opcode.Load or Opcode.Store))
                {
                    Use(i.A);
                }

                if (!ConstantFoldsAsImmediate(i))
                {
                    Use(i.B);
                }

                Use(i.C);
                if (i.Args is not null)
                {
                    foreach (int a in i.Args)
                    {
                        Use(a);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Finds the temps (vregs assigned once and used only after the assignment in the same block), the index of
    /// each one's last use, and the integer comparisons whose only use is the branch right after them (those set
    /// the flags and nothing else).
    /// </summary>
    private void AnalyzeTemps()
    {
        int n = _f.VRegTypes.Count;
        var defs = new int[n];
        var defBlock = new int[n];
        var defIndex = new int[n];
        var uses = new int[n];
        var bad = new bool[n];
        _lastUse = new int[n];
        _pendingReg = new int[n];
        Array.Fill(_pendingReg, -1);
        for (int bi = 0; bi < _f.Blocks.Count; bi++)
        {
            List<Instr> instrs = _f.Blocks[bi].Instrs;
            for (int j = 0; j < instrs.Count; j++)
            {
                int d = instrs[j].Dest;
                if (d >= 0 && d < n)
                {
                    defs[d]++;
                    defBlock[d] = bi;
                    defIndex[d] = j;
                }
            }
        }

        for (int bi = 0; bi < _f.Blocks.Count; bi++)
        {
            List<Instr> instrs = _f.Blocks[bi].Instrs;
            for (int j = 0; j < instrs.Count; j++)
            {
                Instr i = instrs[j];
                for (int k = 0; k < i.OperandCount; k++)
                {
                    Use(i.Operand(k));
                }

                void Use(int v)
                {
                    if (v < 0 || v >= n)
                    {
                        return;
                    }

                    uses[v]++;
                    if (defs[v] != 1 || defBlock[v] != bi || j <= defIndex[v])
                    {
                        bad[v] = true;
                    }

                    _lastUse[v] = Math.Max(_lastUse[v], j);
                }
            }
        }

        // statement markers (patch sites) by block: no value stays in a register across one
        var stmtCount = new int[_f.Blocks.Count][];
        for (int bi = 0; bi < _f.Blocks.Count; bi++)
        {
            List<Instr> instrs = _f.Blocks[bi].Instrs;
            stmtCount[bi] = new int[instrs.Count + 1];
            for (int j = 0; j < instrs.Count; j++)
            {
                stmtCount[bi][j + 1] = stmtCount[bi][j] + (instrs[j].Op == Opcode.Stmt ? 1 : 0);
            }
        }

        bool CrossesStmt(int bi, int from, int to) => stmtCount[bi][to] != stmtCount[bi][from + 1];

        _isTemp = new bool[n];
        for (int v = 0; v < n; v++)
        {
            _isTemp[v] = !s_noDefer && defs[v] == 1 && !bad[v] && v != _f.ReturnPointerVReg
                && !(uses[v] > 0 && CrossesStmt(defBlock[v], defIndex[v], _lastUse[v]));
        }

        // base + constant used only as the address of one load or store: [base + disp], the add emits nothing and
        // the base (a slot address or a temp) lives until that use.
        _addrBase = new int[n];
        _addrDisp = new int[n];
        Array.Fill(_addrBase, -1);
        for (int bi = 0; bi < _f.Blocks.Count && !s_noDefer; bi++)
        {
            List<Instr> instrs = _f.Blocks[bi].Instrs;
            for (int j = 0; j < instrs.Count; j++)
            {
                Instr add = instrs[j];
                if (add.Op != Opcode.Add || add.Type != IrType.I64 || add.Dest < 0 || !_isTemp[add.Dest] || uses[add.Dest] != 1
                    || add.A < 0 || add.A == add.Dest || !TryImm(add.B, IrType.I64, true, out int disp))
                {
                    continue;
                }

                int baseV = add.A;
                bool baseOk = (_vregSlot[baseV] >= 0 && _slotOff[_vregSlot[baseV]] + (long)disp is > int.MinValue / 2 and < int.MaxValue / 2)
                    || (_isTemp[baseV] && defBlock[baseV] == bi && defIndex[baseV] < j && _addrBase[baseV] < 0);
                int u = _lastUse[add.Dest];
                baseOk &= _vregSlot[baseV] >= 0 || !CrossesStmt(bi, defIndex[baseV], u);
                Instr user = instrs[u];
                if (!baseOk || !(user.Op is Opcode.Load or Opcode.Store) || user.A != add.Dest || user.B == add.Dest)
                {
                    continue;
                }

                _addrBase[add.Dest] = baseV;
                _addrDisp[add.Dest] = disp;
                _isTemp[add.Dest] = false;
                _lastUse[baseV] = Math.Max(_lastUse[baseV], u);
            }
        }

        // base + index * scale used only as the address of one load or store (p[i], table[x]): [base + index*scale],
        // the mul and the add emit nothing and both operands (temps of the block, or a slot address for the base)
        // live until that use.
        _addrIndex = new int[n];
        _addrScale = new int[n];
        _isScaledIndex = new bool[n];
        Array.Fill(_addrIndex, -1);
        for (int bi = 0; bi < _f.Blocks.Count && !s_noDefer; bi++)
        {
            List<Instr> instrs = _f.Blocks[bi].Instrs;
            for (int j = 0; j < instrs.Count; j++)
            {
                Instr add = instrs[j];
                if (add.Op != Opcode.Add || add.Type != IrType.I64 || add.Dest < 0 || !_isTemp[add.Dest] || uses[add.Dest] != 1
                    || add.A < 0 || add.B < 0 || add.A == add.B)
                {
                    continue;
                }

                int u = _lastUse[add.Dest];
                Instr user = instrs[u];
                if (!(user.Op is Opcode.Load or Opcode.Store) || user.A != add.Dest || user.B == add.Dest)
                {
                    continue;
                }

                // which operand is the scaled index: a temp mul by 1, 2, 4 or 8 used only here
                int mulV = -1;
                int baseV = -1;
                foreach ((int m, int b) in new[] { (add.B, add.A), (add.A, add.B) })
                {
                    if (_isTemp[m] && uses[m] == 1 && defBlock[m] == bi && defIndex[m] < j && instrs[defIndex[m]] is
                        { Op: Opcode.Mul, Type: IrType.I64 } mul && mul.A >= 0 && mul.A != m
                        && TryImm(mul.B, IrType.I64, true, out int sc) && sc is 1 or 2 or 4 or 8)
                    {
                        mulV = m;
                        baseV = b;
                        break;
                    }
                }

                if (mulV < 0)
                {
                    continue;
                }

                Instr mulInstr = instrs[defIndex[mulV]];
                int indexV = mulInstr.A;
                _ = TryImm(mulInstr.B, IrType.I64, true, out int scale);
                bool TempHere(int t) => _isTemp[t] && defBlock[t] == bi && defIndex[t] < j && _addrBase[t] < 0
                    && _addrIndex[t] < 0 && !_isScaledIndex[t] && !CrossesStmt(bi, defIndex[t], u);
                bool baseOk = _vregSlot[baseV] >= 0 || TempHere(baseV);
                if (!baseOk || !TempHere(indexV) || T(indexV) != IrType.I64)
                {
                    continue;
                }

                _addrBase[add.Dest] = baseV;
                _addrDisp[add.Dest] = 0;
                _addrIndex[add.Dest] = indexV;
                _addrScale[add.Dest] = scale;
                _isTemp[add.Dest] = false;
                _isTemp[mulV] = false;
                _isScaledIndex[mulV] = true;
                _lastUse[baseV] = Math.Max(_lastUse[baseV], u);
                _lastUse[indexV] = Math.Max(_lastUse[indexV], u);
            }
        }

        _sunk.Clear();
        _sinkBefore.Clear();
        for (int bi = 0; bi < _f.Blocks.Count && !s_noDefer; bi++)
        {
            List<Instr> instrs = _f.Blocks[bi].Instrs;
            for (int j = 0; j < instrs.Count; j++)
            {
                Instr sym = instrs[j];
                if (sym.Op == Opcode.SymAddr && sym.Dest >= 0 && _isTemp[sym.Dest] && uses[sym.Dest] == 1
                    && _lastUse[sym.Dest] > j + 1 && _sinkBefore.TryAdd((bi, _lastUse[sym.Dest]), sym))
                {
                    _sunk.Add(sym);
                }
            }
        }

        // a slot address whose uses all became [rbp + k] operands needs no home
        var slotUsed = new bool[n];
        foreach (IrBlock b in _f.Blocks)
        {
            foreach (Instr i in b.Instrs)
            {
                bool addressOnly = i.Op is Opcode.Load or Opcode.Store
                    || (i.Op == Opcode.Add && i.Dest >= 0 && _addrBase[i.Dest] >= 0);
                MarkSlotUse(addressOnly ? -1 : i.A);
                MarkSlotUse(i.B);
                MarkSlotUse(i.C);
                if (i.Args is not null)
                {
                    foreach (int a in i.Args)
                    {
                        MarkSlotUse(a);
                    }
                }
            }
        }

        for (int v = 0; v < n; v++)
        {
            if (_vregSlot[v] >= 0 && !slotUsed[v])
            {
                _needsHome[v] = false;
            }
        }

        void MarkSlotUse(int v)
        {
            if (v >= 0 && v < n && _vregSlot[v] >= 0)
            {
                slotUsed[v] = true;
            }
        }

        // Loads from a variable's slot whose only use comes before anything that could write memory: the user reads
        // the slot itself (the temp's home is the slot), the load emits nothing.
        _foldedLoads.Clear();
        foreach (IrBlock b in _f.Blocks)
        {
            for (int j = 0; j < b.Instrs.Count; j++)
            {
                Instr l = b.Instrs[j];
                if (s_noDefer || l.Op != Opcode.Load || l.A < 0 || FixedOffset(l.A) is not int slotAddress || l.Dest < 0
                    || !_isTemp[l.Dest] || uses[l.Dest] != 1)
                {
                    continue;
                }

                int u = _lastUse[l.Dest];
                bool clean = true;
                for (int k = j + 1; k < u && clean; k++)
                {
                    Instr between = b.Instrs[k];
                    clean = between.Op is Opcode.Load or Opcode.Const or Opcode.SlotAddr
                        || (between.Op == Opcode.Add && between.Dest >= 0 && _addrBase[between.Dest] >= 0);
                }

                if (clean)
                {
                    _foldedLoads.Add(l);
                    _isTemp[l.Dest] = false;
                    _vregOff[l.Dest] = slotAddress;
                }
            }
        }

        _fuseOnly.Clear();
        foreach (IrBlock b in _f.Blocks)
        {
            for (int j = 0; j + 1 < b.Instrs.Count; j++)
            {
                Instr c = b.Instrs[j];
                Instr next = b.Instrs[j + 1];
                if (c.Op is >= Opcode.Eq and <= Opcode.UGe && c.Dest >= 0 && _isTemp[c.Dest] && uses[c.Dest] == 1
                    && next.Op == Opcode.Branch && next.A == c.Dest)
                {
                    _fuseOnly.Add(c);
                }
            }
        }
    }

    /// <summary>
    /// Finds the join values (see <see cref="_joinOf"/>): for block J, a GPR vreg V defined by the instruction right
    /// before the jump of each of J's predecessors (all of them end so), defined nowhere else, used only in J before
    /// J's first statement marker and before anything in J redefines it. Not for a loop test block that back edges copy.
    /// </summary>
    private void AnalyzeJoins()
    {
        int n = _f.VRegTypes.Count;
        int nb = _f.Blocks.Count;
        _joinOf = new int[nb];
        Array.Fill(_joinOf, -1);
        _isJoin = new bool[n];
        if (s_noDefer)
        {
            return;
        }

        // candidate per block from its predecessors: -1 none yet, -2 not possible
        var candidate = new int[nb];
        var predCount = new int[nb];
        Array.Fill(candidate, -1);
        candidate[0] = -2; // the entry block is entered from the prologue
        for (int bi = 0; bi < nb; bi++)
        {
            List<Instr> instrs = _f.Blocks[bi].Instrs;
            if (instrs.Count == 0)
            {
                continue;
            }

            Instr t = instrs[^1];
            if (t.Op == Opcode.Jump)
            {
                int v = instrs.Count >= 2 ? instrs[^2].Dest : -1;
                bool ok = v >= 0 && v < n && T(v) is IrType.I8 or IrType.I16 or IrType.I32 or IrType.I64
                    && instrs[^2].Op != Opcode.Call && v != _f.ReturnPointerVReg;
                Offer(t.Target, ok ? v : -2);
            }
            else if (t.Op == Opcode.Branch)
            {
                Offer(t.Target, -2);
                Offer(t.Target2, -2);
            }
            else if (t.Op == Opcode.Switch)
            {
                Offer(t.Target, -2);
                if (t.Cases is not null)
                {
                    foreach ((long _, int block) in t.Cases)
                    {
                        Offer(block, -2);
                    }
                }
            }
        }

        void Offer(int block, int v)
        {
            if (block < 0 || block >= nb)
            {
                return;
            }

            predCount[block]++;
            candidate[block] = candidate[block] == -1 || candidate[block] == v ? v : -2;
        }

        var defs = new int[n];
        var useBlock = new int[n];
        Array.Fill(useBlock, -1);
        var badUse = new bool[n];
        for (int bi = 0; bi < nb; bi++)
        {
            foreach (Instr i in _f.Blocks[bi].Instrs)
            {
                if (i.Dest >= 0 && i.Dest < n)
                {
                    defs[i.Dest]++;
                }

                for (int k = 0; k < i.OperandCount; k++)
                {
                    UseIn(i.Operand(k), bi);
                }
            }
        }

        void UseIn(int v, int bi)
        {
            if (v >= 0 && v < n)
            {
                badUse[v] |= useBlock[v] >= 0 && useBlock[v] != bi;
                useBlock[v] = bi;
            }
        }

        for (int j = 1; j < nb; j++)
        {
            int v = candidate[j];
            if (v < 0 || predCount[j] < 2 || defs[v] != predCount[j] || badUse[v] || useBlock[v] != j || IsCopyableLoopTest(j))
            {
                continue;
            }

            // every use before J's first statement marker and before any redefinition in J
            bool ok = true;
            int last = -1;
            List<Instr> instrs = _f.Blocks[j].Instrs;
            for (int k = 0; k < instrs.Count && ok; k++)
            {
                Instr i = instrs[k];
                if (Reads(i, v))
                {
                    last = k;
                }

                if (i.Op == Opcode.Stmt || i.Dest == v)
                {
                    ok = !UsedFrom(instrs, k, v);
                    break;
                }
            }

            if (ok && last >= 0)
            {
                _joinOf[j] = v;
                _isJoin[v] = true;
                _lastUse[v] = last;
            }
        }

        static bool Reads(Instr i, int v) => i.A == v || i.B == v || i.C == v || (i.Args is not null && Array.IndexOf(i.Args, v) >= 0);

        static bool UsedFrom(List<Instr> instrs, int from, int v)
        {
            for (int k = from; k < instrs.Count; k++)
            {
                if (Reads(instrs[k], v))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Jump threading (<see cref="_jumpTo"/>): a block that holds nothing but a jump (and, outside debug code, statement
    /// markers, which emit nothing there) is not a destination: jumps and branches to it go where it jumps. The empty
    /// join block of an if without else is the usual case (a loop's `if (!x) ...` then branches straight to the
    /// increment, which it may fall through to, instead of jumping to a jump).
    /// </summary>
    private void AnalyzeJumpThreads()
    {
        int nb = _f.Blocks.Count;
        _jumpTo = new int[nb];
        for (int b = 0; b < nb; b++)
        {
            int at = b;
            for (int hops = 0; hops < nb && Forwards(at, out int next); hops++)
            {
                at = next;
            }

            _jumpTo[b] = at;
        }

        bool Forwards(int b, out int next)
        {
            next = -1;
            List<Instr> instrs = _f.Blocks[b].Instrs;
            if (instrs.Count == 0 || instrs[^1].Op != Opcode.Jump || _joinOf[b] >= 0 || instrs[^1].Target == b)
            {
                return false;
            }

            for (int k = 0; k < instrs.Count - 1; k++)
            {
                if (_debug || instrs[k].Op != Opcode.Stmt)
                {
                    return false;
                }
            }

            next = instrs[^1].Target;
            return true;
        }
    }

    /// <summary>
    /// True if operand B of <paramref name="i"/> is a single-assignment integer constant that the emitter will encode as
    /// an immediate (mirrors the TryImm checks in EmitBinary, EmitShift, EmitIntCompare and Store).
    /// </summary>
    private bool ConstantFoldsAsImmediate(Instr i)
    {
        if (i.B < 0 || i.B >= _isConst.Length || !_isConst[i.B])
        {
            return false;
        }

        return i.Op switch
        {
            Opcode.Add or Opcode.Sub or Opcode.Mul or Opcode.And or Opcode.Or or Opcode.Xor => TryImm(i.B, i.Type, true, out _),
            Opcode.Shl or Opcode.LShr or Opcode.AShr => TryImm(i.B, i.Type, false, out _),
            >= Opcode.Eq and <= Opcode.UGe when i.Type == IrType.I32 => true,
            >= Opcode.Eq and <= Opcode.UGe when i.Type == IrType.I64 => TryImm(i.B, IrType.I64, true, out _),
            Opcode.Eq or Opcode.Ne or Opcode.SLt or Opcode.SLe or Opcode.SGt or Opcode.SGe => TryImm(i.B, i.Type, true, out _),
            Opcode.ULt or Opcode.ULe or Opcode.UGt or Opcode.UGe => TryImm(i.B, i.Type, false, out _),
            Opcode.Store => i.Type.IsInt() && TryImm(i.B, i.Type, true, out _),
            _ => false,
        };
    }
}
