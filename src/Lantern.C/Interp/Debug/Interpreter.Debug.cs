using System.Runtime.InteropServices;
using Lantern.C.Describe;
using Lantern.C.Diagnostics;
using Lantern.C.Interp.Debug;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.C.Runtime;
using Lantern.Observability.Debugging;

namespace Lantern.C.Interp;

// The interpreter's side of the debug target (Debug/InterpDebugTarget.cs). Only an interpreter created for a target
// decodes the debugger markers (DbgEntry, DbgStmt, DbgReturn) and keeps one DebugFrame per call; a plain
// interpreter decodes none of them and pays one null test per call.
public sealed unsafe partial class Interpreter
{
    /// <summary>Bytes of virtual code before a function's first decoded instruction (a pretend <c>push rbp; mov rbp, rsp</c>).</summary>
    internal const int DebugPrologueLength = 4;

    /// <summary>Bytes of virtual code of the shared epilogue (a pretend <c>mov rsp, rbp; pop rbp; ret</c>).</summary>
    internal const int DebugEpilogueLength = 5;

    private readonly InterpDebugTarget? _debugTarget;
    private DebugFrame[] _debugFrames = Array.Empty<DebugFrame>();
    private DebugFunction[] _debugFunctions = Array.Empty<DebugFunction>();
    private readonly Dictionary<ulong, DFunc> _debugFunctionByBase = new();

    // Nonzero when a site is armed or an interrupt/kill is pending: the only thing a marker reads when nothing is.
    private volatile int _debugFlag;
    private long _debugReturnValue;
    private bool _debugReturnWritten;
    private InterpreterTrapException? _debugReportedFault;
    private readonly HashSet<ulong> _debugReturnAddresses = new();

    internal Interpreter(IrModule module, InterpDebugTarget target)
        : this(module)
    {
        _debugTarget = target;
    }

    /// <summary>One call of an interpreted function, as the debugger sees it.</summary>
    internal struct DebugFrame
    {
        public DFunc Function;

        /// <summary>The frame's slot base (the "virtual rbp").</summary>
        public long FrameBase;

        /// <summary>The C stack pointer at the call (the caller's "rsp").</summary>
        public long CallerSp;

        /// <summary>Index of the decoded instruction running (a marker at a stop, the call in an outer frame).</summary>
        public int Pc;
    }

    internal int DebugDepth => _depth;

    internal long DebugStackPointer => (long)_sp;

    internal ref DebugFrame DebugFrameAt(int index) => ref _debugFrames[index];

    internal IReadOnlyList<DebugFunction> DebugFunctions => _debugFunctions;

    internal long DebugReturnValue
    {
        get => _debugReturnValue;
        set
        {
            _debugReturnValue = value;
            _debugReturnWritten = true;
        }
    }

    internal void SetDebugFlag(bool on) => _debugFlag = on ? 1 : 0;

    /// <summary>True if <paramref name="message"/> is the runtime error the debugger was already shown as a stop.</summary>
    private bool ShownToDebugger(string message) => _debugTarget is not null && _debugReportedFault?.Message == message;

    /// <summary>The pc reported for the innermost frame instead of its marker's (a return address at a return breakpoint), or 0.</summary>
    internal ulong DebugPcOverride { get; set; }

    /// <summary>True if <paramref name="address"/> is the address just after a call instruction (where a call returns).</summary>
    internal bool IsDebugReturnAddress(ulong address) => _debugReturnAddresses.Contains(address);

    /// <summary>Loads (lays out globals, decodes); false with the reason if a symbol is undefined.</summary>
    internal bool EnsureLoaded(out string? error)
    {
        bool ok = Load();
        error = ok ? null : _loadError;
        return ok;
    }

    internal long GlobalAddress(string name) => _symbols.TryGetValue(name, out long a) ? a : 0;

    /// <summary>The virtual address of decoded instruction <paramref name="index"/> of <paramref name="f"/> (every DbgReturn: the epilogue).</summary>
    internal ulong DebugAddressOf(DFunc f, int index)
    {
        DebugFunction df = _debugFunctions[f.Index];
        return index >= 0 && index < f.CodeLength && f.Code[index].Op == DOp.DbgReturn ? df.Epilogue : df.Base + DebugPrologueLength + (ulong)index;
    }

    /// <summary>
    /// Gives every function a range of virtual code addresses from <paramref name="region"/> on (one address per
    /// decoded instruction after a 4-byte pretend prologue, then a 5-byte pretend epilogue shared by every return),
    /// numbers the markers as sites, and returns the sites in address order.
    /// </summary>
    internal List<PatchSite> BuildDebugLayout(ulong region)
    {
        var sites = new List<PatchSite>();
        _debugFunctions = new DebugFunction[_functions.Length];
        ulong next = region;
        foreach (DFunc f in _functions)
        {
            int epilogue = DebugPrologueLength + f.CodeLength;
            var df = new DebugFunction(f, next, epilogue + DebugEpilogueLength, next + (ulong)epilogue);
            _debugFunctions[f.Index] = df;
            _debugFunctionByBase[next] = f;
            int scope = 0;
            for (int k = 0; k < f.CodeLength; k++)
            {
                ref DInstr d = ref f.Code[k];
                switch (d.Op)
                {
                    case DOp.DbgEntry:
                        d.Imm = sites.Count;
                        sites.Add(new PatchSite(DebugAddressOf(f, k), PatchSiteKind.Entry));
                        break;
                    case DOp.DbgStmt:
                        d.Imm = sites.Count;
                        scope = d.T1;
                        sites.Add(new PatchSite(DebugAddressOf(f, k), PatchSiteKind.Statement));
                        df.Lines.Add(new LayoutLine(DebugPrologueLength + k, f.Locs[k], scope));
                        break;
                    case DOp.Call:
                        _debugReturnAddresses.Add(DebugAddressOf(f, k) + 1);
                        break;
                    case DOp.Trap:
                        // a line row at the trap itself (as the JIT's ud2 has): a crash names the __builtin_trap() line
                        SourceLocation loc = f.Locs[k];
                        if (!loc.IsNone && (k == 0 || f.Code[k - 1].Op != DOp.DbgStmt))
                        {
                            df.Lines.Add(new LayoutLine(DebugPrologueLength + k, loc, scope));
                        }

                        break;
                }
            }

            // the Return site: the pretend epilogue every return goes through (numbered after the body: sites stay sorted)
            int returnIndex = sites.Count;
            sites.Add(new PatchSite(df.Epilogue, PatchSiteKind.Return));
            for (int k = 0; k < f.CodeLength; k++)
            {
                if (f.Code[k].Op == DOp.DbgReturn)
                {
                    f.Code[k].Imm = returnIndex;
                }
            }

            next += (ulong)((df.Size + 15) & ~15);
        }

        return sites;
    }

    /// <summary>Total bytes of virtual code <see cref="BuildDebugLayout"/> needs.</summary>
    internal ulong DebugRegionSize()
    {
        ulong size = 0;
        foreach (DFunc f in _functions)
        {
            size += (ulong)((DebugPrologueLength + f.CodeLength + DebugEpilogueLength + 15) & ~15);
        }

        return Math.Max(size, 16);
    }

    /// <summary>The interpreted function whose virtual code starts at <paramref name="address"/>, or whose entry thunk it is.</summary>
    internal DFunc? DebugFunctionAt(ulong address)
    {
        if (_debugFunctionByBase.TryGetValue(address, out DFunc? f))
        {
            return f;
        }

        int id = _thunks?.IdOf((long)address) ?? -1;
        return id >= 0 ? _functions[id] : null;
    }

    /// <summary>Runs main on the calling thread (the target's worker).</summary>
    internal int RunForDebugger(string programName, IReadOnlyList<string> args)
    {
        _pending = null;
        _debugReportedFault = null;
        return RunOnThisThread(programName, args);
    }

    /// <summary>Puts every global back to its initial value (before the program runs again).</summary>
    internal void ResetForRelaunch()
    {
        foreach (IrGlobal g in Module.Globals)
        {
            byte* p = (byte*)_symbols[g.Name];
            var span = new Span<byte>(p, Math.Max(1, g.Size));
            span.Clear();
            if (g.Init is not null)
            {
                new ReadOnlySpan<byte>(g.Init).CopyTo(span);
            }

            foreach (IrReloc r in g.Relocs)
            {
                *(long*)(p + r.Offset) = AddressOfSymbol(r.Symbol, g.Location) + r.Addend;
            }
        }

        _atexit.Clear();
        _jmps.Clear();
    }

    private void DebugEnter(DFunc f, byte* fb, byte* callerSp)
    {
        int i = _depth - 1;
        if (i >= _debugFrames.Length)
        {
            Array.Resize(ref _debugFrames, Math.Max(64, _debugFrames.Length * 2));
        }

        ref DebugFrame frame = ref _debugFrames[i];
        frame.Function = f;
        frame.FrameBase = (long)fb;
        frame.CallerSp = (long)callerSp;
        frame.Pc = 0;
    }

    private void DebugSite(int site) => _debugTarget!.OnSite(site);

    private void DebugReturnedTo(DFunc f, int callIndex) => _debugTarget!.OnReturnedTo(DebugAddressOf(f, callIndex) + 1);

    private void DebugReturnSite(int site, long* r, int valueVReg)
    {
        _debugReturnWritten = false;
        _debugTarget!.OnSite(site);
        if (_debugReturnWritten && valueVReg >= 0)
        {
            r[valueVReg] = _debugReturnValue;
        }

        _debugReturnWritten = false;
    }

    /// <summary>
    /// Parks at a runtime error. <paramref name="precise"/>: the frame's pc is the faulting instruction; otherwise
    /// (a null dereference, caught after the loop) it is the last marker or call, and the stop is put just after it,
    /// inside the statement's line (as a faulting instruction is).
    /// </summary>
    private void DebugFault(InterpreterTrapException e, bool precise = true)
    {
        if (_debugReportedFault == e)
        {
            return;
        }

        _debugReportedFault = e;
        if (!precise && _depth > 0)
        {
            ref DebugFrame frame = ref _debugFrames[_depth - 1];
            int next = frame.Pc + 1;
            if (next < frame.Function.CodeLength && frame.Function.Code[next].Op is not (DOp.DbgStmt or DOp.DbgReturn))
            {
                frame.Pc = next;
            }
        }

        _debugTarget!.OnFault(e.Message, e.ExitStatus);
    }

    private void DebugEndInsideCallback(Exception pending)
    {
        int status = pending switch
        {
            ProgramExitException e => e.Status,
            InterpreterTrapException e => e.ExitStatus,
            _ => 134,
        };
        if (pending is not ProgramExitException)
        {
            FlushAll();
            Fatal(pending is InterpreterTrapException t ? t.Message : "longjmp out of a function called from native code is not supported", status);
        }

        _debugTarget!.OnEndInsideCallback(status);
    }

    /// <summary>
    /// Calls the interpreted function at <paramref name="entry"/> (its virtual address or its entry thunk) on this
    /// (the parked worker's) thread, as native code would call it, with <paramref name="stackArgs"/> as the stack argument
    /// area; returns rax, rdx, xmm0 and xmm1.
    /// </summary>
    internal CallResult DebugCall(ulong entry, IReadOnlyList<ulong> integerArgs, IReadOnlyList<double> doubleArgs, byte[]? stackArgs)
    {
        DFunc f = DebugFunctionAt(entry) ?? throw new InvalidOperationException($"no interpreted function at 0x{entry:x}");
        if (integerArgs.Count > 6 || doubleArgs.Count > 8)
        {
            throw new ArgumentException("at most 6 integer and 8 floating-point register arguments");
        }

        int stackBytes = stackArgs?.Length ?? 0;
        byte* block = (byte*)NativeMemory.AllocZeroed((nuint)(EntryBlock.Size + 64 + stackBytes), 16);
        stackArgs?.CopyTo(new Span<byte>(block + EntryBlock.Size, stackBytes));
        long savedReturn = _debugReturnValue;
        try
        {
            for (int i = 0; i < integerArgs.Count; i++)
            {
                ((long*)block)[i] = (long)integerArgs[i];
            }

            for (int i = 0; i < doubleArgs.Count; i++)
            {
                *(double*)(block + EntryBlock.XmmOffset + (16 * i)) = doubleArgs[i];
            }

            *(long*)(block + EntryBlock.StackArgsOffset) = (long)(block + EntryBlock.Size);
            Exception? before = _pending;
            _pending = null;
            EnterFromNative(f.Index, block);
            Exception? pending = _pending;
            _pending = before;
            if (pending is not null)
            {
                throw new InvalidOperationException(pending switch
                {
                    InterpreterTrapException t => t.Message,
                    ProgramExitException e => $"the program called exit({e.Status}) inside the called function",
                    _ => "longjmp out of the called function",
                });
            }

            return new CallResult(
                *(ulong*)(block + EntryBlock.RaxOffset),
                *(ulong*)(block + EntryBlock.RdxOffset),
                *(ulong*)(block + EntryBlock.Xmm0Offset),
                *(ulong*)(block + EntryBlock.Xmm1Offset));
        }
        finally
        {
            _debugReturnValue = savedReturn;
            NativeMemory.AlignedFree(block);
        }
    }
}
