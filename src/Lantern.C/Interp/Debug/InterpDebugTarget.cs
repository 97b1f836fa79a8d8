using Lantern.C.Ir;
using Lantern.C.Runtime;
using Lantern.Observability.Interop;
using Lantern.Observability;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Elf;

namespace Lantern.C.Interp.Debug;

/// <summary>
/// The interpreter as a debugger target (<see cref="IDebugTarget"/>). Every interpreted function gets a range of
/// virtual code addresses in a reserved, never-accessible region (one address per decoded instruction), described by
/// DWARF built through the JIT's CodeInfo path (<see cref="InterpDebugInfo"/>): a line row per statement, scopes,
/// and variables at offsets from the frame base "rbp", which is the interpreter frame's real slot base, so variable
/// addresses are real. Sites are decoded markers (an Entry site before the first statement, a Statement site per
/// <c>stmt</c>, one Return site at the pretend epilogue every return goes through); the program runs on a worker
/// thread that parks at an armed site in a managed wait until <see cref="Resume"/>.
/// </summary>
public sealed class InterpDebugTarget : IDebugTarget
{
    /// <summary>The message for instruction-level requests, which the interpreter cannot honour.</summary>
    public const string NoInstructionsMessage = "instruction-level debugging (stepi, nexti, *address breakpoints) is not supported on the interpreter";

    /// <summary>The exit status reported after <see cref="Kill"/> (128 + SIGKILL).</summary>
    public const int KilledStatus = 137;

    private const int WorkerStackSize = 1 << 30;

    private readonly Interpreter _interp;
    private readonly PatchSite[] _sites;
    private readonly Dictionary<ulong, int> _siteIndex = new();
    private readonly bool[] _armed;
    private nint _region;
    private readonly ulong _regionSize;
    private int _armedCount;
    private readonly object _flagLock = new();
    private volatile bool _interruptRequested;
    private volatile bool _killRequested;
    private volatile bool _abandoned;

    // parking (under _gate)
    private readonly object _gate = new();
    private Thread? _worker;
    private bool _running;
    private bool _launchedOnce;
    private volatile bool _parked;
    private bool _resume;
    private TargetStop? _pendingStop;
    private TargetStop? _parkedStop;
    private Action? _work;

    // return breakpoints: the only instruction breakpoints the interpreter has (copy-on-write, read by the worker)
    private volatile HashSet<ulong> _returnBreakpoints = new();

    // worker-only
    private int _suppress;
    private TargetStop? _filterStop;

    /// <summary>Loads <paramref name="module"/> into a debug-mode interpreter and describes it in DWARF.</summary>
    /// <exception cref="InvalidOperationException">A symbol is undefined (the interpreter's load error).</exception>
    public unsafe InterpDebugTarget(IrModule module)
    {
        _interp = new Interpreter(module, this);
        if (!_interp.EnsureLoaded(out string? error))
        {
            throw new InvalidOperationException(error);
        }

        // the virtual code lives in a reserved PROT_NONE region: never real memory, never readable
        _regionSize = _interp.DebugRegionSize();
        _region = (nint)LibC.MapAnonymousMemory((nuint)_regionSize, LibC.ProtNone, noReserve: true);
        List<PatchSite> sites = _interp.BuildDebugLayout((ulong)_region);
        _sites = sites.ToArray();
        _armed = new bool[_sites.Length];
        for (int i = 0; i < _sites.Length; i++)
        {
            _siteIndex[_sites[i].Address] = i;
        }

        Unit = InterpDebugInfo.Build(_interp);
        Symfile = ElfWriter.WriteSymfile(Unit);
        Debug = DebugData.Load(ElfFile.Parse(Symfile));
    }

    /// <inheritdoc/>
    public string Kind => "interp";

    /// <inheritdoc/>
    public DebugData Debug { get; }

    /// <summary>The language-neutral description the DWARF was written from.</summary>
    public CompilationUnitInfo Unit { get; }

    /// <summary>The ELF symbol file holding the DWARF (the same bytes <see cref="Debug"/> reads).</summary>
    public byte[] Symfile { get; }

    /// <inheritdoc/>
    public IReadOnlyList<PatchSite> Sites => _sites;

    /// <inheritdoc/>
    public bool SupportsInstructions => false;

    /// <summary>The interpreter's last fatal error message (e.g. the runtime error of a crash), or null.</summary>
    public string? LastError => _interp.LastError;

    /// <inheritdoc/>
    public void SetSite(ulong address, bool armed)
    {
        if (!_siteIndex.TryGetValue(address, out int i))
        {
            throw new ArgumentException($"no patch site at 0x{address:x}", nameof(address));
        }

        lock (_flagLock)
        {
            if (_armed[i] != armed)
            {
                _armed[i] = armed;
                _armedCount += armed ? 1 : -1;
            }

            UpdateFlag();
        }
    }

    /// <summary>
    /// Called on the program's thread at an armed site before the controller is woken (while it runs, registers,
    /// frames and memory read as at a stop); false resumes at once without reporting the stop.
    /// </summary>
    public Func<TargetStop, bool>? StopFilter { get; set; }

    /// <summary>
    /// Only return addresses (the address just after a call, as an outer frame's pc shows it) can hold an
    /// instruction breakpoint on the interpreter: the call's return stops there with <see cref="StopReason.Instruction"/>
    /// (what <c>finish</c> needs). Any other address is refused with <see cref="NotSupportedException"/>.
    /// </summary>
    public void SetInstructionBreakpoint(ulong address, bool armed)
    {
        if (!_interp.IsDebugReturnAddress(address))
        {
            throw new NotSupportedException(NoInstructionsMessage);
        }

        lock (_flagLock)
        {
            var set = new HashSet<ulong>(_returnBreakpoints);
            if (armed ? set.Add(address) : set.Remove(address))
            {
                _returnBreakpoints = set;
            }

            UpdateFlag();
        }
    }

    /// <inheritdoc/>
    public void Launch(string programName, IReadOnlyList<string> args)
    {
        lock (_gate)
        {
            if (_running)
            {
                throw new InvalidOperationException("the program is already running");
            }

            if (_launchedOnce)
            {
                _interp.ResetForRelaunch();
            }

            _launchedOnce = true;
            _running = true;
            _pendingStop = null;
            _killRequested = false;
            _interruptRequested = false;
            lock (_flagLock)
            {
                UpdateFlag();
            }

            string[] argv = args.ToArray();
            _worker = new Thread(() => RunWorker(programName, argv), WorkerStackSize)
            {
                Name = "lantern-interp-debuggee",
                IsBackground = true,
            };
            _worker.Start();
        }
    }

    /// <inheritdoc/>
    public TargetStop? WaitForStop(TimeSpan? timeout = null)
    {
        DateTime deadline = timeout is TimeSpan t ? DateTime.UtcNow + t : DateTime.MaxValue;
        lock (_gate)
        {
            while (_pendingStop is null)
            {
                if (timeout is null)
                {
                    Monitor.Wait(_gate);
                    continue;
                }

                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left))
                {
                    if (_pendingStop is null)
                    {
                        return null;
                    }
                }
            }

            TargetStop stop = _pendingStop;
            _pendingStop = null;
            return stop;
        }
    }

    /// <inheritdoc/>
    public void Resume(ResumeMode mode)
    {
        if (mode == ResumeMode.StepInstruction)
        {
            throw new NotSupportedException(NoInstructionsMessage);
        }

        lock (_gate)
        {
            RequireParked();
            _pendingStop = null;
            _resume = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <inheritdoc/>
    public void Interrupt()
    {
        if (_parked)
        {
            return;
        }

        lock (_flagLock)
        {
            _interruptRequested = true;
            UpdateFlag();
        }
    }

    /// <inheritdoc/>
    public void Kill()
    {
        lock (_gate)
        {
            if (!_running)
            {
                return;
            }

            lock (_flagLock)
            {
                _killRequested = true;
                UpdateFlag();
            }

            if (_parked)
            {
                _pendingStop = null;
                _resume = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <inheritdoc/>
    public ulong ReadRegister(int dwarfRegister)
    {
        RequireParkedFrame();
        int depth = _interp.DebugDepth;
        if (depth == 0)
        {
            return 0;
        }

        switch (dwarfRegister)
        {
            case X64Registers.ReturnAddress:
                return InnermostPc();
            case X64Registers.Rbp:
                return (ulong)_interp.DebugFrameAt(depth - 1).FrameBase;
            case X64Registers.Rsp:
                return (ulong)_interp.DebugStackPointer;
            case X64Registers.Rax:
            case X64Registers.Xmm0:
                return (ulong)_interp.DebugReturnValue;
            default:
                return 0;
        }
    }

    /// <inheritdoc/>
    public void WriteRegister(int dwarfRegister, ulong value)
    {
        RequireParkedFrame();
        switch (dwarfRegister)
        {
            case 0: // rax
            case 17: // xmm0: the value the function at a Return site returns
                _interp.DebugReturnValue = (long)value;
                return;
            default:
                throw new NotSupportedException($"register {dwarfRegister} cannot be written on the interpreter (only the return value, rax/xmm0)");
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<FrameState> Unwind()
    {
        RequireParkedFrame();
        var frames = new List<FrameState>();
        int depth = _interp.DebugDepth;
        for (int d = depth - 1; d >= 0; d--)
        {
            Interpreter.DebugFrame frame = _interp.DebugFrameAt(d);
            bool innermost = d == depth - 1;

            // an outer frame's pc is its return address: just after the call instruction (as a CPU's would be)
            ulong pc = innermost ? InnermostPc() : _interp.DebugAddressOf(frame.Function, frame.Pc) + 1;
            ulong fb = (ulong)frame.FrameBase;
            ulong sp = innermost ? (ulong)_interp.DebugStackPointer : (ulong)_interp.DebugFrameAt(d + 1).CallerSp;
            var registers = new Dictionary<int, ulong>
            {
                [X64Registers.ReturnAddress] = pc,
                [X64Registers.Rbp] = fb,
                [X64Registers.Rsp] = sp,
            };
            if (innermost)
            {
                registers[X64Registers.Rax] = (ulong)_interp.DebugReturnValue;
                registers[X64Registers.Xmm0] = (ulong)_interp.DebugReturnValue;
            }

            // CFA = rbp + 16, as the CFI of the pretend prologue says
            frames.Add(new FrameState(pc, fb + 16, registers));
        }

        return frames;
    }

    /// <inheritdoc/>
    public bool ReadMemory(ulong address, Span<byte> buffer) => HostNative.ReadMemory(address, buffer);

    /// <inheritdoc/>
    public bool WriteMemory(ulong address, ReadOnlySpan<byte> data) => HostNative.WriteMemory(address, data);

    /// <inheritdoc/>
    public CallResult CallFunction(ulong entry, IReadOnlyList<ulong> integerArgs, IReadOnlyList<double> doubleArgs, byte[]? stackArgs = null)
    {
        CallResult result = default;
        Exception? error = null;
        bool done = false;
        if (_filterStop is not null && Thread.CurrentThread == _worker)
        {
            // from a stop filter (a breakpoint condition that calls a function): already on the program's thread
            _suppress++;
            try
            {
                return _interp.DebugCall(entry, integerArgs, doubleArgs, stackArgs);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException(e.Message, e);
            }
            finally
            {
                _suppress--;
            }
        }

        lock (_gate)
        {
            RequireParkedFrame();
            _work = () =>
            {
                _suppress++;
                try
                {
                    result = _interp.DebugCall(entry, integerArgs, doubleArgs, stackArgs);
                }
                catch (Exception e)
                {
                    error = e;
                }
                finally
                {
                    _suppress--;
                }

                done = true;
            };
            Monitor.PulseAll(_gate);
            while (!done)
            {
                Monitor.Wait(_gate);
            }
        }

        if (error is not null)
        {
            throw error is NotSupportedException ? error : new InvalidOperationException(error.Message, error);
        }

        return result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        Thread? worker = _worker;
        if (worker is not null && worker != Thread.CurrentThread && !_abandoned)
        {
            // a worker blocked in a native call (read, sleep) ends at its next marker; do not wait for it forever
            worker.Join(TimeSpan.FromSeconds(5));
        }

        // the virtual code region: a reservation only (no memory behind it); the DWARF stays readable
        if (_region != 0 && (worker is null || !worker.IsAlive))
        {
            LibC.Munmap(_region, (nuint)_regionSize);
            _region = 0;
        }
    }

    // ---- called by the interpreter on the worker thread ------------------------------------------------

    /// <summary>A marker with site number <paramref name="site"/> ran while the flag was up.</summary>
    internal void OnSite(int site)
    {
        if (_suppress > 0)
        {
            return;
        }

        ThrowIfKilled();
        StopReason? reason = null;
        if (_interruptRequested)
        {
            lock (_flagLock)
            {
                _interruptRequested = false;
                UpdateFlag();
            }

            reason = StopReason.Interrupted;
        }
        else if (_armed[site])
        {
            reason = StopReason.Site;
        }

        if (reason is StopReason r)
        {
            var stop = new TargetStop(r, _sites[site].Address);
            if (r == StopReason.Site && StopFilter is Func<TargetStop, bool> filter && !RunFilter(filter, stop))
            {
                return;
            }

            Park(stop);
            ThrowIfKilled();
        }
    }

    /// <summary>A call returned to <paramref name="returnAddress"/> while the flag was up.</summary>
    internal void OnReturnedTo(ulong returnAddress)
    {
        if (_suppress > 0 || !_returnBreakpoints.Contains(returnAddress))
        {
            return;
        }

        ThrowIfKilled();
        _interp.DebugPcOverride = returnAddress;
        try
        {
            Park(new TargetStop(StopReason.Instruction, returnAddress));
        }
        finally
        {
            _interp.DebugPcOverride = 0;
        }

        ThrowIfKilled();
    }

    private bool RunFilter(Func<TargetStop, bool> filter, TargetStop stop)
    {
        _filterStop = stop;
        try
        {
            return filter(stop);
        }
        catch (Exception)
        {
            return true; // a failing filter reports the stop (the controller decides again)
        }
        finally
        {
            _filterStop = null;
        }
    }

    /// <summary>A runtime error the interpreter detected (null dereference, division by zero, trap, stack overflow).</summary>
    internal void OnFault(string message, int status)
    {
        if (_suppress > 0)
        {
            return;
        }

        int depth = _interp.DebugDepth;
        ulong pc = 0;
        if (depth > 0)
        {
            Interpreter.DebugFrame frame = _interp.DebugFrameAt(depth - 1);
            pc = _interp.DebugAddressOf(frame.Function, frame.Pc);
        }

        int signal = status > 128 ? status - 128 : 6;
        Park(new TargetStop(StopReason.Signal, pc, signal));
        ThrowIfKilled();
    }

    /// <summary>The program ended inside a callback from native code: report the end, then park this thread for good.</summary>
    internal void OnEndInsideCallback(int status)
    {
        _abandoned = true;
        Finish(_killRequested ? KilledStatus : status);
        Thread.Sleep(Timeout.Infinite);
    }

    private void RunWorker(string programName, string[] args)
    {
        int status;
        try
        {
            status = _interp.RunForDebugger(programName, args);
        }
        catch (ProgramExitException e)
        {
            status = e.Status;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("lantern: internal error: " + e);
            status = 134;
        }

        Finish(_killRequested ? KilledStatus : status);
    }

    private void Finish(int status)
    {
        lock (_gate)
        {
            _running = false;
            _parked = false;
            _parkedStop = null;
            _pendingStop = new TargetStop(StopReason.Exited, 0, ExitStatus: status);
            Monitor.PulseAll(_gate);
        }
    }

    private void Park(TargetStop stop)
    {
        lock (_gate)
        {
            _parkedStop = stop;
            _pendingStop = stop;
            _parked = true;
            _resume = false;
            Monitor.PulseAll(_gate);
            while (true)
            {
                while (!_resume && _work is null)
                {
                    Monitor.Wait(_gate);
                }

                if (_work is Action work)
                {
                    _work = null;
                    work();
                    Monitor.PulseAll(_gate);
                    continue;
                }

                _resume = false;
                _parked = false;
                _parkedStop = null;
                return;
            }
        }
    }

    private void ThrowIfKilled()
    {
        if (_killRequested)
        {
            throw new ProgramExitException(KilledStatus);
        }
    }

    private void UpdateFlag() => _interp.SetDebugFlag(_armedCount > 0 || _returnBreakpoints.Count > 0 || _interruptRequested || _killRequested);

    private void RequireParked()
    {
        if (!_parked)
        {
            throw new InvalidOperationException("the program is not stopped");
        }
    }

    private void RequireParkedFrame()
    {
        bool filtering = _filterStop is not null && Thread.CurrentThread == _worker;
        if (!filtering && (!_parked || _parkedStop is null))
        {
            throw new InvalidOperationException("the program is not stopped");
        }
    }

    private ulong InnermostPc()
    {
        ulong overridden = _interp.DebugPcOverride;
        if (overridden != 0)
        {
            return overridden;
        }

        Interpreter.DebugFrame frame = _interp.DebugFrameAt(_interp.DebugDepth - 1);
        return _interp.DebugAddressOf(frame.Function, frame.Pc);
    }
}
