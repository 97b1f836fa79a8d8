using Iced.Intel;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.Observability.Debugging;

/// <summary>
/// A source-level debugging session over an <see cref="IDebugTarget"/> (JIT or interpreter) and its DWARF: breakpoints,
/// watchpoints, run/continue/kill, step/next/finish/until/advance/stepi/nexti, frames, registers, memory, variables and
/// calls. Knows nothing of C: expressions and value formatting are the client's (conditions are callbacks).
/// <para>
/// Every command is one <em>plan</em>: the set of sites (and instruction breakpoints) to arm and a decision made at each
/// stop: stop here (a <see cref="StopEvent"/>) or go on. The decision uses only the target's sites, registers, memory
/// and the DWARF, so both targets produce the same sequence of stops. With a target that supports
/// <see cref="IDebugTarget.StopFilter"/>, the decision runs on the program's thread and costs no thread switch.
/// </para>
/// <para>Threading: call everything from one controller thread, except <see cref="Interrupt"/> (any thread).</para>
/// </summary>
public sealed class DebugSession : IDisposable
{
    private readonly IDebugTarget _target;
    private readonly List<Breakpoint> _breakpoints = new();
    private readonly Dictionary<ulong, PatchSite> _siteByAddress = new();
    private readonly Dictionary<ulong, SiteInfo> _siteInfo = new();
    private readonly Dictionary<ulong, UnwindRow?> _unwindRows = new();
    private readonly HashSet<ulong> _armedSites = new();
    private readonly HashSet<ulong> _armedInstructions = new();
    private Dictionary<ulong, List<Breakpoint>> _breakpointsAt = new();
    private int _breakpointsVersion;
    private (PlanKind Kind, int Version, ulong Extra)? _appliedKey;
    private int _nextNumber = 1;
    private Plan _plan = new(PlanKind.Continue);
    private StopEvent? _filterEvent;
    private TargetStop? _filterStop;
    private bool _live;
    private bool _killing;
    private int _selectedFrame;
    private IReadOnlyList<Frame>? _frames;

    private enum PlanKind
    {
        Continue,
        Step,
        Next,
        Until,
        Finish,
        UntilLocation,
        Advance,
        StepInstruction,
        NextInstruction,
    }

    private sealed class Plan(PlanKind kind)
    {
        public PlanKind Kind { get; } = kind;
        public ulong FrameCfa;
        public ulong FrameFunction;
        public string? File;
        public int Line;
        public ulong StartPc;
        public int Remaining = 1;
        public HashSet<ulong> Targets = new();
        public ulong ReturnAddress;
        public ulong CallerCfa;
        public Frame? FinishedFrame;
    }

    private sealed record SiteInfo(PatchSiteKind? Kind, string? Function, ulong FunctionStart, string? File, int Line);

    /// <summary>A session over <paramref name="target"/>; the program is started by <see cref="Run"/> or <see cref="Start"/>.</summary>
    public DebugSession(IDebugTarget target, string programName = "a.out", IReadOnlyList<string>? arguments = null)
    {
        _target = target;
        ProgramName = programName;
        Arguments = arguments?.ToList() ?? new List<string>();
        foreach (PatchSite site in target.Sites)
        {
            _siteByAddress[site.Address] = site;
        }

        target.StopFilter = FilterOnProgramThread;
    }

    /// <summary>The target (JIT or interpreter).</summary>
    public IDebugTarget Target => _target;

    /// <summary>The DWARF of the target's code.</summary>
    public DebugData Debug => _target.Debug;

    /// <summary>argv[0] of the next run.</summary>
    public string ProgramName { get; set; }

    /// <summary>argv[1..] of the next run.</summary>
    public List<string> Arguments { get; }

    /// <summary>True while the program exists (started, not ended): it is stopped between commands.</summary>
    public bool IsLive => _live;

    /// <summary>The last stop (or end) reported.</summary>
    public StopEvent? LastStop { get; private set; }

    /// <summary>Breakpoints and watchpoints, by number.</summary>
    public IReadOnlyList<Breakpoint> Breakpoints => _breakpoints;

    // ---- locations and breakpoints -------------------------------------------------------------------------

    /// <summary>
    /// The code addresses of a location: <c>FUNCTION</c> (its first statement after the prologue, as gdb),
    /// <c>FILE:LINE</c> or <c>LINE</c> (in the selected frame's file, else main's: the lowest statement address of the
    /// line in each function, or of the next line with code), <c>*ADDRESS</c> (0x hex or decimal).
    /// </summary>
    /// <exception cref="LocationException">The location names no code.</exception>
    public IReadOnlyList<ulong> ResolveLocation(string location)
    {
        location = location.Trim();
        if (location.StartsWith('*'))
        {
            string text = location[1..].Trim();
            ulong address;
            if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (!ulong.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out address))
                {
                    throw new LocationException($"Invalid number \"{text}\".");
                }
            }
            else
            {
                address = ulong.TryParse(text, out ulong d) ? d : FunctionAddress(text) ?? throw new LocationException($"No symbol \"{text}\" in current context.");
            }

            // only code this target describes can take a breakpoint (an int3 anywhere else would write to memory we
            // do not own, or fault)
            if (!_siteByAddress.ContainsKey(address) && Debug.FindFunction(address) is null)
            {
                throw new LocationException($"Cannot access memory at address 0x{address:x}");
            }

            return [address];
        }

        int colon = location.LastIndexOf(':');
        string? file = null;
        string lineText = location;
        if (colon > 0)
        {
            file = location[..colon];
            lineText = location[(colon + 1)..];
        }

        if (int.TryParse(lineText, out int line))
        {
            return ResolveLine(file ?? DefaultFile() ?? throw new LocationException("No default source file."), line);
        }

        if (file is not null)
        {
            throw new LocationException($"Function \"{location}\" not defined.");
        }

        DwarfDie function = FindFunctionDie(location) ?? throw new LocationException($"Function \"{location}\" not defined.");
        (ulong low, ulong high) = Debug.GetRanges(function).FirstOrDefault();
        return [FirstStatementSite(low, high) ?? low];
    }

    /// <summary>The entry address of function <paramref name="name"/>, or null.</summary>
    public ulong? FunctionAddress(string name)
        => FindFunctionDie(name) is DwarfDie die && Debug.GetRanges(die).FirstOrDefault() is { Low: var low } && low != 0 ? low
        : Debug.Elf?.Symbols.FirstOrDefault(s => s.Name == name) is Lantern.Observability.Elf.ElfSymbol symbol ? symbol.Address : null;

    private DwarfDie? FindFunctionDie(string name) => Debug.Functions().FirstOrDefault(f => f.Name == name);

    private ulong? FirstStatementSite(ulong low, ulong high)
    {
        foreach (PatchSite site in _target.Sites)
        {
            if (site.Address >= low && site.Address < high && site.Kind == PatchSiteKind.Statement)
            {
                return site.Address;
            }
        }

        return null;
    }

    private string? DefaultFile()
    {
        if (_live && SafeFrames() is { Count: > 0 } frames && frames[Math.Min(_selectedFrame, frames.Count - 1)].File is string f)
        {
            return f;
        }

        return FindFunctionDie("main") is DwarfDie main && Debug.GetRanges(main).FirstOrDefault() is { Low: var low } ? Debug.FindLine(low)?.File : null;
    }

    private static bool SameFile(string tableFile, string wanted)
        => tableFile == wanted || tableFile.EndsWith("/" + wanted, StringComparison.Ordinal) || Path.GetFileName(tableFile) == wanted;

    private IReadOnlyList<ulong> ResolveLine(string file, int line)
    {
        var rows = new List<(string File, int Line, ulong Address)>();
        foreach (DwarfUnit unit in Debug.Info.Units)
        {
            if (Debug.GetLineTable(unit) is not LineTable table)
            {
                continue;
            }

            foreach (LineTableRow row in table.Rows)
            {
                if (row.IsStmt && !row.EndSequence && SameFile(table.GetFullPath(row.File), file))
                {
                    rows.Add((table.GetFullPath(row.File), (int)row.Line, row.Address));
                }
            }
        }

        if (rows.Count == 0)
        {
            throw new LocationException($"No source file named {file}.");
        }

        int best = rows.Where(r => r.Line >= line).Select(r => r.Line).DefaultIfEmpty(0).Min();
        if (best == 0)
        {
            throw new LocationException($"Line {line} out of range; \"{file}\" has {rows.Max(r => r.Line)} lines.");
        }

        // the lowest address of the line in each function; an address that is not a site (a prologue) moves to the first statement
        var result = new List<ulong>();
        foreach (var group in rows.Where(r => r.Line == best).GroupBy(r => Debug.Lookup(r.Address)?.FunctionStart ?? 0))
        {
            ulong address = group.Min(r => r.Address);
            if (!_siteByAddress.ContainsKey(address) && Debug.FindFunction(address) is DwarfDie die && Debug.GetRanges(die).FirstOrDefault() is var range)
            {
                address = FirstStatementSite(address, range.High) ?? address;
            }

            if (!result.Contains(address))
            {
                result.Add(address);
            }
        }

        result.Sort();
        return result;
    }

    /// <summary>Sets a breakpoint (<c>break</c>; <paramref name="temporary"/>: <c>tbreak</c>) at a location (see <see cref="ResolveLocation"/>).</summary>
    public Breakpoint Break(string location, bool temporary = false)
    {
        IReadOnlyList<ulong> addresses = ResolveLocation(location);
        bool instruction = addresses.Any(a => !_siteByAddress.ContainsKey(a));
        if (instruction && !_target.SupportsInstructions)
        {
            throw new LocationException($"Cannot insert a breakpoint at {location}: not a statement boundary of this target.");
        }

        var bp = new Breakpoint(_nextNumber++, BreakpointKind.Breakpoint, location, addresses, temporary) { IsInstruction = instruction };
        _breakpoints.Add(bp);
        BreakpointsChanged();
        return bp;
    }

    /// <summary>
    /// Sets a software watchpoint (<c>watch</c>) on <paramref name="size"/> bytes at <paramref name="address"/>
    /// (the client evaluates the lvalue <paramref name="expression"/>): checked at every statement boundary.
    /// </summary>
    /// <param name="scope">
    /// For an expression with locals: the frame it belongs to. When that frame has returned, the watchpoint is
    /// deleted and the program stops (<see cref="StopKind.WatchpointScope"/>), as gdb does.
    /// </param>
    public Breakpoint Watch(string expression, ulong address, int size, Frame? scope = null)
    {
        if (size <= 0 || size > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(size));
        }

        var value = new byte[size];
        bool known = _live && _target.ReadMemory(address, value);
        var wp = new Breakpoint(_nextNumber++, BreakpointKind.Watchpoint, expression, [], temporary: false)
        {
            WatchAddress = address,
            WatchSize = size,
            WatchValue = known ? value : null,
            ScopeCfa = scope?.Cfa ?? 0,
        };
        _breakpoints.Add(wp);
        BreakpointsChanged();
        return wp;
    }

    /// <summary>The breakpoint with <paramref name="number"/>, or null.</summary>
    public Breakpoint? FindBreakpoint(int number) => _breakpoints.FirstOrDefault(b => b.Number == number);

    private Breakpoint Require(int number) => FindBreakpoint(number) ?? throw new ArgumentException($"No breakpoint number {number}.");

    /// <summary>Deletes breakpoint <paramref name="number"/>.</summary>
    public void Delete(int number)
    {
        _breakpoints.Remove(Require(number));
        BreakpointsChanged();
    }

    /// <summary>Deletes every breakpoint and watchpoint.</summary>
    public void DeleteAll()
    {
        _breakpoints.Clear();
        BreakpointsChanged();
    }

    /// <summary>Enables or disables breakpoint <paramref name="number"/>.</summary>
    public void Enable(int number, bool enabled)
    {
        Require(number).Enabled = enabled;
        BreakpointsChanged();
    }

    /// <summary>Ignores the next <paramref name="count"/> hits of breakpoint <paramref name="number"/> (<c>ignore</c>).</summary>
    public void SetIgnoreCount(int number, int count) => Require(number).IgnoreCount = Math.Max(0, count);

    /// <summary>Sets (or with null removes) the condition of breakpoint <paramref name="number"/> (<c>condition</c>).</summary>
    public void SetCondition(int number, string? text, Func<DebugSession, bool>? condition)
    {
        Breakpoint bp = Require(number);
        bp.ConditionText = condition is null ? null : text;
        bp.Condition = condition;
    }

    /// <summary>On the program's thread (stop filter): rebuild the index now, re-arm when the stop is reported.</summary>
    private void BreakpointsChangedLater()
    {
        bool live = _live;
        _live = false;
        try
        {
            BreakpointsChanged();
        }
        finally
        {
            _live = live;
        }
    }

    private void BreakpointsChanged()
    {
        _breakpointsVersion++;
        var at = new Dictionary<ulong, List<Breakpoint>>();
        foreach (Breakpoint bp in _breakpoints)
        {
            foreach (ulong address in bp.Addresses)
            {
                if (!at.TryGetValue(address, out List<Breakpoint>? list))
                {
                    at[address] = list = new List<Breakpoint>();
                }

                list.Add(bp);
            }
        }

        _breakpointsAt = at;
        if (_live)
        {
            Apply();
        }
    }

    // ---- execution -----------------------------------------------------------------------------------------

    /// <summary>Starts the program (killing a running one) and runs it to the first stop (<c>run</c>).</summary>
    public StopEvent Run()
    {
        if (_live)
        {
            Kill();
        }

        foreach (Breakpoint wp in _breakpoints.Where(b => b.Kind == BreakpointKind.Watchpoint))
        {
            var value = new byte[wp.WatchSize];
            wp.WatchValue = _target.ReadMemory(wp.WatchAddress, value) ? value : null;
        }

        _plan = new Plan(PlanKind.Continue);
        Apply();
        _live = true;
        _target.Launch(ProgramName, Arguments);
        return WaitForEvent();
    }

    /// <summary>Runs to the first statement of main (<c>start</c>: a temporary breakpoint on main, then run).</summary>
    public StopEvent Start()
    {
        Break("main", temporary: true);
        return Run();
    }

    /// <summary>Resumes until a breakpoint, watchpoint, signal, interrupt or the end (<c>continue</c>).</summary>
    public StopEvent Continue() => Resume(new Plan(PlanKind.Continue), ResumeMode.Continue);

    /// <summary>Steps to the next line, into calls of functions with line information (<c>step</c>).</summary>
    /// <remarks>With a count, the intermediate steps are decided without reporting them (on the program's thread with a stop filter).</remarks>
    public StopEvent Step(int count = 1) => Resume(LinePlan(PlanKind.Step, count), ResumeMode.Continue);

    /// <summary>Steps to the next line in this frame or an outer one, over calls (<c>next</c>).</summary>
    public StopEvent Next(int count = 1) => Resume(LinePlan(PlanKind.Next, count), ResumeMode.Continue);

    /// <summary>Like <see cref="Next"/>, but never stops at a lower address in the same frame (a loop runs to its end) (<c>until</c>).</summary>
    public StopEvent Until() => Resume(LinePlan(PlanKind.Until), ResumeMode.Continue);

    /// <summary>Runs until <paramref name="location"/> is reached in this frame or an outer one, or this frame returns (<c>until LOCATION</c>).</summary>
    public StopEvent Until(string location) => Resume(LocationPlan(PlanKind.UntilLocation, location), ResumeMode.Continue);

    /// <summary>Runs until <paramref name="location"/> is reached (in any frame) or this frame returns (<c>advance LOCATION</c>).</summary>
    public StopEvent Advance(string location) => Resume(LocationPlan(PlanKind.Advance, location), ResumeMode.Continue);

    /// <summary>Runs until the selected frame returns; reports the caller's location and the return registers (<c>finish</c>).</summary>
    public StopEvent Finish()
    {
        RequireStopped();
        IReadOnlyList<Frame> frames = Backtrace();
        int level = Math.Min(_selectedFrame, frames.Count - 1);
        if (level + 1 >= frames.Count)
        {
            throw new InvalidOperationException("\"finish\" not meaningful in the outermost frame.");
        }

        Frame caller = frames[level + 1];
        var plan = new Plan(PlanKind.Finish) { ReturnAddress = caller.Pc, CallerCfa = caller.Cfa, FinishedFrame = frames[level] };
        return Resume(plan, ResumeMode.Continue);
    }

    /// <summary>Executes one machine instruction (<c>stepi</c>; the JIT target only).</summary>
    public StopEvent StepInstruction(int count = 1)
    {
        RequireInstructions();
        return Repeat(count, () => Resume(new Plan(PlanKind.StepInstruction), ResumeMode.StepInstruction));
    }

    /// <summary>Executes one machine instruction, a call as a whole (<c>nexti</c>; the JIT target only).</summary>
    public StopEvent NextInstruction(int count = 1)
    {
        RequireInstructions();
        return Repeat(count, () =>
        {
            ulong pc = _target.ReadRegister(16);
            var bytes = new byte[16];
            int n = 16;
            while (n > 0 && !_target.ReadMemory(pc, bytes.AsSpan(0, n)))
            {
                n--;
            }

            var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes, 0, n));
            decoder.IP = pc;
            Instruction instruction = decoder.Decode();
            if (instruction.FlowControl is FlowControl.Call or FlowControl.IndirectCall)
            {
                var plan = new Plan(PlanKind.NextInstruction) { ReturnAddress = instruction.NextIP, CallerCfa = CfaAt(pc) ?? 0 };
                return Resume(plan, ResumeMode.Continue);
            }

            return Resume(new Plan(PlanKind.StepInstruction), ResumeMode.StepInstruction);
        });
    }

    /// <summary>Ends the program (<c>kill</c>).</summary>
    public StopEvent Kill()
    {
        if (!_live)
        {
            throw new InvalidOperationException("The program is not being run.");
        }

        _killing = true;
        try
        {
            _target.Kill();
            while (_target.WaitForStop() is TargetStop stop && stop.Reason != StopReason.Exited)
            {
                _target.Kill();
            }
        }
        finally
        {
            _killing = false;
        }

        _live = false;
        _frames = null;
        LastStop = new StopEvent(StopKind.Killed, null);
        return LastStop;
    }

    /// <summary>Asks the running program to stop at its next statement (Ctrl-C; any thread).</summary>
    public void Interrupt() => _target.Interrupt();

    private StopEvent Repeat(int count, Func<StopEvent> once)
    {
        StopEvent last = once();
        for (int i = 1; i < count && last.Kind == StopKind.EndSteppingRange; i++)
        {
            last = once();
        }

        return last;
    }

    private void RequireStopped()
    {
        if (!_live)
        {
            throw new InvalidOperationException("The program is not being run.");
        }
    }

    private void RequireInstructions()
    {
        RequireStopped();
        if (!_target.SupportsInstructions)
        {
            throw new InvalidOperationException($"instruction stepping is not supported by the {_target.Kind} target");
        }
    }

    private Plan LinePlan(PlanKind kind, int count = 1)
    {
        RequireStopped();
        ulong pc = _target.ReadRegister(16);
        var plan = new Plan(kind) { Remaining = Math.Max(1, count) };
        StartLine(plan, pc, CfaAt(pc) ?? 0);
        return plan;
    }

    private void StartLine(Plan plan, ulong pc, ulong cfa)
    {
        SiteInfo info = InfoAt(pc);
        plan.FrameCfa = cfa;
        plan.FrameFunction = info.FunctionStart;
        plan.File = info.File;
        plan.Line = info.Line;
        plan.StartPc = pc;
    }

    /// <summary>The end of one line step: the event, or null (and the next step set up) while a count remains.</summary>
    private StopEvent? EndOfStep(Plan plan, ulong pc, ulong cfa)
    {
        if (--plan.Remaining > 0)
        {
            StartLine(plan, pc, cfa);
            return null;
        }

        return new StopEvent(StopKind.EndSteppingRange, Frame0(pc));
    }

    private Plan LocationPlan(PlanKind kind, string location)
    {
        RequireStopped();
        IReadOnlyList<ulong> targets = ResolveLocation(location);
        if (targets.Any(a => !_siteByAddress.ContainsKey(a)) && !_target.SupportsInstructions)
        {
            throw new LocationException($"Cannot stop at {location}: not a statement boundary of this target.");
        }

        ulong pc = _target.ReadRegister(16);
        var plan = new Plan(kind) { FrameCfa = CfaAt(pc) ?? 0, FrameFunction = InfoAt(pc).FunctionStart, StartPc = pc, Targets = targets.ToHashSet() };
        IReadOnlyList<Frame> frames = Backtrace();
        if (frames.Count > 1)
        {
            plan.ReturnAddress = frames[1].Pc;
            plan.CallerCfa = frames[1].Cfa;
        }

        return plan;
    }

    private StopEvent Resume(Plan plan, ResumeMode mode)
    {
        RequireStopped();
        if (LastStop?.Kind == StopKind.Signal)
        {
            // like gdb: continuing delivers the fatal signal, and the program ends
            _target.Resume(ResumeMode.Continue);
            return WaitForEvent();
        }

        _plan = plan;
        Apply();
        _frames = null;
        _target.Resume(mode);
        return WaitForEvent();
    }

    private StopEvent WaitForEvent()
    {
        while (true)
        {
            TargetStop stop = _target.WaitForStop() ?? throw new InvalidOperationException("the target did not stop");
            // a stop the filter let through was decided on the program's thread already
            StopEvent? ev = ReferenceEquals(_filterStop, stop) ? _filterEvent : Decide(stop);
            _filterStop = null;
            _filterEvent = null;

            if (ev is null)
            {
                _target.Resume(ResumeMode.Continue);
                continue;
            }

            return Finish(ev);
        }
    }

    private StopEvent Finish(StopEvent ev)
    {
        _frames = null;
        _selectedFrame = 0;
        if (ev.Kind is StopKind.Exited or StopKind.Killed)
        {
            _live = false;
        }

        if (ev.Kind == StopKind.Breakpoint && FindBreakpoint(ev.BreakpointNumber) is { Temporary: true } temporary)
        {
            _breakpoints.Remove(temporary);
            BreakpointsChanged();
        }

        // the sites stay as they are while the program is stopped: the next command arms what it needs (consecutive
        // steps then patch nothing)
        _plan = new Plan(PlanKind.Continue);
        LastStop = ev;
        return ev;
    }

    /// <summary>Arms exactly the sites and instruction breakpoints the current plan and breakpoints need.</summary>
    private void Apply()
    {
        bool watching = _breakpoints.Any(b => b.Enabled && b.Kind == BreakpointKind.Watchpoint);
        bool allSites = watching || _plan.Kind is PlanKind.Step or PlanKind.Next or PlanKind.Until;
        ulong extra = _plan.ReturnAddress ^ (ulong)_plan.Targets.Count;
        // the return address stays in the key with every site armed (a watchpoint): finish's and nexti's int3 must be set
        (PlanKind, int, ulong) key = (allSites ? PlanKind.Step : _plan.Kind, _breakpointsVersion, extra);
        if (_appliedKey == key && _plan.Targets.Count == 0)
        {
            return;
        }

        _appliedKey = key;
        var sites = new HashSet<ulong>();
        var instructions = new HashSet<ulong>();
        if (allSites)
        {
            foreach (PatchSite site in _target.Sites)
            {
                if (site.Kind != PatchSiteKind.Entry)
                {
                    sites.Add(site.Address);
                }
            }
        }

        foreach (Breakpoint bp in _breakpoints)
        {
            if (bp.Enabled && bp.Kind == BreakpointKind.Breakpoint)
            {
                foreach (ulong a in bp.Addresses)
                {
                    (_siteByAddress.ContainsKey(a) ? sites : instructions).Add(a);
                }
            }
        }

        foreach (ulong a in _plan.Targets)
        {
            (_siteByAddress.ContainsKey(a) ? sites : instructions).Add(a);
        }

        if (_plan.ReturnAddress != 0)
        {
            instructions.Add(_plan.ReturnAddress);
        }

        Rearm(_armedSites, sites, _target.SetSite);
        Rearm(_armedInstructions, instructions, _target.SetInstructionBreakpoint);
    }

    /// <summary>Disarms the addresses of <paramref name="armed"/> not in <paramref name="wanted"/>, then arms the new ones.</summary>
    private static void Rearm(HashSet<ulong> armed, HashSet<ulong> wanted, Action<ulong, bool> set)
    {
        foreach (ulong a in armed.Where(a => !wanted.Contains(a)).ToList())
        {
            set(a, false);
            armed.Remove(a);
        }

        foreach (ulong a in wanted)
        {
            if (armed.Add(a))
            {
                set(a, true);
            }
        }
    }

    private bool FilterOnProgramThread(TargetStop stop)
    {
        _frames = null;
        StopEvent? ev = Decide(stop);
        _filterStop = stop;
        _filterEvent = ev;
        return ev is not null;
    }

    /// <summary>The decision at a stop: the event to report, or null to resume (runs on the program's thread with a filter).</summary>
    private StopEvent? Decide(TargetStop stop)
    {
        switch (stop.Reason)
        {
            case StopReason.Exited:
                return new StopEvent(_killing ? StopKind.Killed : StopKind.Exited, null) { ExitStatus = stop.ExitStatus };
            case StopReason.Signal:
                return new StopEvent(StopKind.Signal, Frame0(stop.Pc)) { Signal = stop.Signal, FaultAddress = stop.FaultAddress };
            case StopReason.Interrupted:
                return new StopEvent(StopKind.Interrupted, Frame0(stop.Pc));
        }

        ulong pc = stop.Pc;
        if (_plan.Kind == PlanKind.StepInstruction)
        {
            return new StopEvent(StopKind.EndSteppingRange, Frame0(pc));
        }

        if (_breakpointsAt.TryGetValue(pc, out List<Breakpoint>? candidates))
        {
            foreach (Breakpoint bp in candidates)
            {
                if (!bp.Enabled)
                {
                    continue;
                }

                if (bp.Condition is Func<DebugSession, bool> condition)
                {
                    bool holds;
                    try
                    {
                        _selectedFrame = 0;
                        holds = condition(this);
                    }
                    catch (Exception)
                    {
                        holds = true; // gdb stops when a condition cannot be evaluated
                    }

                    if (!holds)
                    {
                        continue;
                    }
                }

                bp.HitCount++;
                if (bp.IgnoreCount > 0)
                {
                    bp.IgnoreCount--;
                    continue;
                }

                return new StopEvent(StopKind.Breakpoint, Frame0(pc)) { BreakpointNumber = bp.Number };
            }
        }

        if (stop.Reason == StopReason.Site)
        {
            foreach (Breakpoint wp in _breakpoints.ToArray())
            {
                if (!wp.Enabled || wp.Kind != BreakpointKind.Watchpoint)
                {
                    continue;
                }

                if (wp.ScopeCfa != 0 && (CfaAt(pc) ?? 0) > wp.ScopeCfa)
                {
                    _breakpoints.Remove(wp);
                    BreakpointsChangedLater();
                    return new StopEvent(StopKind.WatchpointScope, Frame0(pc)) { BreakpointNumber = wp.Number };
                }

                var now = new byte[wp.WatchSize];
                if (!_target.ReadMemory(wp.WatchAddress, now))
                {
                    continue;
                }

                if (wp.WatchValue is null)
                {
                    wp.WatchValue = now;
                    continue;
                }

                if (!now.AsSpan().SequenceEqual(wp.WatchValue))
                {
                    byte[] old = wp.WatchValue;
                    wp.WatchValue = now;
                    wp.HitCount++;
                    return new StopEvent(StopKind.Watchpoint, Frame0(pc)) { BreakpointNumber = wp.Number, OldValue = old, NewValue = now };
                }
            }
        }

        return DecidePlan(stop);
    }

    private StopEvent? DecidePlan(TargetStop stop)
    {
        ulong pc = stop.Pc;
        Plan plan = _plan;
        switch (plan.Kind)
        {
            case PlanKind.Step:
            case PlanKind.Next:
            case PlanKind.Until:
            {
                if (stop.Reason != StopReason.Site || !_siteByAddress.TryGetValue(pc, out PatchSite site) || site.Kind == PatchSiteKind.Entry)
                {
                    return null;
                }

                SiteInfo info = InfoAt(pc);
                if (info.Line == 0)
                {
                    return null;
                }

                ulong cfa = CfaAt(pc) ?? 0;
                if (cfa == plan.FrameCfa && info.FunctionStart == plan.FrameFunction)
                {
                    if ((info.Line != plan.Line || info.File != plan.File) && (plan.Kind != PlanKind.Until || pc > plan.StartPc))
                    {
                        return EndOfStep(plan, pc, cfa);
                    }

                    if (site.Kind == PatchSiteKind.Return)
                    {
                        // the frame returns without a new line: go on stepping in the caller, in the middle of the call's line
                        IReadOnlyList<FrameState> frames = _target.Unwind();
                        if (frames.Count > 1)
                        {
                            SiteInfo caller = InfoAt(frames[1].Pc - 1);
                            plan.FrameCfa = frames[1].Cfa;
                            plan.FrameFunction = caller.FunctionStart;
                            plan.File = caller.File;
                            plan.Line = caller.Line;
                            plan.StartPc = frames[1].Pc;
                        }
                    }

                    return null;
                }

                if (cfa > plan.FrameCfa)
                {
                    return EndOfStep(plan, pc, cfa); // an outer frame (the stepped frame returned)
                }

                return plan.Kind == PlanKind.Step && site.Kind == PatchSiteKind.Statement ? EndOfStep(plan, pc, cfa) : null;
            }

            case PlanKind.Finish:
                if (pc == plan.ReturnAddress && CfaAt(pc) == plan.CallerCfa)
                {
                    return new StopEvent(StopKind.FunctionFinished, Frame0(pc))
                    {
                        ReturnValue = new CallResult(_target.ReadRegister(0), _target.ReadRegister(1), _target.ReadRegister(17), _target.ReadRegister(18)),
                        FinishedFrame = plan.FinishedFrame,
                    };
                }

                return null;

            case PlanKind.NextInstruction:
                return pc == plan.ReturnAddress && CfaAt(pc) == plan.CallerCfa ? new StopEvent(StopKind.EndSteppingRange, Frame0(pc)) : null;

            case PlanKind.UntilLocation:
            case PlanKind.Advance:
                if (plan.Targets.Contains(pc) && (plan.Kind == PlanKind.Advance || (CfaAt(pc) ?? 0) >= plan.FrameCfa))
                {
                    return new StopEvent(StopKind.LocationReached, Frame0(pc));
                }

                if (pc == plan.ReturnAddress && CfaAt(pc) == plan.CallerCfa)
                {
                    return new StopEvent(StopKind.LocationReached, Frame0(pc));
                }

                return null;

            default:
                return null;
        }
    }

    // ---- frames and state ----------------------------------------------------------------------------------

    private SiteInfo InfoAt(ulong pc)
    {
        if (!_siteInfo.TryGetValue(pc, out SiteInfo? info))
        {
            AddressInfo? lookup = Debug.Lookup(pc);
            info = new SiteInfo(_siteByAddress.TryGetValue(pc, out PatchSite site) ? site.Kind : null, lookup?.Function, lookup?.FunctionStart ?? 0, lookup?.Position?.File, lookup?.Position?.Line ?? 0);
            _siteInfo[pc] = info;
        }

        return info;
    }

    /// <summary>The CFA of frame 0 stopped at <paramref name="pc"/> (from the CFI and the current registers).</summary>
    private ulong? CfaAt(ulong pc)
    {
        if (!_unwindRows.TryGetValue(pc, out UnwindRow? row))
        {
            row = Debug.Unwind(pc);
            _unwindRows[pc] = row;
        }

        if (row is null || row.CfaExpression is not null)
        {
            return null;
        }

        return _target.ReadRegister((int)row.CfaRegister) + (ulong)row.CfaOffset;
    }

    private Frame Frame0(ulong pc)
    {
        var registers = new Dictionary<int, ulong>();
        for (int r = 0; r <= 16; r++)
        {
            registers[r] = _target.ReadRegister(r);
        }

        AddressInfo? info = Debug.Lookup(pc);
        return new Frame(0, pc, CfaAt(pc) ?? 0, info?.Function, info?.FunctionStart ?? 0, info?.Position, registers);
    }

    /// <summary>The frames of the stopped program, innermost first (<c>backtrace</c>).</summary>
    public IReadOnlyList<Frame> Backtrace()
    {
        RequireStopped();
        if (_frames is null)
        {
            var frames = new List<Frame>();
            IReadOnlyList<FrameState> states = _target.Unwind();
            for (int i = 0; i < states.Count; i++)
            {
                FrameState s = states[i];
                AddressInfo? info = Debug.Lookup(i == 0 ? s.Pc : s.Pc - 1);
                frames.Add(new Frame(i, s.Pc, s.Cfa, info?.Function, info?.FunctionStart ?? 0, info?.Position, s.Registers));
            }

            _frames = frames;
        }

        return _frames;
    }

    private IReadOnlyList<Frame>? SafeFrames()
    {
        try
        {
            return Backtrace();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The selected frame's level (<c>frame N</c>, <c>up</c>, <c>down</c>); reset to 0 at every stop.</summary>
    public int SelectedFrameLevel
    {
        get => _selectedFrame;
        set
        {
            IReadOnlyList<Frame> frames = Backtrace();
            if (value < 0 || value >= frames.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value < 0 ? "Bottom (innermost) frame selected; you cannot go down." : "Initial frame selected; you cannot go up.");
            }

            _selectedFrame = value;
        }
    }

    /// <summary>The selected frame.</summary>
    public Frame SelectedFrame => Backtrace()[Math.Min(_selectedFrame, Backtrace().Count - 1)];

    /// <summary>The parameters and locals visible in <paramref name="frame"/>, innermost scope first (DWARF).</summary>
    public IReadOnlyList<ScopedVariable> Variables(Frame frame) => Debug.VariablesAt(frame.Level == 0 ? frame.Pc : frame.Pc - 1);

    /// <summary>The address of <paramref name="variable"/> in <paramref name="frame"/> (null with <paramref name="register"/> set for a register variable).</summary>
    public ulong? VariableAddress(Frame frame, ScopedVariable variable, out ulong? register)
        => Debug.GetVariableAddress(variable, frame.Level == 0 ? frame.Pc : frame.Pc - 1, r => frame.Registers.TryGetValue((int)r, out ulong v) ? v : null, out register);

    /// <summary>A register of the selected frame (DWARF number); frame 0 reads the live value.</summary>
    public ulong ReadRegister(int dwarfRegister)
    {
        RequireStopped();
        if (_selectedFrame == 0)
        {
            return _target.ReadRegister(dwarfRegister);
        }

        return SelectedFrame.Registers.TryGetValue(dwarfRegister, out ulong value) ? value : throw new InvalidOperationException("value not available in this frame");
    }

    /// <summary>Writes a register of frame 0 (applied when the program resumes; rip = <c>jump</c>).</summary>
    public void WriteRegister(int dwarfRegister, ulong value)
    {
        RequireStopped();
        _target.WriteRegister(dwarfRegister, value);
        _frames = null;
    }

    /// <summary>Reads program memory; false if not readable.</summary>
    public bool ReadMemory(ulong address, Span<byte> buffer) => _target.ReadMemory(address, buffer);

    /// <summary>Writes program memory; false if not writable.</summary>
    public bool WriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        _frames = null;
        return _target.WriteMemory(address, data);
    }

    /// <summary>Calls a program function on the stopped thread (System V arguments, <see cref="IDebugTarget.CallFunction"/>); returns rax, rdx, xmm0 and xmm1.</summary>
    public CallResult Call(ulong entry, IReadOnlyList<ulong> integerArgs, IReadOnlyList<double> doubleArgs, byte[]? stackArgs = null)
    {
        RequireStopped();
        try
        {
            return _target.CallFunction(entry, integerArgs, doubleArgs, stackArgs);
        }
        finally
        {
            _frames = null;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_live)
        {
            try
            {
                Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }

        _target.StopFilter = null;
    }
}
