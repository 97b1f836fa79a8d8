using System.Runtime.InteropServices;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Interop;

namespace Lantern.Observability.Debugging;

/// <summary>
/// The host layer for native code (knows nothing of C): an <see cref="IDebugTarget"/> for machine code with patch
/// sites that runs on a worker thread of this process. A subclass (the JIT's target, or a test's hand-assembled
/// code) provides the code memory, the DWARF, the sites, the program's body and an exit stub.
/// <para>
/// Mechanisms: an armed site is <c>call rel32</c> to the trampoline (<see cref="HostCode.Trampoline"/>), which saves
/// all registers into a block on the stack and calls <see cref="OnSite"/> ([UnmanagedCallersOnly]); it runs the stop
/// filter and, for a stop, parks the worker on a futex while the controller inspects and edits the block. Instruction
/// breakpoints are int3; SIGTRAP and the fatal signals go to a machine-code handler (<see cref="HostCode.SignalHandler"/>)
/// that copies the ucontext into a block and parks the same way. Instruction steps use the trap flag; an int3 is
/// stepped over by putting the original byte back for one trapped instruction.
/// </para>
/// </summary>
public abstract unsafe class NativeDebugTarget : IDebugTarget
{
    private const int WorkerStackSize = 256 << 20;
    private const int AltStackSize = 256 * 1024;
    private const ulong TrapFlag = 0x100;
    private const int TrapTrace = 2;
    private const int SiTkill = -6;
    private static readonly int[] s_signals = { Signals.SigIll, Signals.SigTrap, Signals.SigAbrt, Signals.SigBus, Signals.SigFpe, Signals.SigSegv };
    private static readonly object s_installLock = new();
    private static nint s_shared;
    private static nint s_signalHandler;
    private static readonly List<NativeDebugTarget?> s_targets = new();

    private readonly ICodeMemory _code;
    private readonly object _patchLock = new();
    private readonly int _cookie;
    private readonly nint _control;
    // the program's own bytes under every patch ever made: sites (5 bytes) and int3s (1 byte); the bytes in memory are
    // composed from them (Compose): an armed site is call rel32, an int3 overlays the first byte
    private readonly Dictionary<ulong, byte[]> _siteClean = new();
    private readonly Dictionary<ulong, byte> _int3Clean = new();
    private readonly HashSet<ulong> _armedSites = new();
    private readonly HashSet<ulong> _interruptSites = new();
    private readonly HashSet<ulong> _breakpoints = new();
    private readonly HashSet<ulong> _transientInt3 = new();
    private ulong _trampoline;
    private ulong _callStub;
    private ulong _callReturnTrap;
    private Thread? _worker;
    private TargetState _state;
    private int _seenStopSeq;
    private nint _block;
    private TargetStop? _pendingSiteStop;
    private TargetStop? _lastStop;
    private bool _stepping;
    private ulong? _stepOverAddress;
    private ResumeMode _stepOverMode;
    private volatile bool _siteCompletesStep;
    private volatile bool _interruptRequested;
    private volatile bool _inFilter;
    private bool _killed;
    private bool _inCall;
    private CallRequest? _callRequest;
    private Exception? _workerFailure;
    private bool _disposed;

    private enum TargetState
    {
        NotStarted,
        Running,
        Parked,
        Exited,
    }

    private sealed class CallRequest
    {
        public ulong Entry;
        public ulong[] Ints = new ulong[6];
        public ulong[] Doubles = new ulong[8];
        public ulong[] Stack = [];
        public CallResult Result;
    }

    /// <summary>Sets up the trampoline and call stub in <paramref name="code"/> and installs the signal handler (once per process).</summary>
    protected NativeDebugTarget(ICodeMemory code)
    {
        _code = code;
        _control = (nint)NativeMemory.AllocZeroed(HostCode.CtlSize);
        lock (s_installLock)
        {
            InstallSignalHandlerOnce();
            _cookie = s_targets.Count;
            s_targets.Add(this);
        }

        byte[] probe = HostCode.Trampoline(0x1000, 1, 1, 1);
        _trampoline = code.Allocate(probe.Length + 32);
        Write(_trampoline, HostCode.Trampoline(_trampoline, (ulong)(delegate* unmanaged<nint, nint, void>)&OnSite, (ulong)_cookie, (ulong)_control));
        byte[] stub = HostCode.CallStub(0x1000);
        _callStub = code.Allocate(stub.Length + 32);
        Write(_callStub, HostCode.CallStub(_callStub));
        _callReturnTrap = code.Allocate(16);
        Write(_callReturnTrap, [0xCC]);
    }

    /// <inheritdoc/>
    public abstract string Kind { get; }

    /// <inheritdoc/>
    public abstract DebugData Debug { get; }

    /// <inheritdoc/>
    public abstract IReadOnlyList<PatchSite> Sites { get; }

    /// <inheritdoc/>
    public bool SupportsInstructions => true;

    /// <inheritdoc/>
    public Func<TargetStop, bool>? StopFilter { get; set; }

    /// <summary>How many times an instruction under an int3 ran displaced (relocated in the scratch buffer).</summary>
    public int DisplacedExecutions { get; private set; }

    /// <summary>The trampoline's address (armed sites call it).</summary>
    public ulong TrampolineAddress => _trampoline;

    /// <summary>True once <see cref="Kill"/> ended the program (a subclass skips its atexit handlers).</summary>
    protected bool IsKilled => _killed;

    /// <summary>Where a killed program's thread continues, with edi = status: code that ends the run of <see cref="RunProgram"/>.</summary>
    protected abstract ulong ExitStub { get; }

    /// <summary>Runs the program on the worker thread (already set up: signals, alternate stack) and returns its exit status.</summary>
    protected abstract int RunProgram(string programName, IReadOnlyList<string> args);

    // ---- patching -------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public void SetSite(ulong address, bool armed)
    {
        lock (_patchLock)
        {
            if (armed ? !_armedSites.Add(address) : !_armedSites.Remove(address))
            {
                return;
            }

            if (!_interruptSites.Contains(address))
            {
                PatchSite(address, armed);
            }
        }
    }

    private void PatchSite(ulong address, bool armed)
    {
        if (armed && !_siteClean.ContainsKey(address))
        {
            var clean = new byte[5];
            new ReadOnlySpan<byte>((void*)address, 5).CopyTo(clean);
            if (_int3Clean.TryGetValue(address, out byte first))
            {
                clean[0] = first;
            }

            _siteClean[address] = clean;
        }

        Rewrite(address);
    }

    /// <summary>True if the site at <paramref name="address"/> is patched into a call (armed, or armed for an interrupt).</summary>
    private bool SiteIsCall(ulong address) => _armedSites.Contains(address) || _interruptSites.Contains(address);

    /// <summary>True if an int3 is in place at <paramref name="address"/> (not while stepping over it).</summary>
    private bool Int3IsIn(ulong address) => _breakpoints.Contains(address) && _stepOverAddress != address;

    /// <summary>The program's instruction bytes at a patched address without the int3 (a site's call if armed).</summary>
    private byte[] Effective(ulong address)
    {
        if (_siteClean.TryGetValue(address, out byte[]? clean))
        {
            if (!SiteIsCall(address))
            {
                return (byte[])clean.Clone();
            }

            var call = new byte[5];
            long rel = (long)_trampoline - (long)(address + 5);
            if (rel != (int)rel)
            {
                throw new InvalidOperationException("the trampoline is out of rel32 reach of the site");
            }

            call[0] = 0xE8;
            BitConverter.TryWriteBytes(call.AsSpan(1), (int)rel);
            return call;
        }

        return [_int3Clean.TryGetValue(address, out byte b) ? b : *(byte*)address];
    }

    /// <summary>Writes the composed bytes of a patched address: the effective instruction, with the int3 if one is in.</summary>
    private void Rewrite(ulong address)
    {
        byte[] bytes = Effective(address);
        if (Int3IsIn(address))
        {
            bytes[0] = 0xCC;
        }

        WriteCodeAtomically(address, bytes);
    }

    /// <summary>
    /// Replaces up to 8 code bytes so that a thread running them sees either the old or the new instruction: one
    /// aligned 8-byte store when they fit in an aligned qword, else int3 first (a thread reaching it traps and is sent
    /// back to retry), then the tail, then the first byte.
    /// </summary>
    private void WriteCodeAtomically(ulong address, ReadOnlySpan<byte> bytes)
    {
        ulong aligned = address & ~7UL;
        int shift = (int)(address - aligned);
        if (_state is TargetState.NotStarted or TargetState.Parked or TargetState.Exited)
        {
            Write(address, bytes);
            return;
        }

        if (shift + bytes.Length <= 8)
        {
            long* alias = (long*)_code.WritableAlias(aligned);
            long old = Volatile.Read(ref *alias);
            long value = old;
            Span<byte> q = new Span<byte>(&value, 8);
            bytes.CopyTo(q[shift..]);
            Interlocked.Exchange(ref *alias, value);
            return;
        }

        _transientInt3.Add(address);
        byte* p = (byte*)_code.WritableAlias(address);
        Volatile.Write(ref *p, (byte)0xCC);
        Interlocked.MemoryBarrier();
        for (int i = 1; i < bytes.Length; i++)
        {
            p[i] = bytes[i];
        }

        Interlocked.MemoryBarrier();
        Volatile.Write(ref *p, bytes[0]);
    }

    private void Write(ulong address, ReadOnlySpan<byte> bytes) => bytes.CopyTo(new Span<byte>((void*)_code.WritableAlias(address), bytes.Length));

    /// <inheritdoc/>
    public void SetInstructionBreakpoint(ulong address, bool armed)
    {
        lock (_patchLock)
        {
            if (armed)
            {
                if (!_int3Clean.ContainsKey(address))
                {
                    _int3Clean[address] = _siteClean.TryGetValue(address, out byte[]? site) ? site[0] : *(byte*)address;
                }

                if (_breakpoints.Add(address))
                {
                    Rewrite(address);
                }
            }
            else if (_breakpoints.Remove(address))
            {
                Rewrite(address);
            }
        }
    }

    // ---- running --------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public void Launch(string programName, IReadOnlyList<string> args)
    {
        if (_state is TargetState.Running or TargetState.Parked)
        {
            throw new InvalidOperationException("the program is already running");
        }

        _killed = false;
        _stepping = false;
        _stepOverAddress = null;
        _siteCompletesStep = false;
        _interruptRequested = false;
        _lastStop = null;
        _workerFailure = null;
        var ctl = (long*)_control;
        ctl[HostCode.CtlStopKind / 8] = 0;
        *(nint*)(s_shared + HostCode.SharedControl) = _control;
        _state = TargetState.Running;
        _worker = new Thread(() => WorkerMain(programName, args), WorkerStackSize) { Name = "lantern-debuggee", IsBackground = true };
        _worker.Start();
    }

    private void WorkerMain(string programName, IReadOnlyList<string> args)
    {
        var ctl = (long*)_control;
        nint altStack = (nint)LibC.MapAnonymousMemory(AltStackSize, LibC.ProtRead | LibC.ProtWrite);
        long* ss = stackalloc long[3];
        long* oldSs = stackalloc long[3];
        ss[0] = altStack;
        ss[1] = 0;
        ss[2] = AltStackSize;
        bool altSet = LibC.Sigaltstack((nint)ss, (nint)oldSs) == 0;
        int status = 0;
        try
        {
            *(int*)(_control + HostCode.CtlTid) = LibC.GetTid();
            Volatile.Write(ref ctl[HostCode.CtlInProgram / 8], 1);
            status = RunProgram(programName, args);
        }
        catch (Exception e)
        {
            _workerFailure = e;
            status = 1;
        }
        finally
        {
            Volatile.Write(ref ctl[HostCode.CtlInProgram / 8], 0);
            *(int*)(_control + HostCode.CtlTid) = 0;
            if (altSet)
            {
                LibC.Sigaltstack((nint)oldSs, 0);
            }

            LibC.Munmap(altStack, AltStackSize);
        }

        ctl[HostCode.CtlExitStatus / 8] = status;
        ctl[HostCode.CtlStopKind / 8] = HostCode.StopKindExited;
        Interlocked.Increment(ref *(int*)(_control + HostCode.CtlStopSeq));
        HostNative.FutexWake((int*)(_control + HostCode.CtlStopSeq));
    }

    [UnmanagedCallersOnly]
    private static void OnSite(nint block, nint cookie)
    {
        try
        {
            s_targets[(int)cookie]?.HandleSite(block);
        }
        catch
        {
            // an exception must never cross into program frames
        }
    }

    private void HandleSite(nint block)
    {
        if (_inCall)
        {
            return;
        }

        ulong pc = *(ulong*)(block + RegisterBlock.Rip);
        TargetStop stop;
        if (_siteCompletesStep)
        {
            _siteCompletesStep = false;
            stop = new TargetStop(StopReason.Instruction, pc);
        }
        else if (_interruptRequested)
        {
            _interruptRequested = false;
            stop = new TargetStop(StopReason.Interrupted, pc);
        }
        else
        {
            stop = new TargetStop(StopReason.Site, pc);
            if (StopFilter is Func<TargetStop, bool> filter)
            {
                _block = block;
                _inFilter = true;
                bool keep = true;
                try
                {
                    keep = filter(stop);
                }
                catch
                {
                    keep = true;
                }
                finally
                {
                    _inFilter = false;
                }

                if (!keep)
                {
                    return;
                }
            }
        }

        _pendingSiteStop = stop;
        var ctl = (long*)_control;
        int* resumeSeq = (int*)(_control + HostCode.CtlResumeSeq);
        int expected = Volatile.Read(ref *resumeSeq);
        ctl[HostCode.CtlBlock / 8] = block;
        ctl[HostCode.CtlStopKind / 8] = HostCode.StopKindSite;
        Interlocked.Increment(ref *(int*)(_control + HostCode.CtlStopSeq));
        HostNative.FutexWake((int*)(_control + HostCode.CtlStopSeq));
        while (true)
        {
            SpinWhileEqual(resumeSeq, expected);
            while (Volatile.Read(ref *resumeSeq) == expected)
            {
                HostNative.FutexWait(resumeSeq, expected);
            }

            expected = Volatile.Read(ref *resumeSeq);
            if (_callRequest is CallRequest call)
            {
                RunCall(call);
                ctl[HostCode.CtlStopKind / 8] = HostCode.StopKindSite;
                ctl[HostCode.CtlBlock / 8] = block;
                Interlocked.Increment(ref *(int*)(_control + HostCode.CtlStopSeq));
                HostNative.FutexWake((int*)(_control + HostCode.CtlStopSeq));
                continue;
            }

            return;
        }
    }

    private void RunCall(CallRequest call)
    {
        var ctl = (long*)_control;
        ulong* ints = stackalloc ulong[6];
        ulong* doubles = stackalloc ulong[8];
        ulong* result = stackalloc ulong[4];
        for (int i = 0; i < 6; i++)
        {
            ints[i] = call.Ints[i];
        }

        for (int i = 0; i < 8; i++)
        {
            doubles[i] = call.Doubles[i];
        }

        _inCall = true;
        Volatile.Write(ref ctl[HostCode.CtlInProgram / 8], 1);
        fixed (ulong* stack = call.Stack)
        {
            ((delegate* unmanaged<ulong, ulong*, ulong*, ulong*, ulong*, ulong, void>)_callStub)(call.Entry, ints, doubles, result, stack, (ulong)call.Stack.Length);
        }

        Volatile.Write(ref ctl[HostCode.CtlInProgram / 8], 0);
        _inCall = false;
        call.Result = new CallResult(result[0], result[1], result[2], result[3]);
    }

    /// <inheritdoc/>
    public TargetStop? WaitForStop(TimeSpan? timeout = null)
    {
        if (_state == TargetState.NotStarted)
        {
            throw new InvalidOperationException("the program is not running");
        }

        if (_state == TargetState.Parked || _state == TargetState.Exited)
        {
            return _lastStop;
        }

        long deadline = timeout is TimeSpan t ? Environment.TickCount64 + (long)t.TotalMilliseconds : long.MaxValue;
        int* stopSeq = (int*)(_control + HostCode.CtlStopSeq);
        var ctl = (long*)_control;
        while (true)
        {
            SpinWhileEqual(stopSeq, _seenStopSeq);
            while (Volatile.Read(ref *stopSeq) == _seenStopSeq)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return null;
                }

                HostNative.FutexWait(stopSeq, _seenStopSeq, deadline == long.MaxValue ? -1 : (int)Math.Min(left, int.MaxValue));
            }

            _seenStopSeq = Volatile.Read(ref *stopSeq);
            long kind = ctl[HostCode.CtlStopKind / 8];
            if (kind == HostCode.StopKindExited)
            {
                _worker?.Join();
                _state = TargetState.Exited;
                if (*(nint*)(s_shared + HostCode.SharedControl) == _control)
                {
                    *(nint*)(s_shared + HostCode.SharedControl) = 0;
                }

                _lastStop = new TargetStop(StopReason.Exited, 0, ExitStatus: (int)ctl[HostCode.CtlExitStatus / 8]);
                return _lastStop;
            }

            _block = (nint)ctl[HostCode.CtlBlock / 8];
            _state = TargetState.Parked;
            TargetStop? stop = kind == HostCode.StopKindSite ? _pendingSiteStop : ClassifySignalStop();
            if (stop is null)
            {
                continue; // resumed silently
            }

            if (_interruptSites.Count > 0)
            {
                lock (_patchLock)
                {
                    ulong[] sites = _interruptSites.ToArray();
                    _interruptSites.Clear();
                    foreach (ulong site in sites)
                    {
                        if (!_armedSites.Contains(site))
                        {
                            PatchSite(site, armed: false);
                        }
                    }
                }
            }

            if (kind == HostCode.StopKindSignal && stop.Reason == StopReason.Instruction && StopFilter is Func<TargetStop, bool> filter && !_stepping)
            {
                bool keep;
                try
                {
                    keep = filter(stop);
                }
                catch
                {
                    keep = true;
                }

                if (!keep)
                {
                    _lastStop = stop;
                    Resume(ResumeMode.Continue);
                    continue;
                }
            }

            _lastStop = stop;
            return stop;
        }
    }

    /// <summary>
    /// Spins briefly (up to <see cref="SpinTicks"/>) while *<paramref name="word"/> == <paramref name="value"/>: a stop
    /// and a resume usually follow within microseconds (stepping), and a futex sleep and wake-up cost more than that.
    /// </summary>
    private static void SpinWhileEqual(int* word, int value)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Volatile.Read(ref *word) == value)
        {
            Thread.SpinWait(4);
            if (System.Diagnostics.Stopwatch.GetTimestamp() - start > SpinTicks)
            {
                return;
            }
        }
    }

    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 200_000; // 5 us

    /// <summary>A SIGTRAP or fatal signal on the worker: the stop to report, or null after resuming silently.</summary>
    private TargetStop? ClassifySignalStop()
    {
        var ctl = (long*)_control;
        int sig = (int)ctl[HostCode.CtlSignal / 8];
        ulong* block = (ulong*)_block;
        ulong rip = block[16];
        if (_scratch != 0 && rip >= _scratch && rip < _scratch + (ulong)_displacedLength)
        {
            // a fault in a displaced instruction: report (and resume) it at its home
            rip = _displacedFrom;
            block[16] = rip;
        }

        if (sig != Signals.SigTrap)
        {
            return new TargetStop(StopReason.Signal, rip, sig, (ulong)ctl[HostCode.CtlFaultAddress / 8]);
        }

        if (ctl[HostCode.CtlSiCode / 8] == SiTkill)
        {
            // Interrupt's signal: the thread was in a system call or in code without sites
            if (!_interruptRequested)
            {
                ResumeRaw();
                return null;
            }

            _interruptRequested = false;
            return new TargetStop(StopReason.Interrupted, rip);
        }

        bool traced = ctl[HostCode.CtlSiCode / 8] == TrapTrace;
        if (_stepping && (traced || !_breakpoints.Contains(rip - 1)))
        {
            _stepping = false;
            block[RegisterBlock.Rflags / 8] &= ~TrapFlag;
            ResumeMode after = ResumeMode.StepInstruction;
            if (_stepOverAddress is ulong over)
            {
                _stepOverAddress = null;
                after = _stepOverMode;
                lock (_patchLock)
                {
                    Rewrite(over);
                }
            }

            if (rip == _trampoline)
            {
                // the instruction was an armed site's call: the site handler reports the end of the step
                if (after == ResumeMode.StepInstruction)
                {
                    _siteCompletesStep = true;
                }

                ResumeRaw();
                return null;
            }

            if (after == ResumeMode.Continue)
            {
                if (_breakpoints.Contains(rip))
                {
                    return new TargetStop(StopReason.Instruction, rip);
                }

                ResumeRaw();
                return null;
            }

            return new TargetStop(StopReason.Instruction, rip);
        }

        if (_breakpoints.Contains(rip - 1))
        {
            block[16] = rip - 1;
            _stepping = false;
            block[RegisterBlock.Rflags / 8] &= ~TrapFlag;
            return new TargetStop(StopReason.Instruction, rip - 1);
        }

        lock (_patchLock)
        {
            if (_transientInt3.Contains(rip - 1))
            {
                block[16] = rip - 1; // a site being patched: retry it
                ResumeRaw();
                return null;
            }
        }

        return new TargetStop(StopReason.Signal, rip, sig, (ulong)ctl[HostCode.CtlFaultAddress / 8]);
    }

    /// <inheritdoc/>
    public void Resume(ResumeMode mode)
    {
        RequireParked();
        ulong* block = (ulong*)_block;
        if (_lastStop is { Reason: StopReason.Signal } fatal && fatal.Signal != Signals.SigTrap)
        {
            // continuing after a fatal signal ends the program, as the default action would
            Terminate(128 + fatal.Signal);
            return;
        }

        ulong pc = block[16];
        if (mode == ResumeMode.Continue && _lastStop is { Reason: StopReason.Instruction } && pc == _lastStop.Pc && _siteClean.ContainsKey(pc) && SiteIsCall(pc))
        {
            // stopped by an int3 at an armed site: that stop was the site's stop; run on after the site
            block[16] = pc + 5;
            ResumeRaw();
            return;
        }

        lock (_patchLock)
        {
            if (mode == ResumeMode.Continue && _breakpoints.Contains(pc) && Displace(pc) is ulong copy)
            {
                // displaced execution: the int3 stays; the original instruction runs relocated in the scratch buffer
                block[16] = copy;
                DisplacedExecutions++;
                ResumeRaw();
                return;
            }

            if (_breakpoints.Contains(pc))
            {
                _stepOverAddress = pc;
                Rewrite(pc);
                _stepOverMode = mode;
                mode = ResumeMode.StepInstruction;
            }
        }

        if (mode == ResumeMode.StepInstruction)
        {
            block[RegisterBlock.Rflags / 8] |= TrapFlag;
            _stepping = true;
        }

        ResumeRaw();
    }

    /// <summary>
    /// Writes a relocated copy of the instruction at <paramref name="pc"/> (its original bytes, decoded with Iced)
    /// into the scratch buffer, followed by a jump back to the next instruction; returns the copy's address, or null
    /// if the instruction cannot be displaced (then it is stepped in place with the trap flag). Iced's block encoder
    /// re-targets RIP-relative operands and branches; a call becomes push of the original return address + jmp.
    /// </summary>
    private ulong? Displace(ulong pc)
    {
        var bytes = new byte[16];
        int n = bytes.Length;
        while (n > 0 && !ReadMemory(pc, bytes.AsSpan(0, n)))
        {
            n--;
        }

        Effective(pc).AsSpan(0, Math.Min(n, Effective(pc).Length)).CopyTo(bytes); // an armed site runs as its call
        var decoder = Iced.Intel.Decoder.Create(64, new Iced.Intel.ByteArrayCodeReader(bytes, 0, n));
        decoder.IP = pc;
        Iced.Intel.Instruction instruction = decoder.Decode();
        if (instruction.IsInvalid)
        {
            return null;
        }

        ulong next = instruction.NextIP;
        var list = new List<Iced.Intel.Instruction>();
        if (instruction.FlowControl is Iced.Intel.FlowControl.Call or Iced.Intel.FlowControl.IndirectCall)
        {
            Iced.Intel.Code jump = instruction.Code switch
            {
                Iced.Intel.Code.Call_rel32_64 => Iced.Intel.Code.Jmp_rel32_64,
                Iced.Intel.Code.Call_rm64 => Iced.Intel.Code.Jmp_rm64,
                _ => Iced.Intel.Code.INVALID,
            };
            bool usesRsp = instruction.MemoryBase == Iced.Intel.Register.RSP || instruction.MemoryIndex == Iced.Intel.Register.RSP
                || (instruction.Op0Kind == Iced.Intel.OpKind.Register && instruction.Op0Register == Iced.Intel.Register.RSP);
            if (jump == Iced.Intel.Code.INVALID || usesRsp)
            {
                return null;
            }

            // push the original return address without changing any register: push rax; mov rax, next; xchg [rsp], rax
            list.Add(Iced.Intel.Instruction.Create(Iced.Intel.Code.Push_r64, Iced.Intel.Register.RAX));
            list.Add(Iced.Intel.Instruction.Create(Iced.Intel.Code.Mov_r64_imm64, Iced.Intel.Register.RAX, next));
            list.Add(Iced.Intel.Instruction.Create(Iced.Intel.Code.Xchg_rm64_r64, new Iced.Intel.MemoryOperand(Iced.Intel.Register.RSP), Iced.Intel.Register.RAX));
            Iced.Intel.Instruction jmp = instruction;
            jmp.Code = jump;
            list.Add(jmp);
        }
        else
        {
            list.Add(instruction);
            list.Add(Iced.Intel.Instruction.CreateBranch(Iced.Intel.Code.Jmp_rel32_64, next));
        }

        _scratch = _scratch != 0 ? _scratch : _code.Allocate(ScratchSize);
        var writer = new ByteWriter();
        if (!Iced.Intel.BlockEncoder.TryEncode(64, new Iced.Intel.InstructionBlock(writer, list, _scratch), out _, out _) || writer.Bytes.Count > ScratchSize)
        {
            return null;
        }

        Write(_scratch, writer.Bytes.ToArray());
        _displacedFrom = pc;
        _displacedLength = writer.Bytes.Count;
        return _scratch;
    }

    private const int ScratchSize = 64;
    private ulong _scratch;
    private ulong _displacedFrom;
    private int _displacedLength;

    private sealed class ByteWriter : Iced.Intel.CodeWriter
    {
        public List<byte> Bytes { get; } = new();

        public override void WriteByte(byte value) => Bytes.Add(value);
    }

    private void ResumeRaw()
    {
        _state = TargetState.Running;
        int* resumeSeq = (int*)(_control + HostCode.CtlResumeSeq);
        Interlocked.Increment(ref *resumeSeq);
        HostNative.FutexWake(resumeSeq);
    }

    /// <inheritdoc/>
    public void Interrupt()
    {
        if (_state != TargetState.Running)
        {
            return;
        }

        _interruptRequested = true;
        lock (_patchLock)
        {
            foreach (PatchSite site in Sites)
            {
                if (!_armedSites.Contains(site.Address) && _interruptSites.Add(site.Address))
                {
                    PatchSite(site.Address, armed: true);
                }
            }
        }

        // A program blocked in a system call (read, sleep) reaches no site: after a moment, a SIGTRAP sent to its
        // thread stops it where it is (the handler parks it; reported as Interrupted).
        int tid = *(int*)(_control + HostCode.CtlTid);
        int seq = Volatile.Read(ref *(int*)(_control + HostCode.CtlStopSeq));
        if (tid != 0)
        {
            ThreadPool.QueueUserWorkItem(_ =>
            {
                Thread.Sleep(InterruptSignalDelayMs);
                if (_interruptRequested && !_disposed && Volatile.Read(ref *(int*)(_control + HostCode.CtlStopSeq)) == seq
                    && *(int*)(_control + HostCode.CtlTid) == tid)
                {
                    LibC.Tgkill(LibC.GetPid(), tid, Signals.SigTrap);
                }
            });
        }
    }

    private const int InterruptSignalDelayMs = 200;

    /// <inheritdoc/>
    public void Kill()
    {
        if (_state is TargetState.NotStarted or TargetState.Exited)
        {
            return;
        }

        if (_state == TargetState.Running)
        {
            Interrupt();
            WaitForStop();
            if (_state == TargetState.Exited)
            {
                return;
            }
        }

        Terminate(128 + 9);
        WaitForStop();
    }

    private void Terminate(int status)
    {
        ulong* block = (ulong*)_block;
        _killed = true;
        _stepping = false;
        lock (_patchLock)
        {
            if (_stepOverAddress is ulong over)
            {
                _stepOverAddress = null;
                Rewrite(over);
            }
        }

        block[RegisterBlock.Rflags / 8] &= ~TrapFlag;
        block[16] = ExitStub;
        block[5] = (ulong)status;          // rdi
        ResumeRaw();
    }

    // ---- state of the parked thread -------------------------------------------------------------------------

    private void RequireParked()
    {
        if (_state != TargetState.Parked)
        {
            throw new InvalidOperationException(_state == TargetState.Running ? "the program is running" : "the program is not being run");
        }
    }

    /// <summary>True while the worker is parked at a stop or runs the stop filter (which may read its state).</summary>
    private bool HasBlock => _state == TargetState.Parked || _inFilter;

    /// <inheritdoc/>
    public ulong ReadRegister(int dwarfRegister)
    {
        int offset = RegisterBlock.OffsetOf(dwarfRegister);
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dwarfRegister), $"no register {dwarfRegister}");
        }

        if (!HasBlock)
        {
            RequireParked();
        }

        return *(ulong*)(_block + offset);
    }

    /// <inheritdoc/>
    public void WriteRegister(int dwarfRegister, ulong value)
    {
        int offset = RegisterBlock.OffsetOf(dwarfRegister);
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dwarfRegister), $"no register {dwarfRegister}");
        }

        RequireParked();
        *(ulong*)(_block + offset) = value;
    }

    /// <inheritdoc/>
    public IReadOnlyList<FrameState> Unwind()
    {
        if (!HasBlock)
        {
            RequireParked();
        }

        var frames = new List<FrameState>();
        var registers = new Dictionary<int, ulong>();
        for (int r = 0; r <= 16; r++)
        {
            registers[r] = *(ulong*)(_block + (r * 8));
        }

        for (int r = 17; r <= 32; r++)
        {
            registers[r] = *(ulong*)(_block + RegisterBlock.OffsetOf(r));
        }

        registers[RegisterBlock.DwarfRflags] = *(ulong*)(_block + RegisterBlock.Rflags);
        ulong pc = registers[16];
        ulong lastCfa = 0;
        for (int depth = 0; depth < 100_000; depth++)
        {
            UnwindRow? row = Debug.Unwind(depth == 0 ? pc : pc - 1);
            if (row is null && depth == 0 && FindReturnAddressOnStack(registers[7]) is (ulong slot, ulong ret))
            {
                // stopped in code without CFI (a fault in libc): the innermost frame, then the program's frame
                // whose return address is the first one found on the stack
                frames.Add(new FrameState(pc, slot + 8, registers));
                registers = new Dictionary<int, ulong>(registers) { [7] = slot + 8, [16] = ret, [6] = GuessFramePointer(registers[6], registers[7], slot) };
                pc = ret;
                lastCfa = slot + 8;
                continue;
            }

            if (row is null || row.CfaExpression is not null || !registers.TryGetValue((int)row.CfaRegister, out ulong cfaBase))
            {
                if (depth == 0)
                {
                    frames.Add(new FrameState(pc, 0, registers));
                }

                break;
            }

            ulong cfa = cfaBase + (ulong)row.CfaOffset;
            if (depth > 0 && cfa < lastCfa)
            {
                break;
            }

            lastCfa = cfa;
            frames.Add(new FrameState(pc, cfa, registers));
            var caller = new Dictionary<int, ulong>();
            bool ok = true;
            for (int r = 0; r <= 16; r++)
            {
                RegisterRule rule = r == 16 ? row.ReturnAddress : row.GetRule((ulong)r);
                switch (rule.Kind)
                {
                    case RegisterRuleKind.SameValue when r != 16 && r != 7:
                        if (registers.TryGetValue(r, out ulong same))
                        {
                            caller[r] = same;
                        }

                        break;
                    case RegisterRuleKind.Offset:
                        ulong value = 0;
                        if (!ReadMemory(cfa + (ulong)rule.Offset, new Span<byte>(&value, 8)))
                        {
                            ok = false;
                        }

                        caller[r] = value;
                        break;
                    case RegisterRuleKind.ValOffset:
                        caller[r] = cfa + (ulong)rule.Offset;
                        break;
                    case RegisterRuleKind.Register:
                        if (registers.TryGetValue((int)rule.Register, out ulong other))
                        {
                            caller[r] = other;
                        }

                        break;
                }
            }

            caller[7] = cfa;
            if (!ok || !caller.TryGetValue(16, out ulong returnAddress) || returnAddress == 0)
            {
                break;
            }

            registers = caller;
            pc = returnAddress;
        }

        return frames;
    }

    /// <summary>
    /// The frame pointer of a program frame that called code without CFI (libc), whose return address is at
    /// <paramref name="slot"/>: rbp itself if it still looks like one (16-byte aligned, a little above the slot), else
    /// the lowest such value saved between rsp and the slot (the callee's <c>push rbp</c>).
    /// </summary>
    private ulong GuessFramePointer(ulong rbp, ulong rsp, ulong slot)
    {
        bool Plausible(ulong v) => v > slot && v - slot < (1UL << 24) && (v & 15) == 0;
        if (Plausible(rbp))
        {
            return rbp;
        }

        ulong best = 0;
        for (ulong a = rsp; a < slot; a += 8)
        {
            ulong value = 0;
            if (HostNative.ReadMemory(a, new Span<byte>(&value, 8)) && Plausible(value) && (best == 0 || value < best))
            {
                best = value;
            }
        }

        return best != 0 ? best : rbp;
    }

    /// <summary>The first stack slot (from <paramref name="rsp"/>, up to 4 KiB) holding a return address into code with CFI.</summary>
    private (ulong Slot, ulong ReturnAddress)? FindReturnAddressOnStack(ulong rsp)
    {
        for (ulong slot = rsp; slot < rsp + 4096; slot += 8)
        {
            ulong value = 0;
            if (!HostNative.ReadMemory(slot, new Span<byte>(&value, 8)))
            {
                return null;
            }

            if (value > 1 && _code.Contains(value) && Debug.Unwind(value - 1) is not null)
            {
                return (slot, value);
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public bool ReadMemory(ulong address, Span<byte> buffer)
    {
        if (!HostNative.ReadMemory(address, buffer))
        {
            return false;
        }

        if (_code.Contains(address))
        {
            // show the original bytes under armed sites and int3s (like gdb's shadow contents)
            lock (_patchLock)
            {
                foreach ((ulong at, byte[] original) in _siteClean.Select(p => (p.Key, p.Value)).Concat(_int3Clean.Select(p => (p.Key, new[] { p.Value }))))
                {
                    for (int i = 0; i < original.Length; i++)
                    {
                        ulong a = at + (ulong)i;
                        if (a >= address && a < address + (ulong)buffer.Length)
                        {
                            buffer[(int)(a - address)] = original[i];
                        }
                    }
                }
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public bool WriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        if (_code.Contains(address) && _code.Contains(address + (ulong)data.Length - 1))
        {
            Write(address, data);
            return true;
        }

        return HostNative.WriteMemory(address, data);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// At a site stop the parked handler calls the function through the call stub; from the stop filter (a breakpoint
    /// condition) the program's thread calls it directly. At a signal stop (stepi, nexti, an
    /// int3, a fault, an interrupt) the thread is parked in the signal handler, so the call is made as gdb makes it: the
    /// registers get a dummy frame (arguments, rip = the function, a return address that is an int3, rsp below the
    /// stopped frame's red zone), the thread runs the function and stops at that int3, and the stopped registers are
    /// put back.
    /// </remarks>
    public CallResult CallFunction(ulong entry, IReadOnlyList<ulong> integerArgs, IReadOnlyList<double> doubleArgs, byte[]? stackArgs = null)
    {
        bool fromFilter = _inFilter && Thread.CurrentThread == _worker;
        if (!fromFilter)
        {
            RequireParked();
        }

        if (integerArgs.Count > 6 || doubleArgs.Count > 8 || (stackArgs is not null && stackArgs.Length % 8 != 0))
        {
            throw new ArgumentException("at most 6 integer and 8 floating-point arguments, and whole stack slots");
        }

        var call = new CallRequest { Entry = entry, Stack = new ulong[(stackArgs?.Length ?? 0) / 8] };
        for (int i = 0; i < integerArgs.Count; i++)
        {
            call.Ints[i] = integerArgs[i];
        }

        for (int i = 0; i < doubleArgs.Count; i++)
        {
            call.Doubles[i] = BitConverter.DoubleToUInt64Bits(doubleArgs[i]);
        }

        if (stackArgs is not null)
        {
            Buffer.BlockCopy(stackArgs, 0, call.Stack, 0, stackArgs.Length);
        }

        if (fromFilter)
        {
            // a breakpoint condition that calls a function: the stop filter runs on the program's thread, in the site handler
            RunCall(call);
            return call.Result;
        }

        if ((long)((long*)_control)[HostCode.CtlStopKind / 8] != HostCode.StopKindSite)
        {
            return CallFromSignalStop(call);
        }

        TargetStop? before = _lastStop;
        nint block = _block;
        _callRequest = call;
        ResumeRaw();
        long kind = WaitForCallStop();
        _callRequest = null;
        if (kind != HostCode.StopKindSite)
        {
            // the callee faulted (or hit an int3): the thread stays stopped there, as gdb leaves it
            _block = (nint)((long*)_control)[HostCode.CtlBlock / 8];
            _lastStop = ClassifySignalStop() ?? new TargetStop(StopReason.Signal, 0);
            throw new TargetCallException("the called function stopped with a signal", _lastStop);
        }

        _block = block;
        _lastStop = before;
        return call.Result;
    }

    private CallResult CallFromSignalStop(CallRequest call)
    {
        const int RedZone = 128;
        TargetStop? before = _lastStop;
        var block = (ulong*)(_control + HostCode.CtlSignalBlock);
        byte[] saved = new byte[RegisterBlock.Size];
        new ReadOnlySpan<byte>(block, RegisterBlock.Size).CopyTo(saved);
        var ctl = (long*)_control;
        (long signal, long faultAddress, long siCode) = (ctl[HostCode.CtlSignal / 8], ctl[HostCode.CtlFaultAddress / 8], ctl[HostCode.CtlSiCode / 8]);
        ulong sp = (block[7] - RedZone - ((ulong)call.Stack.Length * 8)) & ~15UL;
        if (call.Stack.Length > 0)
        {
            byte[] bytes = new byte[call.Stack.Length * 8];
            Buffer.BlockCopy(call.Stack, 0, bytes, 0, bytes.Length);
            if (!HostNative.WriteMemory(sp, bytes))
            {
                throw new InvalidOperationException("cannot write the arguments on the program's stack");
            }
        }

        sp -= 8;
        if (!HostNative.WriteMemory(sp, BitConverter.GetBytes(_callReturnTrap)))
        {
            throw new InvalidOperationException("cannot write the return address on the program's stack");
        }

        int[] intRegisters = [5, 4, 1, 2, 8, 9]; // rdi, rsi, rdx, rcx, r8, r9 (DWARF numbers)
        for (int i = 0; i < 6; i++)
        {
            block[intRegisters[i]] = call.Ints[i];
        }

        for (int i = 0; i < 8; i++)
        {
            *(ulong*)((byte*)block + RegisterBlock.Xmm0 + (16 * i)) = call.Doubles[i];
            *(ulong*)((byte*)block + RegisterBlock.Xmm0 + (16 * i) + 8) = 0;
        }

        block[0] = 8; // al: SSE registers used, for a variadic callee
        block[7] = sp;
        block[16] = call.Entry;
        *(ulong*)((byte*)block + RegisterBlock.Rflags) &= ~0x500UL; // TF (stepi) and DF off
        _inCall = true;
        long kind;
        try
        {
            ResumeRaw();
            kind = WaitForCallStop();
        }
        finally
        {
            _inCall = false;
        }

        if (kind != HostCode.StopKindSignal || block[16] != _callReturnTrap + 1)
        {
            // the callee faulted (or hit an int3): the thread stays stopped there, as gdb leaves it
            _block = (nint)((long*)_control)[HostCode.CtlBlock / 8];
            _lastStop = ClassifySignalStop() ?? new TargetStop(StopReason.Signal, 0);
            throw new TargetCallException("the called function stopped with a signal", _lastStop);
        }

        var result = new CallResult(block[0], block[1], *(ulong*)((byte*)block + RegisterBlock.Xmm0), *(ulong*)((byte*)block + RegisterBlock.Xmm0 + 16));
        saved.CopyTo(new Span<byte>(block, RegisterBlock.Size));
        (ctl[HostCode.CtlSignal / 8], ctl[HostCode.CtlFaultAddress / 8], ctl[HostCode.CtlSiCode / 8]) = (signal, faultAddress, siCode);
        _block = (nint)block;
        _lastStop = before;
        return result;
    }

    /// <summary>Waits until the thread released for a call stops again (returned, or faulted); the stop kind.</summary>
    private long WaitForCallStop()
    {
        int* stopSeq = (int*)(_control + HostCode.CtlStopSeq);
        while (Volatile.Read(ref *stopSeq) == _seenStopSeq)
        {
            HostNative.FutexWait(stopSeq, _seenStopSeq);
        }

        _seenStopSeq = Volatile.Read(ref *stopSeq);
        _state = TargetState.Parked;
        return ((long*)_control)[HostCode.CtlStopKind / 8];
    }

    // ---- signals --------------------------------------------------------------------------------------------

    private static void InstallSignalHandlerOnce()
    {
        if (s_signalHandler != 0)
        {
            return;
        }

        s_shared = (nint)NativeMemory.AllocZeroed(HostCode.SharedSize);
        nint sigaction = NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "sigaction");
        byte[] probe = HostCode.SignalHandler(0x1000, (ulong)s_shared, (ulong)sigaction);
        nuint size = (nuint)((probe.Length + 4095) & ~4095);
        nint code = LibC.Mmap(0, size, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        byte[] handler = HostCode.SignalHandler((ulong)code, (ulong)s_shared, (ulong)sigaction);
        Marshal.Copy(handler, 0, code, handler.Length);
        LibC.Mprotect(code, size, LibC.ProtRead | LibC.ProtExec);
        s_signalHandler = code;
        byte* act = stackalloc byte[LibC.SigactionSize];
        new Span<byte>(act, LibC.SigactionSize).Clear();
        *(nint*)act = code;
        *(int*)(act + 8 + 128) = LibC.SaSigInfo | LibC.SaOnStack | LibC.SaRestart;
        foreach (int sig in s_signals)
        {
            LibC.Sigaction(sig, (nint)act, s_shared + HostCode.SharedOldActions + (sig * LibC.SigactionSize));
        }
    }

    /// <inheritdoc/>
    public virtual void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }

        lock (s_installLock)
        {
            s_targets[_cookie] = null;
            if (*(nint*)(s_shared + HostCode.SharedControl) == _control)
            {
                *(nint*)(s_shared + HostCode.SharedControl) = 0;
            }
        }

        if (_worker is null || !_worker.IsAlive)
        {
            NativeMemory.Free((void*)_control);
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>A function called in the program (<see cref="IDebugTarget.CallFunction"/>) stopped with a signal instead of returning.</summary>
public sealed class TargetCallException(string message, TargetStop stop) : Exception(message)
{
    /// <summary>Where the thread stopped.</summary>
    public TargetStop Stop { get; } = stop;
}
