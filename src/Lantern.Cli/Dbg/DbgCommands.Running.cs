using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Lantern.C.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Interop;

namespace Lantern.Cli.Dbg;

internal sealed partial class DbgCommands
{
    // ----- running ------------------------------------------------------------------------------------------

    private void RunCommand(string argument)
    {
        if (argument.Trim().Length > 0)
        {
            _session.Arguments.Clear();
            _session.Arguments.AddRange(SplitArgs(argument));
        }

        string args = _session.Arguments.Count > 0 ? " " + string.Join(" ", _session.Arguments) : "";
        Chatter($"Starting program: {Path.GetFullPath(_session.ProgramName)}{args}");
        Resume(_session.Run);
    }

    private void Start(string argument)
    {
        Breakpoint bp = Guard(() => _session.Break("main", temporary: true));
        SourcePosition? position = bp.Addresses.Count > 0 ? _session.Target.Debug.FindLine(bp.Addresses[0]) : null;
        _out.WriteLine($"Temporary breakpoint {bp.Number} at 0x{(bp.Addresses.Count > 0 ? bp.Addresses[0] : 0):x}{(position is null ? "" : $": file {DisplayFile(position.File)}, line {position.Line}.")}");
        RunCommand(argument);
    }

    private static List<string> SplitArgs(string text)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        bool any = false;
        char quote = '\0';
        foreach (char c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                any = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (any || current.Length > 0)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (any || current.Length > 0)
        {
            result.Add(current.ToString());
        }

        return result;
    }

    private void Continue(string argument)
    {
        RequireProcess();
        if (argument.Trim().Length > 0)
        {
            long n = _evaluator.Evaluate(argument, StaticContext()).AsLong();
            if (_session.LastStop is { Kind: StopKind.Breakpoint, BreakpointNumber: int number } && n > 1)
            {
                _session.SetIgnoreCount(number, (int)(n - 1));
                _out.WriteLine($"Will ignore next {n - 1} crossings of breakpoint {number}.  Continuing.");
                Resume(_session.Continue);
                return;
            }
        }

        Chatter("Continuing.");
        Resume(_session.Continue);
    }

    private void Chatter(string line)
    {
        if (FromTty)
        {
            _out.WriteLine(line);
        }
    }

    private void Kill()
    {
        RequireProcess();
        Guard(() => _session.Kill());
        _out.Event("exited", new JsonObject { ["reason"] = "killed" }, $"[Inferior 1 (process {Environment.ProcessId}) killed]\n");
    }

    private void StepCommand(DbgStepKind kind, string argument)
    {
        RequireProcess();
        int count = argument.Trim().Length > 0 ? (int)_evaluator.Evaluate(argument, StaticContext()).AsLong() : 1;
        if (kind is DbgStepKind.StepInstruction or DbgStepKind.NextInstruction && !_session.Target.SupportsInstructions)
        {
            throw new DbgException("Cannot step by instruction: the interpreter target (--interp) has no machine code.");
        }

        Frame start = Frames()[0];
        Resume(
            kind switch
            {
                DbgStepKind.Step => () => _session.Step(count),
                DbgStepKind.Next => () => _session.Next(count),
                DbgStepKind.StepInstruction => () => _session.StepInstruction(count),
                _ => () => _session.NextInstruction(count),
            },
            stepStart: start);
    }

    private void Finish()
    {
        RequireProcess();
        Frame frame = SelectedFrame!;
        if (frame.Level + 1 >= Frames().Count)
        {
            throw new DbgException("\"finish\" not meaningful in the outermost frame.");
        }


        Chatter("Run till exit from " + FrameLine(frame, withLevel: true, out _));
        Resume(_session.Finish);
    }

    private void Until(string argument)
    {
        RequireProcess();
        Frame start = Frames()[0];
        if (argument.Trim().Length == 0)
        {
            Resume(_session.Until, stepStart: start);
            return;
        }

        string location = SessionLocation(argument);
        Resume(() => _session.Until(location), stepStart: start);
    }

    private void Advance(string argument)
    {
        RequireProcess();
        if (argument.Trim().Length == 0)
        {
            throw new DbgException("Argument required (a location).");
        }

        string location = SessionLocation(argument);
        Resume(() => _session.Advance(location), stepStart: Frames()[0]);
    }

    /// <summary>Runs a session command (blocking; Ctrl-C interrupts it) and reports the stop as gdb does.</summary>
    private StopEvent Resume(Func<StopEvent> command, Frame? stepStart = null)
    {
        Terminal.FlushOut();
        StopEvent stop;
        Running = true;
        try
        {
            stop = Guard(command);
        }
        finally
        {
            Running = false;
        }

        FlushProgramOutput();
        ReportStop(stop, stepStart);
        return stop;
    }

    /// <summary>True while a run command waits for the program (Ctrl-C then interrupts it).</summary>
    public volatile bool Running;

    private void ReportStop(StopEvent stop, Frame? stepStart)
    {
        var body = new JsonObject { ["reason"] = ReasonName(stop.Kind) };
        switch (stop.Kind)
        {
            case StopKind.Exited:
                {
                    body["exitCode"] = stop.ExitStatus;
                    string text = stop.ExitStatus == 0
                        ? $"[Inferior 1 (process {Environment.ProcessId}) exited normally]\n"
                        : $"[Inferior 1 (process {Environment.ProcessId}) exited with code 0{System.Convert.ToString(stop.ExitStatus & 0xff, 8)}]\n";
                    _out.Event("exited", body, text);
                    return;
                }

            case StopKind.Killed:
                _out.Event("exited", body, $"[Inferior 1 (process {Environment.ProcessId}) killed]\n");
                return;
            case StopKind.Signal:
            case StopKind.Interrupted:
                {
                    int signal = stop.Kind == StopKind.Interrupted ? Signals.SigInt : stop.Signal;
                    string name = Signals.Name(signal);
                    string description = Signals.Description(signal);
                    body["signal"] = name;
                    body["signalDescription"] = description;
                    if (stop.FaultAddress != 0 || signal is Signals.SigSegv or Signals.SigBus)
                    {
                        body["faultAddress"] = "0x" + stop.FaultAddress.ToString("x", CultureInfo.InvariantCulture);
                    }

                    PrintLocation(withFrame: true, body, $"\nProgram received signal {name}, {description}.\n");
                    break;
                }

            case StopKind.Breakpoint:
                {
                    body["breakpoint"] = stop.BreakpointNumber;
                    bool temporary = _session.FindBreakpoint(stop.BreakpointNumber) is null || _session.FindBreakpoint(stop.BreakpointNumber)!.Temporary;
                    PrintLocation(withFrame: true, body, $"\n{(temporary ? "Temporary breakpoint" : "Breakpoint")} {stop.BreakpointNumber}, ");
                    break;
                }

            case StopKind.Watchpoint:
                {
                    body["watchpoint"] = stop.BreakpointNumber;
                    DbgType type = _watchTypes.GetValueOrDefault(stop.BreakpointNumber) ?? DbgTypes.Long;
                    var formatter = new ValueFormatter(_symbols, Context());
                    string old = stop.OldValue is null ? "<unreadable>" : formatter.Format(DbgValue.FromBytes(type, stop.OldValue));
                    string now = stop.NewValue is null ? "<unreadable>" : formatter.Format(DbgValue.FromBytes(type, stop.NewValue));
                    body["oldValue"] = old;
                    body["newValue"] = now;
                    string expression = _session.FindBreakpoint(stop.BreakpointNumber)?.Location ?? "?";
                    PrintLocation(withFrame: true, body, $"\nWatchpoint {stop.BreakpointNumber}: {expression}\n\nOld value = {old}\nNew value = {now}\n");
                    break;
                }

            case StopKind.FunctionFinished:
                {
                    PrintLocation(withFrame: true, body);
                    if (stop.FinishedFrame is Frame finished && _symbols.FunctionAt(finished.FunctionStart) is FunctionSymbol f && stop.ReturnValue is CallResult registers)
                    {
                        DbgType returnType = f.Type.Target ?? DbgTypes.Void;
                        DbgType rs = returnType.Strip();
                        if (rs.Kind != DbgTypeKind.Void)
                        {
                            // the interpreter returns a struct as its address (the IR's value), in rax
                            bool byAddress = _session.Target.Kind == "interp" && rs.Kind is DbgTypeKind.Struct or DbgTypeKind.Union;
                            try
                            {
                                DbgValue value = ExpressionEvaluator.ReturnedValue(returnType, registers, Context(), byAddress ? registers.Rax : null);
                                int n = _evaluator.History.Add(value);
                                string text = new ValueFormatter(_symbols, Context()).Format(value);
                                _out.WriteLine($"Value returned is ${n} = {text}");
                                _out.SetBody("returnValue", new JsonObject { ["history"] = n, ["value"] = text, ["type"] = returnType.Name });
                            }
                            catch (DebugEvalException e)
                            {
                                _out.WriteLine("Value returned is unavailable: " + e.Message);
                            }
                        }
                    }

                    break;
                }

            default:
                {
                    Frame? frame = SelectedFrame;
                    bool newFrame = stop.Kind == StopKind.LocationReached || stepStart is null || frame is null || frame.FunctionStart != stepStart.FunctionStart || frame.Cfa != stepStart.Cfa;
                    PrintLocation(withFrame: newFrame, body);
                    break;
                }
        }

        DoDisplays();
    }

    private static string ReasonName(StopKind kind) => kind switch
    {
        StopKind.Breakpoint => "breakpoint-hit",
        StopKind.Watchpoint => "watchpoint-trigger",
        StopKind.EndSteppingRange => "end-stepping-range",
        StopKind.FunctionFinished => "function-finished",
        StopKind.LocationReached => "location-reached",
        StopKind.Signal => "signal-received",
        StopKind.Interrupted => "interrupted",
        StopKind.Exited => "exited",
        _ => "killed",
    };

    /// <summary>Flushes the C program's stdio buffers so its output comes before the debugger's report.</summary>
    private void FlushProgramOutput()
    {
        try
        {
            Lantern.C.Jit.JitModule.FlushAll();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
        }

        ProgramOutputFlushed?.Invoke();
    }

    /// <summary>Called after the program's stdio was flushed at a stop (the JSON mode drains its output pipe).</summary>
    public Action? ProgramOutputFlushed { get; set; }
}
