// The register cache (rax, rcx, rdx; xmm0-xmm5), pending temps and their deferred stores, join values in rax,
// scratch register choice.

using Iced.Intel;
using Lantern.X64;
using Lantern.C.Ir;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

public sealed partial class X64Backend
{
    /// <summary>At the start of block <paramref name="block"/> (all state reset): its join value is pending in rax.</summary>
    private void EnterJoin(int block)
    {
        int v = _joinOf[block];
        if (v >= 0)
        {
            _cacheOut[0] = v;
            _pendingReg[v] = 0;
            _pending.Add(v);
        }
    }

    /// <summary>Before the jump to <paramref name="target"/>: its join value goes to rax (it was just computed).</summary>
    private void LeaveForJoin(int target)
    {
        int v = _joinOf[target];
        if (v < 0)
        {
            return;
        }

        int reg = _pendingReg[v];
        if (reg >= 0)
        {
            if (reg != 0)
            {
                _a.mov(rax, s_cacheRegs[reg].Q);
            }

            _pendingReg[v] = -1;
            _pending.Remove(v);
            return;
        }

        Array.Fill(_cacheIn, -1);
        LoadZx(Rax, v);
    }

    private bool CanDefer(int v) => v >= 0 && v < _isTemp.Length && (_isTemp[v] || _isJoin[v]);

    /// <summary>Forgets pending temps whose last use is before instruction index <paramref name="index"/> (all: int.MaxValue).</summary>
    private void DropPending(int index)
    {
        for (int k = _pending.Count - 1; k >= 0; k--)
        {
            int v = _pending[k];
            if (index == int.MaxValue || _lastUse[v] < index)
            {
                _pendingReg[v] = -1;
                _pending.RemoveAt(k);
            }
        }
    }

    /// <summary>Writes pending temp v to its home from the register holding it.</summary>
    private void StorePending(int v)
    {
        int reg = _pendingReg[v];
        _pendingReg[v] = -1;
        _pending.Remove(v);
        if (reg >= XmmPending)
        {
            if (T(v) == IrType.F32)
            {
                _a.movss(D(v), s_cacheXmms[reg - XmmPending]);
            }
            else
            {
                _a.movsd(Q(v), s_cacheXmms[reg - XmmPending]);
            }
        }
        else
        {
            Store(v, s_cacheRegs[reg], T(v));
        }
    }

    /// <summary>Bit set of the tracked registers (rax, rcx, rdx: bits 0-2; xmm0..xmm5: bits 3-8) written by instructions [start, end) of <paramref name="a"/>.</summary>
    private int WrittenRegisters(X64Assembler a, int start, int end)
    {
        int mask = 0;
        IReadOnlyList<Instruction> list = a.Instructions;
        for (int j = start; j < end; j++)
        {
            Instruction ins = list[j];
            if (ins.Mnemonic == Mnemonic.Call)
            {
                return (1 << (XmmPending + XmmCacheSize)) - 1;
            }

            InstructionInfo info = _infoFactory.GetInfo(ins);
            foreach (UsedRegister u in info.GetUsedRegisters())
            {
                if (u.Access is OpAccess.Write or OpAccess.CondWrite or OpAccess.ReadWrite or OpAccess.ReadCondWrite)
                {
                    Register full = u.Register.GetFullRegister();
                    if (full == Register.RAX)
                    {
                        mask |= 1;
                    }
                    else if (full == Register.RCX)
                    {
                        mask |= 2;
                    }
                    else if (full == Register.RDX)
                    {
                        mask |= 4;
                    }
                    else if (full >= Register.ZMM0 && full < Register.ZMM0 + XmmCacheSize)
                    {
                        mask |= 1 << (XmmPending + (full - Register.ZMM0));
                    }
                }
            }
        }

        return mask;
    }

    private static int CacheIndex(Gpr r) => r.Q == rax ? 0 : r.Q == rcx ? 1 : r.Q == rdx ? 2 : -1;

    /// <summary>True if vreg v is available in a register (left there by an earlier instruction, not overwritten since).</summary>
    private bool Forwarded(int v, out Gpr src)
    {
        src = Rax;
        if (v < 0)
        {
            return false;
        }

        for (int k = 0; k < 3; k++)
        {
            if (_cacheIn[k] == v)
            {
                src = s_cacheRegs[k];
                return true;
            }
        }

        return false;
    }

    /// <summary>Records that register r now holds the value of vreg v (-1: something else).</summary>
    private void Wrote(Gpr r, int v)
    {
        int k = CacheIndex(r);
        if (k >= 0)
        {
            _cacheIn[k] = v;
        }
    }

    /// <summary>Instructions that write no register except through the tracking helpers (and their result register).</summary>
    private static bool PreservesCache(Instr i) =>
        i.Op is Opcode.Load or Opcode.Store or Opcode.Mov or Opcode.SExt or Opcode.ZExt or Opcode.Trunc;

    /// <summary>Index of the tracked xmm register holding vreg v (visible to this instruction), or -1.</summary>
    private int XmmIndexOf(int v)
    {
        if (v < 0)
        {
            return -1;
        }

        for (int k = 0; k < XmmCacheSize; k++)
        {
            if (_xmmIn[k] == v)
            {
                return k;
            }
        }

        return -1;
    }

    private static int XmmIndex(AssemblerRegisterXMM x) => Array.IndexOf(s_cacheXmms, x);

    /// <summary>
    /// A tracked xmm register other than index <paramref name="avoid"/>: an empty one, else one not holding a pending
    /// temp still needed, else xmm0 (xmm1 if xmm0 is to be avoided).
    /// </summary>
    private AssemblerRegisterXMM PickXmm(int avoid)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            for (int k = 0; k < XmmCacheSize; k++)
            {
                if (k != avoid && (pass == 1 || _xmmIn[k] < 0) && !HoldsLivePending(XmmPending + k))
                {
                    return s_cacheXmms[k];
                }
            }
        }

        return avoid == 0 ? xmm1 : xmm0;
    }

    /// <summary>
    /// Before instruction <paramref name="i"/>: a dry run of its emitter tells which pending temps it would read
    /// from their homes and which registers it writes; those temps, and the ones still needed later whose register
    /// it overwrites, are stored now.
    /// </summary>
    private void StorePendingAsNeeded(Instr i, int blockIndex)
    {
        int[] cacheIn = (int[])_cacheIn.Clone();
        Instr? lastIntCompare = _lastIntCompare;
        int[] xmmIn = (int[])_xmmIn.Clone();
        int lastLoadIndex = _lastLoadIndex;
        int lastLabelIndex = _lastLabelIndex;

        // Register choices may depend on what is pending: repeat until the dry run stores nothing more, so that the
        // real emission does exactly what the last dry run did.
        bool stored = true;
        while (stored && _pending.Count > 0)
        {
            stored = false;
            X64Assembler real = _a;
            _scratch.Reset();
            _homeReads.Clear();
            _a = _scratch;
            _dryRun = true;
            try
            {
                EmitInstrBody(i, blockIndex);
            }
            finally
            {
                _a = real;
                _dryRun = false;
            }

            int written = WrittenRegisters(_scratch, 0, _scratch.Instructions.Count);
            Array.Copy(cacheIn, _cacheIn, cacheIn.Length);
            _lastIntCompare = lastIntCompare;
            Array.Copy(xmmIn, _xmmIn, xmmIn.Length);
            _lastLoadIndex = lastLoadIndex;
            _lastLabelIndex = lastLabelIndex;
            _resultXmm = -1;
            _resultVreg = -1;
            _resultCacheIndex = -1;
            _deferredReg = -1;

            for (int k = _pending.Count - 1; k >= 0; k--)
            {
                int v = _pending[k];
                int bit = 1 << _pendingReg[v];
                if (_homeReads.Contains(v) || (_lastUse[v] > _instrIndex && (written & bit) != 0))
                {
                    StorePending(v);
                    stored = true;
                }
            }
        }
    }

    /// <summary>
    /// A scratch register among rax, rcx, rdx (not in <paramref name="avoid"/>, a bit set by cache index): preferably one
    /// holding nothing, then one whose value is not a pending temp still needed, else rax.
    /// </summary>
    private Gpr PickScratch(int avoid)
    {
        for (int k = 0; k < 3; k++)
        {
            if ((avoid & (1 << k)) == 0 && _cacheIn[k] < 0 && !HoldsLivePending(k))
            {
                return s_cacheRegs[k];
            }
        }

        for (int k = 0; k < 3; k++)
        {
            if ((avoid & (1 << k)) == 0 && !HoldsLivePending(k))
            {
                return s_cacheRegs[k];
            }
        }

        return (avoid & 1) == 0 ? Rax : (avoid & 2) == 0 ? Rcx : Rdx;
    }

    /// <summary>
    /// The destination of an integer load: an empty register (rcx, rdx, rax), else one not holding a pending temp still
    /// needed, else rcx and rdx alternately (so that two loads in a row both stay available to the next instruction).
    /// </summary>
    private Gpr PickLoadRegister()
    {
        ReadOnlySpan<int> order = stackalloc int[] { 1, 2, 0 };
        foreach (int k in order)
        {
            if (_cacheIn[k] < 0 && !HoldsLivePending(k))
            {
                _lastLoadIndex = k;
                return s_cacheRegs[k];
            }
        }

        foreach (int k in order)
        {
            if (!HoldsLivePending(k))
            {
                _lastLoadIndex = k;
                return s_cacheRegs[k];
            }
        }

        _lastLoadIndex = 3 - _lastLoadIndex is 1 or 2 ? 3 - _lastLoadIndex : 1;
        return s_cacheRegs[_lastLoadIndex];
    }

    /// <summary>Where a one-operand integer instruction computes: in place if a is in a register, else a free scratch.</summary>
    private Gpr UnaryDestination(int a) => Forwarded(a, out Gpr r) ? r : PickScratch(0);

    /// <summary>True if GP cache register k holds a pending temp used after the current instruction.</summary>
    private bool HoldsLivePending(int k)
    {
        foreach (int v in _pending)
        {
            if (_pendingReg[v] == k && _lastUse[v] > _instrIndex)
            {
                return true;
            }
        }

        return false;
    }
}
