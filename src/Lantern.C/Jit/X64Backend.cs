using Iced.Intel;
using Lantern.C.Describe;
using Lantern.X64;
using Lantern.C.Ir;
using Lantern.Observability.Debugging;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

/// <summary>
/// The baseline x86-64 backend: IR function → machine code, one IR instruction at a time.
/// <para>
/// Frame: <c>push rbp; mov rbp, rsp; sub rsp, N</c>; every slot and every vreg has a fixed home below rbp. Slots
/// (C variables) are read and written in their homes by every Load/Store. Expression temporaries (a vreg assigned
/// once and used only later in its block) stay in the register their instruction left them in (rax, rcx, rdx,
/// xmm0-xmm5) and their home is written only when a later instruction needs it (deferred stores); a value that
/// crosses a join (?:, &amp;&amp;/|| as a value) arrives in rax; a register cache spares reloads of values still in
/// rax/rcx/rdx/xmm0-xmm5 (see Jit/README.md). r10, r11 are scratch. The red zone is never used. Callee-saved
/// registers other than rbp are never touched, so setjmp/longjmp are safe.
/// </para>
/// <para>Calls follow the System V ABI in full (see <see cref="EmitCall"/>).</para>
/// </summary>
public sealed partial class X64Backend
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
}
