using Iced.Intel;
using Lantern.C.Describe;
using Lantern.X64;
using Lantern.C.Ir;
using Lantern.Observability.Debugging;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

/// <summary>How the backend sees the module's symbols (provided by the linker, <see cref="JitModule"/>).</summary>
public interface IJitSymbols
{
    /// <summary>True if <paramref name="name"/> is a function (defined in the module or in the host C library).</summary>
    bool IsFunction(string name);

    /// <summary>Address of the 8-byte indirection cell holding the function's current entry point.</summary>
    nint GetFunctionCell(string name);

    /// <summary>Address of global data (defined in the module or a host C library data symbol such as stdout).</summary>
    nint GetDataAddress(string name);
}

/// <summary>One general-purpose register under its four widths.</summary>
internal readonly record struct Gpr(AssemblerRegister64 Q, AssemblerRegister32 D, AssemblerRegister16 W, AssemblerRegister8 B);

/// <summary>
/// The baseline x86-64 backend: IR function → machine code, one IR instruction at a time.
/// <para>
/// Frame: <c>push rbp; mov rbp, rsp; sub rsp, N</c>; every slot and every vreg has a fixed home below rbp
/// (vreg values live in memory between instructions; rax, rcx, rdx, r10, r11, xmm0, xmm1 are scratch). The red
/// zone is never used. Callee-saved registers other than rbp are never touched, so setjmp/longjmp are safe.
/// </para>
/// <para>Calls follow the System V ABI in full (see <see cref="EmitCall"/>).</para>
/// </summary>
public sealed class X64Backend
{
    private static readonly Gpr Rax = new(rax, eax, ax, al);
    private static readonly Gpr Rcx = new(rcx, ecx, cx, cl);
    private static readonly Gpr Rdx = new(rdx, edx, dx, dl);
    private static readonly Gpr Rsi = new(rsi, esi, si, sil);
    private static readonly Gpr Rdi = new(rdi, edi, di, dil);
    private static readonly Gpr R8 = new(r8, r8d, r8w, r8b);
    private static readonly Gpr R9 = new(r9, r9d, r9w, r9b);
    private static readonly Gpr R10 = new(r10, r10d, r10w, r10b);
    private static readonly Gpr R11 = new(r11, r11d, r11w, r11b);

    private static readonly Gpr[] s_argGprs = { Rdi, Rsi, Rdx, Rcx, R8, R9 };
    private static readonly AssemblerRegisterXMM[] s_argXmms = { xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7 };

    private const int RegSaveAreaSize = 48 + 128;

    private readonly IrFunction _f;
    private readonly IJitSymbols _symbols;
    private X64Assembler _a;
    private X64Label[] _blockLabels = Array.Empty<X64Label>();
    private X64Label _epilogue;
    private int[] _slotOff = Array.Empty<int>();
    private int[] _slotDynAlign = Array.Empty<int>();
    private int[] _vregOff = Array.Empty<int>();
    private readonly Dictionary<Instr, int> _vaTemps = new();
    private int _retBufOff;
    private int _saveAreaOff;
    private int _frameSize;
    private int _lastLabelIndex = -1;
    private ulong _rip;

    // Single-assignment facts used to pick addressing modes and immediates (the vreg is still stored to its home).
    private int[] _vregSlot = Array.Empty<int>();
    private bool[] _isConst = Array.Empty<bool>();
    private long[] _constValue = Array.Empty<long>();
    private Instr? _lastIntCompare;
    private bool[] _needsHome = Array.Empty<bool>();

    // Register cache: rax, rcx, rdx (index 0, 1, 2) may hold the value of a vreg left there by earlier instructions
    // (the memory home is always up to date too; the cache only saves reloads). _cacheOut is what the previous
    // instruction left; EmitInstr copies it to _cacheIn, operand loads read and update _cacheIn. Instructions that
    // write only tracked registers (see PreservesCache) pass the other entries on; all others pass on only their result.
    // xmm0..xmm5 are tracked the same way (_xmmOut / _xmmIn), for the float opcodes that read operands through them.
    private readonly int[] _cacheIn = { -1, -1, -1 };
    private readonly int[] _cacheOut = { -1, -1, -1 };
    private int _resultVreg = -1;
    private int _resultCacheIndex = -1;
    private const int XmmCacheSize = 6;
    private readonly int[] _xmmIn = new int[XmmCacheSize];
    private readonly int[] _xmmOut = new int[XmmCacheSize];
    private int _resultXmm = -1;
    private static readonly AssemblerRegisterXMM[] s_cacheXmms = { xmm0, xmm1, xmm2, xmm3, xmm4, xmm5 };
    private int _lastLoadIndex = 1;
    private static readonly Gpr[] s_cacheRegs = { Rax, Rcx, Rdx };

    // Deferred stores. A "temp" is a vreg assigned once and used only later in the same block (most expression
    // temporaries). Its result stays in the register the instruction left it in (rax, rcx, rdx or xmm0: "pending",
    // home not written); before each later instruction, a dry run of that instruction's emitter shows whether it
    // reads a pending value from its home or overwrites the register while the value is still needed, and only
    // then is the home written. A temp whose users all take it from the register never touches memory.
    private const int XmmPending = 3;
    private bool[] _isTemp = Array.Empty<bool>();
    private int[] _lastUse = Array.Empty<int>();
    private int[] _pendingReg = Array.Empty<int>();
    private readonly List<int> _pending = new();
    private readonly HashSet<Instr> _fuseOnly = new();
    private readonly HashSet<Instr> _foldedLoads = new();
    private int[] _addrBase = Array.Empty<int>();
    private int[] _addrDisp = Array.Empty<int>();
    private int[] _addrIndex = Array.Empty<int>();
    private int[] _addrScale = Array.Empty<int>();
    private bool[] _isScaledIndex = Array.Empty<bool>();

    // SymAddr temps with one use are emitted right before that use (a 64-bit address is cheaper to rematerialize than
    // to keep in one of the three cache registers across the instructions in between): instruction -> its new place.
    private readonly HashSet<Instr> _sunk = new();
    private readonly Dictionary<(int Block, int Index), Instr> _sinkBefore = new();
    private readonly HashSet<int> _homeReads = new();
    private readonly X64Assembler _scratch;

    // The two assemblers are reused from one function to the next on a thread (their instruction lists are most of
    // what compiling a function allocates: ~2 KB per instruction list growth, fresh pages on a first touch).
    [ThreadStatic]
    private static X64Assembler? t_spareMain;
    [ThreadStatic]
    private static X64Assembler? t_spareScratch;
    private readonly InstructionInfoFactory _infoFactory = new();
    private bool _dryRun;
    private int _deferredReg = -1;

    // Join values: a vreg assigned right before the jump of every predecessor of block J and used only early in J
    // (the value of a ?: or of && / || used as a value). Each predecessor leaves it in rax instead of its home, and J
    // starts with it pending in rax, like a temp of its own (stored only if J needs it in memory).
    private int[] _joinOf = Array.Empty<int>();
    private bool[] _isJoin = Array.Empty<bool>();

    // Jump threading: the block a jump to block b really goes to (b itself, or past blocks that only jump on).
    private int[] _jumpTo = Array.Empty<int>();
    private int _instrIndex;

    /// <summary>LANTERN_JIT_NO_DEFER=1 writes every vreg's home when it is assigned (no deferred stores).</summary>
    private static readonly bool s_noDefer = Environment.GetEnvironmentVariable("LANTERN_JIT_NO_DEFER") == "1";

    /// <summary>LANTERN_JIT_NO_LOOP_COPY=1 keeps loops top-tested (a back edge jumps to the loop's test block).</summary>
    private static readonly bool s_noLoopCopy = Environment.GetEnvironmentVariable("LANTERN_JIT_NO_LOOP_COPY") == "1";

    /// <summary>LANTERN_JIT_NO_FORWARD=1 turns the register cache off (every operand is reloaded from its home).</summary>
    private static readonly bool s_noForward = Environment.GetEnvironmentVariable("LANTERN_JIT_NO_FORWARD") == "1";

    // variadic definitions: what the named parameters consumed
    private int _namedGp;
    private int _namedSse;
    private int _namedStack;

    // debug code: patch sites (5-byte NOPs) at statement boundaries, function entry and return, as instruction indexes
    private readonly bool _debug;

    // code that will be copied elsewhere (--emit-so): no rip-relative reference outside the function
    private readonly bool _movable;
    private readonly List<(int Index, PatchSiteKind Kind)> _sites = new();

    private X64Backend(IrFunction f, IJitSymbols symbols, bool debug, bool movable)
    {
        _a = t_spareMain ?? new X64Assembler(64);
        _scratch = t_spareScratch ?? new X64Assembler(64);
        t_spareMain = null;
        t_spareScratch = null;
        _a.Reset();
        _scratch.Reset();
        _f = f;
        _symbols = symbols;
        _debug = debug;
        _movable = movable;
    }

    /// <summary>
    /// Compiles <paramref name="f"/> for execution at address <paramref name="rip"/>; returns the code and its metadata.
    /// With <paramref name="debug"/>, the code has a patch site (see <see cref="EmitPatchSite"/>) at every statement
    /// boundary, after the prologue and before the epilogue. With <paramref name="movable"/>, the code refers to
    /// nothing outside itself rip-relatively (cells by absolute address), so a copy elsewhere runs unchanged.
    /// </summary>
    public static (byte[] Code, FunctionLayout Info) Compile(IrFunction f, IJitSymbols symbols, ulong rip, bool debug = false, bool movable = false)
    {
        var b = new X64Backend(f, symbols, debug, movable);
        X64Assembler main = b._a;
        try
        {
            return b.CompileFunction(rip);
        }
        finally
        {
            t_spareMain = main;
            t_spareScratch = b._scratch;
        }
    }

    /// <summary>
    /// A patch site: the 5-byte NOP <c>0F 1F 44 00 00</c> that the debugger turns into <c>call rel32</c> to its
    /// register-saving trampoline. Every C variable is in its frame home here (the register cache only holds vregs).
    /// </summary>
    private void EmitPatchSite(PatchSiteKind kind)
    {
        _sites.Add((_a.Instructions.Count, kind));
        _a.db(0x0F, 0x1F, 0x44, 0x00, 0x00);
    }

    private (byte[] Code, FunctionLayout Info) CompileFunction(ulong rip)
    {
        _rip = rip;
        LayoutFrame();
        AnalyzeVRegs();
        AnalyzeTemps();
        AnalyzeJoins();
        AnalyzeJumpThreads();

        _blockLabels = new X64Label[_f.Blocks.Count];
        for (int i = 0; i < _blockLabels.Length; i++)
        {
            _blockLabels[i] = _a.CreateLabel();
        }

        _epilogue = _a.CreateLabel();
        // Positions recorded as instruction indexes, turned into offsets after encoding (no labels, so no nops).
        var stmtIndexes = new List<(int Index, Instr Stmt)>();

        // prologue
        _a.push(rbp);
        _a.mov(rbp, rsp);
        if (_frameSize > 0)
        {
            _a.sub(rsp, _frameSize);
        }

        int frameSetupEnd = _a.Instructions.Count;
        EmitParameterHoming();
        int prologueEnd = _a.Instructions.Count;
        if (_debug)
        {
            EmitPatchSite(PatchSiteKind.Entry);
        }

        for (int bi = 0; bi < _f.Blocks.Count; bi++)
        {
            IrBlock block = _f.Blocks[bi];
            Bind(ref _blockLabels[bi]);
            _lastIntCompare = null;
            Array.Fill(_cacheOut, -1);
            Array.Fill(_xmmOut, -1);
            DropPending(int.MaxValue); // temps die with their block
            EnterJoin(bi);
            for (int ii = 0; ii < block.Instrs.Count; ii++)
            {
                Instr i = block.Instrs[ii];
                _instrIndex = ii;
                if (i.Op == Opcode.Stmt)
                {
                    if (_debug)
                    {
                        if (_sites.Count > 0 && _sites[^1].Kind == PatchSiteKind.Statement && _sites[^1].Index == _a.Instructions.Count - 1)
                        {
                            // several markers at one position (empty statements, labels): one site, the last marker's row
                            stmtIndexes.Add((_sites[^1].Index, i));
                            continue;
                        }

                        stmtIndexes.Add((_a.Instructions.Count, i));
                        EmitPatchSite(PatchSiteKind.Statement);
                        continue;
                    }

                    stmtIndexes.Add((_a.Instructions.Count, i));
                    continue;
                }

                if (i.Op == Opcode.Trap && !i.Location.IsNone
                    && (stmtIndexes.Count == 0 || stmtIndexes[^1].Index != _a.Instructions.Count))
                {
                    // a line entry at the ud2 itself: the crash report names the __builtin_trap() call's line
                    long scope = stmtIndexes.Count > 0 ? stmtIndexes[^1].Stmt.Imm : 0;
                    stmtIndexes.Add((_a.Instructions.Count, new Instr { Op = Opcode.Stmt, Location = i.Location, Imm = scope }));
                }

                if (i.Op == Opcode.Jump && i.Target <= bi && IsCopyableLoopTest(i.Target))
                {
                    EmitLoopTestCopy(i.Target, bi, stmtIndexes);
                    continue;
                }

                if (_sunk.Contains(i))
                {
                    continue; // emitted right before its use
                }

                if (_sinkBefore.TryGetValue((bi, ii), out Instr? sunk))
                {
                    _instrIndex = ii - 1; // as if just before: the operands of instruction ii stay live
                    EmitInstr(sunk, bi);
                    _instrIndex = ii;
                }

                EmitInstr(i, bi);
            }
        }

        // epilogue
        Bind(ref _epilogue);
        if (_debug)
        {
            EmitPatchSite(PatchSiteKind.Return);
        }

        // leave, not mov rsp, rbp; pop rbp: on this machine's AMD Zen 4 the pair made gcc -O0's own fib code about
        // half again as slow (62 -> 96 ms, the two epilogues measured interleaved)
        _a.leave();
        _a.ret();

        X64AssemblerResult result = _a.Assemble(rip, out byte[] code);
        uint[] offsets = result.Result[0].NewInstructionOffsets;
        int OffsetOf(int index)
        {
            // the first encoded instruction at or after the index (an index may sit at the very end of a block)
            for (int k = index; k < offsets.Length; k++)
            {
                if (offsets[k] != uint.MaxValue)
                {
                    return (int)offsets[k];
                }
            }

            return code.Length;
        }

        var info = new FunctionLayout
        {
            Name = _f.Name,
            Function = _f,
            Start = (nint)rip,
            Size = code.Length,
            FrameSetupEnd = OffsetOf(frameSetupEnd),
            PrologueEnd = OffsetOf(prologueEnd),
            SlotOffsets = _slotOff,
            SlotDynamicAlign = _slotDynAlign,
            VRegOffsets = _vregOff,
            FrameSize = _frameSize,
            RegisterSaveAreaOffset = _f.Signature.IsVariadic ? -_saveAreaOff : 0,
        };
        info.EpilogueStarts.Add((int)(result.GetLabelRIP(_epilogue) - rip));
        foreach ((int index, Instr stmt) in stmtIndexes)
        {
            info.Lines.Add(new LayoutLine(OffsetOf(index), stmt.Location, (int)stmt.Imm));
        }

        foreach ((int index, PatchSiteKind kind) in _sites)
        {
            info.PatchSites.Add(new LayoutPatchSite(OffsetOf(index), kind));
        }

        return (code, info);
    }

    /// <summary>
    /// A loop's test block that a back edge may copy instead of jumping to it (the loop then runs one conditional
    /// branch per iteration, like gcc -O0's bottom-tested loops): a few simple integer instructions ending in a
    /// branch. Not in debug code, where every statement has exactly one patch site.
    /// </summary>
    private bool IsCopyableLoopTest(int block)
    {
        List<Instr> instrs = _f.Blocks[block].Instrs;
        if (_debug || s_noLoopCopy || instrs.Count > 16 || instrs[^1].Op != Opcode.Branch)
        {
            return false;
        }

        foreach (Instr i in instrs)
        {
            if (i.Op is not (Opcode.Stmt or Opcode.SlotAddr or Opcode.Const or Opcode.Load or Opcode.Add or Opcode.Sub
                or Opcode.And or Opcode.Or or Opcode.Xor or Opcode.SExt or Opcode.ZExt or Opcode.Trunc or Opcode.Branch
                or (>= Opcode.Eq and <= Opcode.UGe)) || (i.Op != Opcode.Stmt && i.Op != Opcode.Branch && !i.Type.IsInt()))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Emits a copy of loop test block <paramref name="block"/> at the end of block <paramref name="at"/> (in place of
    /// its jump back to the test), starting from the same state as the block itself (nothing cached, nothing pending),
    /// so it emits the same instructions; its statement markers get line-table rows of their own.
    /// </summary>
    private void EmitLoopTestCopy(int block, int at, List<(int Index, Instr Stmt)> stmtIndexes)
    {
        _lastIntCompare = null;
        Array.Fill(_cacheOut, -1);
        Array.Fill(_xmmOut, -1);
        DropPending(int.MaxValue);
        List<Instr> instrs = _f.Blocks[block].Instrs;
        for (int ii = 0; ii < instrs.Count; ii++)
        {
            _instrIndex = ii;
            if (instrs[ii].Op == Opcode.Stmt)
            {
                stmtIndexes.Add((_a.Instructions.Count, instrs[ii]));
                continue;
            }

            EmitInstr(instrs[ii], at); // fall-through decisions are about the block physically next: at + 1
        }
    }

    /// <summary>Binds a label to the next instruction (Iced allows one label per instruction: a nop separates two).</summary>
    private void Bind(ref X64Label label)
    {
        if (_a.Instructions.Count == _lastLabelIndex)
        {
            _a.nop();
        }

        _a.Label(ref label);
        _lastLabelIndex = _a.Instructions.Count;
    }

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
                Use(i.A);
                Use(i.B);
                Use(i.C);
                if (i.Args is not null)
                {
                    foreach (int a in i.Args)
                    {
                        Use(a);
                    }
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

                UseIn(i.A, bi);
                UseIn(i.B, bi);
                UseIn(i.C, bi);
                if (i.Args is not null)
                {
                    foreach (int a in i.Args)
                    {
                        UseIn(a, bi);
                    }
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

    private static int AlignUp(int v, int a) => (v + a - 1) / a * a;

    /// <summary>
    /// True if every instruction of this function reaches <paramref name="address"/> with a rip-relative disp32: the
    /// function starts at <see cref="_rip"/> and is far smaller than the 1 GiB margin (the code cache is 64 MiB).
    /// </summary>
    private bool IsRipReachable(nint address) => !_movable && Math.Abs((long)address - (long)_rip) < (1L << 30);

    private static long AlignUp(long v, long a) => (v + a - 1) / a * a;

    // ---- operand helpers -------------------------------------------------------------------------

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

    // ---- ABI classification -----------------------------------------------------------------------

    private enum LocKind
    {
        Gpr,
        Sse,
        Stack,
        AggRegs,
        AggStack,
    }

    /// <summary>Where one argument goes: a register index, a stack offset, or (aggregates) per-eightbyte registers.</summary>
    private struct ArgLoc
    {
        public LocKind Kind;
        public int Reg;
        public int StackOffset;

        // AggRegs: register index for each eightbyte (GP or SSE index according to the class)
        public int Reg0;
        public int Reg1;
    }

    /// <summary>Assigns System V locations to a parameter list. Returns the stack bytes used.</summary>
    private static int Classify(IReadOnlyList<IrParamType> types, bool hiddenReturnPointer, ArgLoc[] locs, out int gpUsed, out int sseUsed)
    {
        int gp = hiddenReturnPointer ? 1 : 0;
        int sse = 0;
        long stack = 0;
        for (int i = 0; i < types.Count; i++)
        {
            IrParamType t = types[i];
            if (t.Aggregate is AggregateInfo agg)
            {
                if (!agg.IsMemory && agg.Size > 0)
                {
                    int needGp = 0;
                    int needSse = 0;
                    Count(agg.Lo, ref needGp, ref needSse);
                    if (agg.EightBytes == 2)
                    {
                        Count(agg.Hi, ref needGp, ref needSse);
                    }

                    if (gp + needGp <= 6 && sse + needSse <= 8)
                    {
                        var loc = new ArgLoc { Kind = LocKind.AggRegs };
                        loc.Reg0 = agg.Lo == ArgClass.Sse ? sse++ : gp++;
                        if (agg.EightBytes == 2)
                        {
                            loc.Reg1 = agg.Hi == ArgClass.Sse ? sse++ : gp++;
                        }

                        locs[i] = loc;
                        continue;
                    }
                }

                if (agg.Align > 8)
                {
                    stack = AlignUp(stack, 16);
                }

                locs[i] = new ArgLoc { Kind = LocKind.AggStack, StackOffset = (int)stack };
                stack += AlignUp((long)agg.Size, 8);
            }
            else if (t.Type.IsFloat())
            {
                if (sse < 8)
                {
                    locs[i] = new ArgLoc { Kind = LocKind.Sse, Reg = sse++ };
                }
                else
                {
                    locs[i] = new ArgLoc { Kind = LocKind.Stack, StackOffset = (int)stack };
                    stack += 8;
                }
            }
            else
            {
                if (gp < 6)
                {
                    locs[i] = new ArgLoc { Kind = LocKind.Gpr, Reg = gp++ };
                }
                else
                {
                    locs[i] = new ArgLoc { Kind = LocKind.Stack, StackOffset = (int)stack };
                    stack += 8;
                }
            }
        }

        gpUsed = gp;
        sseUsed = sse;
        return (int)stack;

        static void Count(ArgClass c, ref int g, ref int s)
        {
            if (c == ArgClass.Sse)
            {
                s++;
            }
            else
            {
                g++;
            }
        }
    }

    private static bool ReturnsInMemory(IrSignature sig) => sig.Return.Aggregate is { IsMemory: true };

    private static bool ReturnsAggregateInRegs(IrSignature sig) => sig.Return.Aggregate is { IsMemory: false, Size: > 0 };

    // ---- prologue ---------------------------------------------------------------------------------

    private void EmitParameterHoming()
    {
        IrSignature sig = _f.Signature;
        bool hidden = ReturnsInMemory(sig);
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

        var locs = new ArgLoc[sig.Parameters.Count];
        _namedStack = Classify(sig.Parameters, hidden, locs, out _namedGp, out _namedSse);

        // Registers first (copies of stack arguments may clobber argument registers).
        for (int p = 0; p < locs.Length && p < _f.ParamSlots.Count; p++)
        {
            int slot = _f.ParamSlots[p];
            IrParamType t = sig.Parameters[p];
            ArgLoc loc = locs[p];
            switch (loc.Kind)
            {
                case LocKind.Gpr when _slotDynAlign[slot] == 0:
                    StoreScalarToFrame(_slotOff[slot], s_argGprs[loc.Reg], t.Type);
                    break;
                case LocKind.Gpr:
                    SlotAddress(R11, slot);
                    StoreScalarToMem(r11, s_argGprs[loc.Reg], t.Type);
                    break;
                case LocKind.Sse:
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
                case LocKind.AggRegs:
                {
                    AggregateInfo agg = t.Aggregate!;
                    SlotAddress(R11, slot);
                    int n0 = Math.Min(8, agg.Size);
                    StoreEightbyteFromArgReg(agg.Lo, loc.Reg0, 0, n0);
                    if (agg.EightBytes == 2)
                    {
                        StoreEightbyteFromArgReg(agg.Hi, loc.Reg1, 8, agg.Size - 8);
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
                case LocKind.Stack:
                    SlotAddress(R11, slot);
                    _a.mov(rax, __qword_ptr[rbp + 16 + loc.StackOffset]);
                    StoreScalarToMem(r11, Rax, t.Type);
                    break;
                case LocKind.AggStack:
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

    // ---- instructions -----------------------------------------------------------------------------

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
        if (ReturnsInMemory(sig))
        {
            if (_f.ReturnPointerVReg >= 0)
            {
                _a.mov(rax, Q(_f.ReturnPointerVReg));
            }
        }
        else if (ReturnsAggregateInRegs(sig))
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
        bool hidden = ReturnsInMemory(sig);
        var locs = new ArgLoc[args.Length];
        int stackBytes = AlignUp(Classify(types, hidden, locs, out _, out int sseUsed), 16);

        if (stackBytes > 0)
        {
            _a.sub(rsp, stackBytes);
        }

        // 1. stack arguments
        for (int k = 0; k < args.Length; k++)
        {
            if (locs[k].Kind == LocKind.Stack)
            {
                LoadZx(Rax, args[k]);
                _a.mov(__qword_ptr[rsp + locs[k].StackOffset], rax);
            }
            else if (locs[k].Kind == LocKind.AggStack)
            {
                _a.lea(r10, __[rsp + locs[k].StackOffset]);
                _a.mov(r11, Q(args[k]));
                EmitCopy(types[k].Aggregate!.Size);
            }
        }

        // 2. vector registers
        for (int k = 0; k < args.Length; k++)
        {
            if (locs[k].Kind == LocKind.Sse)
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
            else if (locs[k].Kind == LocKind.AggRegs)
            {
                AggregateInfo agg = types[k].Aggregate!;
                if (agg.Lo == ArgClass.Sse || (agg.EightBytes == 2 && agg.Hi == ArgClass.Sse))
                {
                    _a.mov(r11, Q(args[k]));
                    if (agg.Lo == ArgClass.Sse)
                    {
                        LoadPartialXmm(s_argXmms[locs[k].Reg0], r11, 0, Math.Min(8, agg.Size));
                    }

                    if (agg.EightBytes == 2 && agg.Hi == ArgClass.Sse)
                    {
                        LoadPartialXmm(s_argXmms[locs[k].Reg1], r11, 8, agg.Size - 8);
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
            if (locs[k].Kind == LocKind.Gpr)
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
            else if (locs[k].Kind == LocKind.AggRegs)
            {
                AggregateInfo agg = types[k].Aggregate!;
                if (agg.Lo != ArgClass.Sse || (agg.EightBytes == 2 && agg.Hi != ArgClass.Sse))
                {
                    _a.mov(r11, Q(args[k]));
                    if (agg.Lo != ArgClass.Sse)
                    {
                        LoadPartial(s_argGprs[locs[k].Reg0], r11, 0, Math.Min(8, agg.Size));
                    }

                    if (agg.EightBytes == 2 && agg.Hi != ArgClass.Sse)
                    {
                        LoadPartial(s_argGprs[locs[k].Reg1], r11, 8, agg.Size - 8);
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
        if (ReturnsAggregateInRegs(sig) && i.B >= 0)
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
