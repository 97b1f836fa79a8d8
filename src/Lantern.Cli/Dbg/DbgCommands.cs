using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Lantern.C.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Interop;

namespace Lantern.Cli.Dbg;

/// <summary>
/// The commands of <c>lantern dbg</c> with gdb's names, abbreviations and wording. Each command runs to completion
/// (run commands block until the next stop) and writes through a <see cref="DbgOutput"/>. Errors are reported as
/// gdb reports them and the session goes on.
/// </summary>
internal sealed partial class DbgCommands
{
    private readonly DebugSession _session;
    private readonly DbgOutput _out;
    private readonly ProgramSymbols _symbols;
    private readonly ExpressionEvaluator _evaluator;
    private readonly Dictionary<int, DbgType> _watchTypes = new();
    private readonly List<(int Number, string Expression, char Format, bool Enabled)> _displays = new();
    private readonly Dictionary<string, string[]?> _sources = new(StringComparer.Ordinal);
    private readonly List<Command> _commands;
    private int _nextDisplay = 1;
    private string? _listFile;
    private int _listLine;

    public DbgCommands(DebugSession session, DbgOutput output)
    {
        _session = session;
        _out = output;
        _symbols = new ProgramSymbols(session.Target.Debug);
        _evaluator = new ExpressionEvaluator(_symbols);
        _commands = BuildCommands();
    }

    /// <summary>
    /// Whether the current command came from the user (gdb's from_tty): only then are "Starting program:",
    /// "Continuing." and "Run till exit from ..." printed, as gdb does (not for -x files or -ex with --batch).
    /// </summary>
    public bool FromTty { get; set; } = true;

    /// <summary>Set by <c>quit</c>.</summary>
    public bool QuitRequested { get; private set; }

    public DebugSession Session => _session;

    private sealed record Command(string Name, string[] Aliases, Action<string> Run, string Help, bool Repeatable = false);

    private List<Command> BuildCommands() =>
    [
        new("break", ["b", "br", "brea"], a => Break(a, temporary: false), "Set breakpoint at specified location: break [LOCATION] [if CONDITION].\nLOCATION: FUNCTION, FILE:LINE, LINE, *ADDRESS."),
        new("tbreak", ["tb"], a => Break(a, temporary: true), "Set a temporary breakpoint (deleted when hit)."),
        new("condition", [], Condition, "Specify breakpoint number N to break only if COND is true: condition N COND."),
        new("ignore", [], Ignore, "Set ignore-count of breakpoint number N to COUNT: ignore N COUNT."),
        new("delete", ["d"], Delete, "Delete all or some breakpoints: delete [N...]. Also: delete display [N...]."),
        new("disable", ["disa"], a => Enable(a, false), "Disable all or some breakpoints: disable [N...]."),
        new("enable", ["en"], a => Enable(a, true), "Enable all or some breakpoints: enable [N...]."),
        new("info", ["i", "inf"], Info, "info breakpoints|locals|args|frame|registers|display|source|line|functions|variables."),
        new("run", ["r"], RunCommand, "Start the program: run [ARGS]."),
        new("start", [], Start, "Start the program and stop at the beginning of main."),
        new("continue", ["c", "cont", "fg"], Continue, "Continue the program: continue [N] (ignore this breakpoint N-1 more times).", Repeatable: true),
        new("kill", ["k"], _ => Kill(), "Kill the program being debugged."),
        new("step", ["s"], a => StepCommand(DbgStepKind.Step, a), "Step program until it reaches a different source line, entering calls: step [N].", Repeatable: true),
        new("next", ["n"], a => StepCommand(DbgStepKind.Next, a), "Step program, proceeding through subroutine calls: next [N].", Repeatable: true),
        new("finish", ["fin"], _ => Finish(), "Execute until the selected stack frame returns; print the value returned."),
        new("until", ["u"], Until, "Execute until past the current line or to LOCATION in the current frame: until [LOCATION].", Repeatable: true),
        new("advance", [], Advance, "Continue the program up to LOCATION: advance LOCATION."),
        new("stepi", ["si"], a => StepCommand(DbgStepKind.StepInstruction, a), "Step one instruction exactly: stepi [N].", Repeatable: true),
        new("nexti", ["ni"], a => StepCommand(DbgStepKind.NextInstruction, a), "Step one instruction, but proceed through subroutine calls: nexti [N].", Repeatable: true),
        new("backtrace", ["bt", "where"], Backtrace, "Print backtrace of all stack frames: backtrace [N]."),
        new("frame", ["f"], FrameCommand, "Select and print a stack frame: frame [N]."),
        new("up", [], a => Up(a, 1), "Select and print the stack frame that called this one: up [N]."),
        new("down", ["do"], a => Up(a, -1), "Select and print the stack frame called by this one: down [N]."),
        new("print", ["p", "inspect", "call"], Print, "Print value of expression EXP: print[/FMT] EXP. FMT: x d u o t c a f z."),
        new("set", [], Set, "set var VARIABLE = EXPR: assign to a program variable."),
        new("whatis", [], a => TypeOf(a, expand: false), "Print the data type of an expression or type name: whatis EXP."),
        new("ptype", [], a => TypeOf(a, expand: true), "Print the definition of the type of an expression or type name: ptype EXP."),
        new("display", ["disp"], Display, "Print value of expression EXP each time the program stops: display[/FMT] EXP."),
        new("undisplay", ["undisp"], Undisplay, "Cancel some expressions to be displayed when program stops: undisplay [N...]."),
        new("list", ["l"], List, "List source lines: list [LINE|FUNCTION|FILE:LINE|FIRST,LAST].", Repeatable: true),
        new("disassemble", ["disas"], Disassemble, "Disassemble a function: disassemble[/s|/r] [FUNCTION|ADDRESS|START,END]."),
        new("x", [], Examine, "Examine memory: x/FMT ADDRESS (FMT: count, format x d u o t c a s i, size b h w g)."),
        new("watch", ["wa"], Watch, "Set a watchpoint for an expression: stops when its value changes."),
        new("help", ["h"], Help, "Print list of commands."),
        new("quit", ["q", "exit"], _ => QuitRequested = true, "Exit the debugger."),
        new("echo", [], a => _out.Write(Unescape(a)), "Print a constant string (C escapes)."),
    ];

    /// <summary>The command word of a line, resolved (exact name, alias, or unique prefix); null if unknown or ambiguous.</summary>
    public string? Resolve(string word) => FindCommand(word, out _)?.Name;

    /// <summary>Whether an empty line repeats <paramref name="name"/> (interactive mode, like gdb).</summary>
    public bool IsRepeatable(string name) => _commands.Any(c => c.Name == name && c.Repeatable);

    private Command? FindCommand(string word, out string? error)
    {
        error = null;
        Command? exact = _commands.FirstOrDefault(c => c.Name == word || c.Aliases.Contains(word));
        if (exact is not null)
        {
            return exact;
        }

        var matches = _commands.Where(c => c.Name.StartsWith(word, StringComparison.Ordinal)).ToList();
        if (matches.Count == 1)
        {
            return matches[0];
        }

        error = matches.Count == 0
            ? $"Undefined command: \"{word}\".  Try \"help\"."
            : $"Ambiguous command \"{word}\": {string.Join(", ", matches.Select(m => m.Name).Order(StringComparer.Ordinal))}.";
        return null;
    }

    /// <summary>Runs one command line. Returns the resolved command name (null for an empty or failed line).</summary>
    public string? Execute(string line)
    {
        line = line.Trim();
        if (line.Length == 0 || line[0] == '#')
        {
            return null;
        }

        int end = 0;
        while (end < line.Length && (char.IsLetterOrDigit(line[end]) || line[end] == '_' || line[end] == '-'))
        {
            end++;
        }

        if (end == 0)
        {
            _out.Error($"Undefined command: \"{line.Split(' ')[0]}\".  Try \"help\".");
            return null;
        }

        string word = line[..end];
        string rest = line[end..];
        Command? command = FindCommand(word, out string? error);
        if (command is null)
        {
            _out.Error(error!);
            return null;
        }

        try
        {
            command.Run(rest.TrimStart());
        }
        catch (DebugEvalException e)
        {
            _out.Error(e.Message);
        }
        catch (DbgException e)
        {
            _out.Error(e.Message);
        }

        return command.Name;
    }

    // ----- frames -----------------------------------------------------------------------------------------

    private IReadOnlyList<Frame> Frames() => _session.IsLive ? _session.Backtrace() : [];

    private int FrameLevel => _session.IsLive ? _session.SelectedFrameLevel : 0;

    private Frame? SelectedFrame => _session.IsLive && Frames().Count > 0 ? _session.SelectedFrame : null;

    private FrameContext Context(int? level = null)
    {
        IReadOnlyList<Frame> frames = Frames();
        int l = level ?? FrameLevel;
        return new FrameContext(_session.Target, l < frames.Count ? frames[l] : null);
    }

    private FrameContext StaticContext() => new(_session.Target, null);

    /// <summary>Frame 0 from the live registers only (breakpoint conditions; may run on the program's thread).</summary>
    private FrameContext ConditionContext()
    {
        ulong pc = _session.Target.ReadRegister(16);
        return new FrameContext(_session.Target, new Frame(0, pc, 0, null, 0, null, new Dictionary<int, ulong>()));
    }

    private void RequireProcess()
    {
        if (!_session.IsLive)
        {
            throw new DbgException("The program is not being run.");
        }
    }

    private void RequireStack()
    {
        if (!_session.IsLive)
        {
            throw new DbgException("No stack.");
        }
    }

    private static ulong LookupPc(Frame frame) => frame.Level == 0 ? frame.Pc : frame.Pc - 1;

    private string? FunctionOf(ulong pc) => _session.Target.Debug.Lookup(pc)?.Function;

    /// <summary><c>f (n=3, s=0x... "hi")</c> — gdb's frame description with scalar arguments.</summary>
    private string FrameFunctionText(Frame frame, out JsonArray args)
    {
        args = new JsonArray();
        ulong pc = LookupPc(frame);
        string name = frame.Function ?? "??";
        var context = new FrameContext(_session.Target, frame);
        var parts = new List<string>();
        var formatter = new ValueFormatter(_symbols, context);
        foreach (ScopedVariable v in _session.Target.Debug.VariablesAt(pc).Where(v => v.IsParameter))
        {
            string text;
            try
            {
                DbgValue value = _evaluator.VariableValue(v, pc, context);
                DbgTypeKind kind = value.Type.Strip().Kind;
                text = kind is DbgTypeKind.Struct or DbgTypeKind.Union or DbgTypeKind.Array ? "..." : formatter.FormatBare(value.Type, value.Bytes);
            }
            catch (DebugEvalException e)
            {
                text = "<error: " + e.Message + ">";
            }

            parts.Add(v.Name + "=" + text);
            args.Add((JsonNode)new JsonObject { ["name"] = v.Name, ["value"] = text });
        }

        return $"{name} ({string.Join(", ", parts)})";
    }

    private static string Hex16(ulong pc) => "0x" + pc.ToString("x16", CultureInfo.InvariantCulture);

    private static string DisplayFile(string path) => Path.GetFileName(path);

    /// <summary>One frame as <c>backtrace</c> prints it: <c>#1  0x... in main () at prog.c:10</c>.</summary>
    private string FrameLine(Frame frame, bool withLevel, out JsonObject json)
    {
        SourcePosition? position = frame.Position;
        string function = FrameFunctionText(frame, out JsonArray args);
        bool atLineStart = frame.Level == 0 && position is not null && position.RowAddress == frame.Pc;
        var sb = new StringBuilder();
        if (withLevel)
        {
            sb.Append('#').Append(frame.Level.ToString(CultureInfo.InvariantCulture).PadRight(2)).Append(' ');
        }

        if (!atLineStart)
        {
            sb.Append(Hex16(frame.Pc)).Append(" in ");
        }

        sb.Append(function);
        if (position is not null)
        {
            sb.Append(" at ").Append(DisplayFile(position.File)).Append(':').Append(position.Line);
        }

        json = FrameJson(frame, args);
        return sb.ToString();
    }

    private static JsonObject FrameJson(Frame frame, JsonArray args) => new()
    {
        ["level"] = frame.Level,
        ["pc"] = "0x" + frame.Pc.ToString("x", CultureInfo.InvariantCulture),
        ["function"] = frame.Function,
        ["file"] = frame.File,
        ["line"] = frame.Position?.Line,
        ["args"] = args,
    };

    /// <summary>The source text of a line (<c>5\t  int x = 1;</c>), or gdb's "in FILE" line if the file cannot be read.</summary>
    private string SourceLineText(string file, int line)
    {
        string[]? lines = ReadSource(file);
        if (lines is null || line < 1 || line > lines.Length)
        {
            return $"{line}\tin {file}";
        }

        return $"{line}\t{lines[line - 1]}";
    }

    private string[]? ReadSource(string file)
    {
        if (!_sources.TryGetValue(file, out string[]? lines))
        {
            try
            {
                string text = System.IO.File.ReadAllText(file);
                lines = text.Split('\n');
                if (lines.Length > 0 && lines[^1].Length == 0)
                {
                    lines = lines[..^1];
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                lines = null;
            }

            _sources[file] = lines;
        }

        return lines;
    }

    /// <summary>Prints where the program is after a stop: optional frame line, then the source line (gdb's print_stop_event).</summary>
    private void PrintLocation(bool withFrame, JsonObject body, string prefix = "")
    {
        Frame? frame = SelectedFrame;
        if (frame is null)
        {
            _out.Event("stopped", body, prefix);
            return;
        }

        SourcePosition? position = frame.Position;
        var sb = new StringBuilder(prefix);
        string frameText = FrameLine(frame, withLevel: false, out JsonObject frameJson);
        body["frame"] = frameJson;
        if (withFrame || position is null)
        {
            sb.Append(frameText).Append('\n');
        }

        if (position is not null)
        {
            bool midLine = frame.Level == 0 && position.RowAddress != frame.Pc && !withFrame;
            if (midLine)
            {
                sb.Append(Hex16(frame.Pc)).Append('\t');
            }

            sb.Append(SourceLineText(position.File, position.Line)).Append('\n');
            _listFile = position.File;
            _listLine = Math.Max(1, position.Line - 5);
        }

        _out.Event("stopped", body, sb.ToString());
    }

    // ----- locations and breakpoints ------------------------------------------------------------------------

    /// <summary>
    /// A location for the session: <c>*EXPRESSION</c> is evaluated here (C expressions, e.g. <c>*&amp;f</c>, <c>*$pc</c>)
    /// and passed on as an address; an empty location is the selected frame's pc.
    /// </summary>
    private string? CurrentFile()
    {
        if (SelectedFrame?.Position is SourcePosition p)
        {
            return p.File;
        }

        if (_listFile is not null)
        {
            return _listFile;
        }

        return _symbols.Functions.TryGetValue("main", out FunctionSymbol? main) ? _session.Target.Debug.FindLine(main.Address)?.File : null;
    }

    private string SessionLocation(string location)
    {
        location = location.Trim();
        if (location.Length == 0)
        {
            Frame frame = SelectedFrame ?? throw new DbgException("No default breakpoint address now.");
            return $"*0x{frame.Pc:x}";
        }

        if (location[0] == '*')
        {
            DbgValue value = _evaluator.Evaluate(location[1..], Context());
            ulong address = value.Type.Strip().Kind is DbgTypeKind.Function or DbgTypeKind.Array ? value.Address ?? 0 : (ulong)value.AsLong();
            return $"*0x{address:x}";
        }

        return location;
    }

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (LocationException e)
        {
            throw new DbgException(e.Message);
        }
        catch (InvalidOperationException e)
        {
            throw new DbgException(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new DbgException(e.Message.Split(" (Parameter", 2)[0]);
        }
        catch (NotSupportedException e)
        {
            throw new DbgException(e.Message);
        }
    }

    private static void Guard(Action action) => Guard(() =>
    {
        action();
        return 0;
    });

    private void Break(string argument, bool temporary)
    {
        string location = argument;
        string? condition = null;
        int ifAt = FindIf(argument);
        if (ifAt >= 0)
        {
            location = argument[..ifAt];
            condition = argument[(ifAt + 2)..].Trim();
            _evaluator.Parse(condition);
        }

        string resolved = SessionLocation(location);
        Breakpoint bp = Guard(() => _session.Break(resolved, temporary));
        if (condition is not null)
        {
            SetCondition(bp.Number, condition);
        }

        ulong address = bp.Addresses.Count > 0 ? bp.Addresses[0] : 0;
        SourcePosition? position = _session.Target.Debug.FindLine(address);
        string kind = temporary ? "Temporary breakpoint" : "Breakpoint";
        if (bp.Addresses.Count > 1)
        {
            _out.WriteLine($"{kind} {bp.Number} at 0x{address:x}: {(position is null ? location.Trim() : $"{DisplayFile(position.File)}:{position.Line}")}. ({bp.Addresses.Count} locations)");
        }
        else
        {
            string what = position is null ? "" : $": file {DisplayFile(position.File)}, line {position.Line}.";
            _out.WriteLine($"{kind} {bp.Number} at 0x{address:x}{what}");
        }

        _out.SetBody("breakpoint", BreakpointJson(bp));
    }

    private void SetCondition(int number, string condition)
    {
        Expr parsed = _evaluator.Parse(condition);
        _session.SetCondition(number, condition, _ =>
        {
            try
            {
                return _evaluator.IsTrue(_evaluator.Evaluate(parsed, ConditionContext()));
            }
            catch (DebugEvalException)
            {
                // gdb stops when the condition cannot be evaluated.
                return true;
            }
        });
    }

    private static int FindIf(string text)
    {
        for (int i = 0; i + 2 <= text.Length; i++)
        {
            if ((i == 0 || char.IsWhiteSpace(text[i - 1])) && string.CompareOrdinal(text, i, "if", 0, 2) == 0
                && (i + 2 == text.Length || char.IsWhiteSpace(text[i + 2]) || text[i + 2] == '('))
            {
                return i;
            }
        }

        return -1;
    }

    private JsonObject BreakpointJson(Breakpoint bp)
    {
        ulong address = bp.Addresses.Count > 0 ? bp.Addresses[0] : 0;
        SourcePosition? position = bp.Addresses.Count > 0 ? _session.Target.Debug.FindLine(address) : null;
        var addresses = new JsonArray();
        foreach (ulong a in bp.Addresses)
        {
            addresses.Add((JsonNode)JsonValue.Create("0x" + a.ToString("x", CultureInfo.InvariantCulture)));
        }

        return new JsonObject
        {
            ["number"] = bp.Number,
            ["type"] = bp.Kind == BreakpointKind.Watchpoint ? "watchpoint" : "breakpoint",
            ["temporary"] = bp.Temporary,
            ["enabled"] = bp.Enabled,
            ["addresses"] = addresses,
            ["function"] = bp.Addresses.Count > 0 ? FunctionOf(address) : null,
            ["file"] = position?.File,
            ["line"] = position?.Line,
            ["location"] = bp.Location,
            ["condition"] = bp.ConditionText,
            ["ignoreCount"] = bp.IgnoreCount,
            ["hitCount"] = bp.HitCount,
        };
    }

    private Breakpoint FindBreakpoint(string text)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            throw new DbgException($"Convenience variable must have integer value.\nBad breakpoint argument: '{text.Trim()}'");
        }

        return _session.FindBreakpoint(n) ?? throw new DbgException($"No breakpoint number {n}.");
    }

    private void Condition(string argument)
    {
        string[] parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new DbgException("Argument required (breakpoint number).");
        }

        Breakpoint bp = FindBreakpoint(parts[0]);
        if (parts.Length == 1)
        {
            _session.SetCondition(bp.Number, null, null);
            _out.WriteLine($"Breakpoint {bp.Number} now unconditional.");
            return;
        }

        SetCondition(bp.Number, parts[1].Trim());
    }

    private void Ignore(string argument)
    {
        string[] parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            throw new DbgException("Argument required (a breakpoint number).");
        }

        Breakpoint bp = FindBreakpoint(parts[0]);
        int count = (int)Math.Max(0, _evaluator.Evaluate(parts[1], StaticContext()).AsLong());
        _session.SetIgnoreCount(bp.Number, count);
        _out.WriteLine(count switch
        {
            0 => $"Will stop next time breakpoint {bp.Number} is reached.",
            1 => $"Will ignore next crossing of breakpoint {bp.Number}.",
            _ => $"Will ignore next {count} crossings of breakpoint {bp.Number}.",
        });
    }

    private List<Breakpoint> SelectBreakpoints(string argument)
    {
        if (argument.Trim().Length == 0)
        {
            return _session.Breakpoints.ToList();
        }

        var result = new List<Breakpoint>();
        foreach (string part in argument.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int dash = part.IndexOf('-');
            if (dash > 0 && int.TryParse(part[..dash], out int from) && int.TryParse(part[(dash + 1)..], out int to))
            {
                result.AddRange(_session.Breakpoints.Where(b => b.Number >= from && b.Number <= to));
                continue;
            }

            result.Add(FindBreakpoint(part));
        }

        return result;
    }

    private void Delete(string argument)
    {
        if (argument.StartsWith("display", StringComparison.Ordinal))
        {
            Undisplay(argument[7..]);
            return;
        }

        if (argument.StartsWith("breakpoints", StringComparison.Ordinal))
        {
            argument = argument[11..];
        }

        foreach (Breakpoint bp in SelectBreakpoints(argument))
        {
            _session.Delete(bp.Number);
        }
    }

    private void Enable(string argument, bool enabled)
    {
        if (argument.StartsWith("display", StringComparison.Ordinal))
        {
            for (int i = 0; i < _displays.Count; i++)
            {
                _displays[i] = _displays[i] with { Enabled = enabled };
            }

            return;
        }

        foreach (Breakpoint bp in SelectBreakpoints(argument))
        {
            _session.Enable(bp.Number, enabled);
        }
    }

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

    // ----- stack ----------------------------------------------------------------------------------------------

    private void Backtrace(string argument)
    {
        RequireStack();
        IReadOnlyList<Frame> frames = Frames();
        int limit = frames.Count;
        string arg = argument.Trim();
        if (arg.StartsWith("full", StringComparison.Ordinal))
        {
            arg = arg[4..].Trim();
        }

        if (arg.Length > 0 && int.TryParse(arg, out int n))
        {
            limit = n >= 0 ? Math.Min(n, frames.Count) : frames.Count;
        }

        var list = new JsonArray();
        var sb = new StringBuilder();
        for (int i = 0; i < limit; i++)
        {
            sb.Append(FrameLine(frames[i], withLevel: true, out JsonObject json)).Append('\n');
            list.Add((JsonNode)json);
        }

        if (limit < frames.Count)
        {
            sb.Append("(More stack frames follow...)\n");
        }

        _out.Write(sb.ToString());
        _out.SetBody("frames", list);
    }

    private void PrintSelectedFrame()
    {
        Frame frame = SelectedFrame!;
        string text = FrameLine(frame, withLevel: true, out JsonObject json);
        var sb = new StringBuilder(text).Append('\n');
        if (frame.Position is SourcePosition p)
        {
            sb.Append(SourceLineText(p.File, p.Line)).Append('\n');
            _listFile = p.File;
            _listLine = Math.Max(1, p.Line - 5);
        }

        _out.Write(sb.ToString());
        _out.SetBody("frame", json);
    }

    private void FrameCommand(string argument)
    {
        RequireStack();
        if (argument.Trim().Length > 0)
        {
            int level = (int)_evaluator.Evaluate(argument, StaticContext()).AsLong();
            if (level < 0 || level >= Frames().Count)
            {
                throw new DbgException("No frame at level " + argument.Trim() + ".");
            }

            _session.SelectedFrameLevel = level;
        }

        PrintSelectedFrame();
    }

    private void Up(string argument, int direction)
    {
        RequireStack();
        int count = argument.Trim().Length > 0 ? (int)_evaluator.Evaluate(argument, StaticContext()).AsLong() : 1;
        int target = FrameLevel + (direction * count);
        if (target < 0)
        {
            throw new DbgException("Bottom (innermost) frame selected; you cannot go down.");
        }

        if (target >= Frames().Count)
        {
            if (FrameLevel == Frames().Count - 1)
            {
                throw new DbgException("Initial frame selected; you cannot go up.");
            }

            target = Frames().Count - 1;
        }

        _session.SelectedFrameLevel = target;
        PrintSelectedFrame();
    }

    // ----- data -----------------------------------------------------------------------------------------------

    private static (char Format, int Count, char Size, string Text) ParseFormat(string argument)
    {
        if (!argument.StartsWith('/'))
        {
            return ('\0', 1, '\0', argument);
        }

        int i = 1;
        int count = 0;
        bool hasCount = false;
        while (i < argument.Length && char.IsDigit(argument[i]))
        {
            count = (count * 10) + (argument[i] - '0');
            hasCount = true;
            i++;
        }

        char format = '\0', size = '\0';
        while (i < argument.Length && char.IsLetter(argument[i]))
        {
            char c = argument[i];
            if (c is 'b' or 'h' or 'w' or 'g')
            {
                size = c;
            }
            else if (c is 'x' or 'd' or 'u' or 'o' or 't' or 'c' or 'a' or 'f' or 's' or 'z' or 'i')
            {
                format = c;
            }
            else
            {
                throw new DbgException($"Undefined output format \"{c}\".");
            }

            i++;
        }

        return (format, hasCount ? count : 1, size, argument[i..].TrimStart());
    }

    private void Print(string argument)
    {
        (char format, _, _, string expression) = ParseFormat(argument);
        FrameContext context = Context();
        DbgValue value;
        if (expression.Trim().Length == 0)
        {
            value = _evaluator.History.Get(new HistoryRef(0, true));
        }
        else
        {
            value = _evaluator.Evaluate(expression, context);
        }

        if (value.Type.Strip().Kind == DbgTypeKind.Void && expression.Contains('('))
        {
            // A call to a void function prints nothing (gdb's call; print shows "$1 = void" only for non-calls).
            return;
        }

        string text = new ValueFormatter(_symbols, context).Format(value, format);
        int n = _evaluator.History.Add(value);
        _out.WriteLine($"${n} = {text}");
        _out.SetBody("value", new JsonObject { ["history"] = n, ["value"] = text, ["type"] = value.Type.Name });
    }

    /// <summary><c>whatis</c>/<c>ptype</c>: the type of an expression (not evaluated for side effects) or a type name.</summary>
    private void TypeOf(string argument, bool expand)
    {
        string text = argument.Trim();
        if (text.Length == 0)
        {
            throw new DbgException("Argument required (one or more choice items).");
        }

        DbgType type;
        Expr parsed = _evaluator.Parse("sizeof(" + text + ")");
        if (parsed is SizeofTypeExpr typeName)
        {
            type = _evaluator.ResolveType(typeName.Type);
        }
        else
        {
            type = _evaluator.Evaluate(text, Context()).Type;
        }

        DbgType shown = expand ? type.Strip() : type;
        string stars = "";
        while (expand && shown.Kind == DbgTypeKind.Pointer && shown.Target is DbgType pointee
            && pointee.Strip().Kind is DbgTypeKind.Struct or DbgTypeKind.Union or DbgTypeKind.Enum or DbgTypeKind.Pointer)
        {
            stars += "*";
            shown = pointee.Strip();
        }

        if (shown.Kind == DbgTypeKind.Pointer)
        {
            shown = expand ? type.Strip() : type;
            stars = "";
        }

        if (!expand || shown.Kind is not (DbgTypeKind.Struct or DbgTypeKind.Union or DbgTypeKind.Enum))
        {
            _out.WriteLine("type = " + (expand ? ExpandedName(type) : type.Name));
            return;
        }

        // an anonymous struct is "struct {" (its name "struct {...}" is for where the members are not shown)
        string head = shown.TagName is null ? shown.Name.Replace(" {...}", "", StringComparison.Ordinal) : shown.Name;
        var sb = new StringBuilder("type = ").Append(head).Append(" {");
        if (shown.Kind == DbgTypeKind.Enum)
        {
            long next = 0;
            var names = new List<string>();
            foreach ((string name, long value) in shown.Enumerators)
            {
                names.Add(value == next ? name : $"{name} = {value}");
                next = value + 1;
            }

            sb.Append(string.Join(", ", names)).Append('}').Append(stars.Length > 0 ? " " + stars : "").Append('\n');
        }
        else
        {
            sb.Append('\n');
            foreach (DbgMember m in shown.Members)
            {
                string declaration = Declarator(m.Type, m.Name ?? "");
                sb.Append("    ").Append(declaration).Append(m.IsBitField ? $" : {m.BitSize}" : "").Append(";\n");
            }

            sb.Append('}').Append(stars.Length > 0 ? " " + stars : "").Append('\n');
        }

        _out.Write(sb.ToString());
    }

    /// <summary>A type name with typedefs of the outer level resolved (ptype of a typedef'd scalar).</summary>
    private static string ExpandedName(DbgType type) => type.Kind is DbgTypeKind.Typedef ? ExpandedName(type.Target ?? DbgTypes.Void) : type.Name;

    /// <summary><c>int a[3]</c>, <c>char *name</c>, <c>int (*f)(int)</c>: a member declaration as ptype prints it.</summary>
    private static string Declarator(DbgType type, string name)
    {
        string full = type.Name;
        DbgType t = type;
        string suffix = "";
        while (t.Kind == DbgTypeKind.Array)
        {
            suffix += t.Count >= 0 ? $"[{t.Count}]" : "[]";
            t = t.Target ?? DbgTypes.Void;
        }

        if (suffix.Length > 0)
        {
            return $"{t.Name} {name}{suffix}";
        }

        if (full.Contains("(*)", StringComparison.Ordinal))
        {
            return full.Replace("(*)", $"(*{name})", StringComparison.Ordinal);
        }

        return full.EndsWith('*') ? full + name : full + " " + name;
    }

    private void Set(string argument)
    {
        string text = argument.Trim();
        if (text.StartsWith("var ", StringComparison.Ordinal) || text.StartsWith("variable ", StringComparison.Ordinal))
        {
            text = text[(text.IndexOf(' ') + 1)..];
        }
        else if (text.StartsWith("confirm", StringComparison.Ordinal) || text.StartsWith("pagination", StringComparison.Ordinal)
            || text.StartsWith("width", StringComparison.Ordinal) || text.StartsWith("height", StringComparison.Ordinal)
            || text.StartsWith("listsize", StringComparison.Ordinal) || text.StartsWith("print ", StringComparison.Ordinal))
        {
            return;
        }
        else if (text.StartsWith("args", StringComparison.Ordinal))
        {
            _session.Arguments.Clear();
            _session.Arguments.AddRange(SplitArgs(text[4..]));
            return;
        }

        if (text.Length == 0)
        {
            throw new DbgException("Argument required (expression to compute).");
        }

        _evaluator.Evaluate(text, Context());
    }

    private void Display(string argument)
    {
        if (argument.Trim().Length == 0)
        {
            DoDisplays();
            return;
        }

        (char format, _, _, string expression) = ParseFormat(argument);
        _evaluator.Parse(expression);
        int number = _nextDisplay++;
        _displays.Add((number, expression.Trim(), format, true));
        if (_session.IsLive)
        {
            ShowDisplay(_displays[^1]);
        }
    }

    private void DoDisplays()
    {
        if (!_session.IsLive)
        {
            return;
        }

        foreach (var display in _displays.Where(d => d.Enabled))
        {
            ShowDisplay(display);
        }
    }

    private void ShowDisplay((int Number, string Expression, char Format, bool Enabled) display)
    {
        string prefix = display.Format == '\0' ? $"{display.Number}: {display.Expression} = " : $"{display.Number}: /{display.Format} {display.Expression} = ";
        try
        {
            FrameContext context = Context();
            DbgValue value = _evaluator.Evaluate(display.Expression, context);
            _out.Event("display", new JsonObject { ["number"] = display.Number, ["expression"] = display.Expression, ["value"] = new ValueFormatter(_symbols, context).Format(value, display.Format) }, prefix + new ValueFormatter(_symbols, context).Format(value, display.Format) + "\n");
        }
        catch (DebugEvalException e)
        {
            _out.Write(prefix + "<error: " + e.Message + ">\n");
        }
    }

    private void Undisplay(string argument)
    {
        if (argument.Trim().Length == 0)
        {
            _displays.Clear();
            return;
        }

        foreach (string part in argument.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, out int n) || _displays.RemoveAll(d => d.Number == n) == 0)
            {
                throw new DbgException($"Arguments must be display numbers.");
            }
        }
    }

    private void Watch(string argument)
    {
        string expression = argument.Trim();
        if (expression.Length == 0)
        {
            throw new DbgException("Argument required (expression to compute).");
        }

        DbgValue value = _evaluator.Evaluate(expression, Context());
        if (value.Address is not ulong address || value.BitSize > 0)
        {
            throw new DbgException("Cannot watch constant value `" + expression + "'.");
        }

        int size = (int)Math.Max(1, Math.Min(value.Type.Size, 4096));
        Breakpoint wp = Guard(() => _session.Watch(expression, address, size));
        _watchTypes[wp.Number] = value.Type;
        _out.WriteLine($"Watchpoint {wp.Number}: {expression}");
        _out.SetBody("breakpoint", BreakpointJson(wp));
    }

    private void Examine(string argument)
    {
        (char format, int count, char size, string expression) = ParseFormat(argument);
        if (format == '\0')
        {
            format = 'x';
        }

        FrameContext context = Context();
        DbgValue start = _evaluator.Evaluate(expression, context);
        DbgTypeKind kind = start.Type.Strip().Kind;
        ulong address = kind is DbgTypeKind.Array or DbgTypeKind.Function ? start.Address ?? 0 : (ulong)start.AsLong();
        if (format == 'i')
        {
            DisassembleRange(address, ulong.MaxValue, count, source: false, raw: false, context);
            return;
        }

        if (format == 's')
        {
            var formatter = new ValueFormatter(_symbols, context);
            for (int i = 0; i < count; i++)
            {
                DbgValue pointer = DbgValue.FromLong(DbgTypes.PointerTo(DbgTypes.Char), (long)address);
                string text = formatter.FormatBare(pointer.Type, pointer.Bytes);
                string label = _symbols.Describe(address) is string sym ? $"0x{address:x} <{sym}>:" : $"0x{address:x}:";
                _out.WriteLine(label + "\t" + text[(text.IndexOf(' ') + 1)..]);
                var one = new byte[1];
                while (context.ReadMemory(address, one) && one[0] != 0)
                {
                    address++;
                }

                address++;
            }

            return;
        }

        int unit = size switch { 'b' => 1, 'h' => 2, 'g' => 8, 'w' => 4, _ => format is 'c' ? 1 : format == 'a' ? 8 : 4 };
        DbgType type = unit switch { 1 => format == 'c' ? DbgTypes.Char : DbgTypes.SignedChar, 2 => DbgTypes.Short, 8 => DbgTypes.Long, _ => DbgTypes.Int };
        int perLine = unit switch { 1 => 8, 2 => 8, 4 => 4, _ => 2 };
        var sb = new StringBuilder();
        var fmt = new ValueFormatter(_symbols, context);
        for (int i = 0; i < count; i++)
        {
            ulong at = address + (ulong)(i * unit);
            if (i % perLine == 0)
            {
                if (i > 0)
                {
                    sb.Append('\n');
                }

                sb.Append("0x").Append(at.ToString("x", CultureInfo.InvariantCulture));
                if (_symbols.Describe(at) is string sym)
                {
                    sb.Append(" <").Append(sym).Append('>');
                }

                sb.Append(':');
            }

            DbgValue v = DbgValue.AtAddress(type, at, context);
            byte[] bytes;
            try
            {
                bytes = v.Bytes;
            }
            catch (DebugEvalException e)
            {
                _out.Write(sb.ToString() + "\n");
                throw new DbgException(e.Message);
            }

            string text = format == 'x' ? "0x" + ((ulong)v.AsLong() & (unit == 8 ? ulong.MaxValue : (1UL << (unit * 8)) - 1)).ToString("x" + (unit * 2), CultureInfo.InvariantCulture)
                : fmt.FormatBare(type, bytes, format == 'd' ? '\0' : format);
            sb.Append('\t').Append(text);
        }

        _out.Write(sb.Append('\n').ToString());
    }

    // ----- info -------------------------------------------------------------------------------------------

    private void Info(string argument)
    {
        string[] parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new DbgException("List of info subcommands: breakpoints, locals, args, frame, registers, display, source, line, functions, variables, watchpoints.");
        }

        string sub = parts[0];
        string rest = parts.Length > 1 ? parts[1] : "";
        string[] names = ["breakpoints", "locals", "args", "frame", "registers", "all-registers", "display", "source", "line", "functions", "variables", "watchpoints", "symbol"];
        string? resolved = sub == "b" || sub == "br" ? "breakpoints" : sub == "r" ? "registers" : sub == "f" ? "frame" : names.FirstOrDefault(n => n.StartsWith(sub, StringComparison.Ordinal));
        switch (resolved)
        {
            case "breakpoints":
            case "watchpoints":
                InfoBreakpoints(resolved == "watchpoints");
                return;
            case "locals":
                InfoVariables(parameters: false);
                return;
            case "args":
                InfoVariables(parameters: true);
                return;
            case "frame":
                InfoFrame();
                return;
            case "registers":
            case "all-registers":
                InfoRegisters(rest);
                return;
            case "display":
                if (_displays.Count == 0)
                {
                    _out.WriteLine("There are no auto-display expressions now.");
                    return;
                }

                _out.WriteLine("Auto-display expressions now in effect:\nNum Enb Expression");
                foreach (var d in _displays)
                {
                    _out.WriteLine($"{d.Number}:   {(d.Enabled ? 'y' : 'n')}  {(d.Format == '\0' ? "" : "/" + d.Format + " ")}{d.Expression}");
                }

                return;
            case "source":
                {
                    string? file = CurrentFile();
                    _out.WriteLine(file is null ? "No current source file." : $"Current source file is {DisplayFile(file)}\nLocated in {file}\nSource language is c.");
                    return;
                }

            case "line":
                {
                    ulong address = Guard(() => _session.ResolveLocation(SessionLocation(rest)))[0];
                    SourcePosition? p = _session.Target.Debug.FindLine(address);
                    string? f = FunctionOf(address);
                    _out.WriteLine(p is null
                        ? $"No line number information available for address 0x{address:x}"
                        : $"Line {p.Line} of \"{DisplayFile(p.File)}\" starts at address 0x{p.RowAddress:x} <{_symbols.Describe(p.RowAddress) ?? f}>.");
                    return;
                }

            case "functions":
                _out.WriteLine("All defined functions:\n");
                foreach (FunctionSymbol fn in _symbols.Functions.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
                {
                    _out.WriteLine($"{fn.Type.Target?.Name ?? "void"} {fn.Name}({string.Join(", ", fn.Type.Parameters.Select(p => p.Name))});");
                }

                return;
            case "variables":
                _out.WriteLine("All defined variables:\n");
                foreach (GlobalSymbol g in _symbols.Globals.Values.OrderBy(g => g.Name, StringComparer.Ordinal))
                {
                    _out.WriteLine($"{g.Type.Name} {g.Name};");
                }

                return;
            case "symbol":
                {
                    DbgValue v = _evaluator.Evaluate(rest, Context());
                    ulong address = v.Type.Strip().Kind == DbgTypeKind.Function ? v.Address ?? 0 : (ulong)v.AsLong();
                    string? name = _symbols.Describe(address);
                    _out.WriteLine(name is null ? $"No symbol matches {rest}." : $"{name.Replace("+", " + ")} in section .text");
                    return;
                }

            default:
                throw new DbgException($"Undefined info command: \"{argument.Trim()}\".  Try \"help info\".");
        }
    }

    private void InfoBreakpoints(bool watchOnly)
    {
        var list = _session.Breakpoints.Where(b => !watchOnly || b.Kind == BreakpointKind.Watchpoint).ToList();
        if (list.Count == 0)
        {
            _out.WriteLine(watchOnly ? "No watchpoints." : "No breakpoints or watchpoints.");
            _out.SetBody("breakpoints", new JsonArray());
            return;
        }

        var sb = new StringBuilder("Num     Type           Disp Enb Address            What\n");
        var json = new JsonArray();
        foreach (Breakpoint bp in list)
        {
            bool watch = bp.Kind == BreakpointKind.Watchpoint;
            sb.Append(bp.Number.ToString(CultureInfo.InvariantCulture).PadRight(8))
              .Append((watch ? "watchpoint" : "breakpoint").PadRight(15))
              .Append((bp.Temporary ? "del" : "keep").PadRight(5))
              .Append(bp.Enabled ? "y   " : "n   ");
            if (watch)
            {
                sb.Append(new string(' ', 19)).Append(bp.Location);
            }
            else
            {
                ulong address = bp.Addresses.Count > 0 ? bp.Addresses[0] : 0;
                sb.Append(bp.Addresses.Count > 1 ? "<MULTIPLE>        " : Hex16(address)).Append(' ');
                if (FunctionOf(address) is string function)
                {
                    sb.Append("in ").Append(function);
                }

                if (_session.Target.Debug.FindLine(address) is SourcePosition position)
                {
                    sb.Append(" at ").Append(DisplayFile(position.File)).Append(':').Append(position.Line);
                }
            }

            sb.Append('\n');
            if (bp.ConditionText is not null)
            {
                sb.Append("\tstop only if ").Append(bp.ConditionText).Append('\n');
            }

            if (bp.HitCount > 0)
            {
                sb.Append($"\tbreakpoint already hit {bp.HitCount} time{(bp.HitCount == 1 ? "" : "s")}\n");
            }

            if (bp.IgnoreCount > 0)
            {
                sb.Append($"\tWill ignore next {bp.IgnoreCount} crossings of breakpoint.\n");
            }

            json.Add((JsonNode)BreakpointJson(bp));
        }

        _out.Write(sb.ToString());
        _out.SetBody("breakpoints", json);
    }

    private void InfoVariables(bool parameters)
    {
        _ = SelectedFrame ?? throw new DbgException("No frame selected.");
        FrameContext context = Context();
        ulong pc = context.FramePc!.Value;
        var variables = _session.Target.Debug.VariablesAt(pc).Where(v => v.IsParameter == parameters).ToList();
        if (variables.Count == 0)
        {
            _out.WriteLine(parameters ? "No arguments." : "No locals.");
            _out.SetBody("variables", new JsonArray());
            return;
        }

        var sb = new StringBuilder();
        var json = new JsonArray();
        var formatter = new ValueFormatter(_symbols, context);
        foreach (ScopedVariable v in variables)
        {
            string text;
            try
            {
                DbgValue value = _evaluator.VariableValue(v, pc, context);
                text = formatter.FormatBare(value.Type, value.Bytes);
            }
            catch (DebugEvalException e)
            {
                text = "<error: " + e.Message + ">";
            }

            sb.Append(v.Name).Append(" = ").Append(text).Append('\n');
            json.Add((JsonNode)new JsonObject { ["name"] = v.Name, ["value"] = text, ["type"] = _symbols.Types.FromDie(v.Type).Name });
        }

        _out.Write(sb.ToString());
        _out.SetBody("variables", json);
    }

    private void InfoFrame()
    {
        RequireStack();
        IReadOnlyList<Frame> frames = Frames();
        int level = FrameLevel;
        Frame frame = frames[level];
        var sb = new StringBuilder();
        SourcePosition? p = frame.Position;
        string function = frame.Function ?? "??";
        sb.Append($"Stack level {level}, frame at 0x{frame.Cfa:x}:\n");
        sb.Append($" rip = 0x{frame.Pc:x} in {function}");
        if (p is not null)
        {
            sb.Append($" ({DisplayFile(p.File)}:{p.Line})");
        }

        if (level + 1 < frames.Count)
        {
            sb.Append($"; saved rip = 0x{frames[level + 1].Pc:x}");
        }

        sb.Append('\n');
        if (level + 1 < frames.Count)
        {
            sb.Append($" called by frame at 0x{frames[level + 1].Cfa:x}\n");
        }

        if (level > 0)
        {
            sb.Append($" caller of frame at 0x{frames[level - 1].Cfa:x}\n");
        }

        sb.Append(" source language c.\n");
        FrameFunctionText(frame, out JsonArray args);
        string argText = string.Join(", ", args.Select(a => $"{a!["name"]}={a["value"]}"));
        ulong rbp = new FrameContext(_session.Target, frame).ReadRegister(6) ?? 0;
        sb.Append($" Arglist at 0x{rbp:x}, args: {argText}\n");
        sb.Append($" Locals at 0x{rbp:x}, Previous frame's sp is 0x{frame.Cfa:x}\n");
        sb.Append(" Saved registers:\n");
        sb.Append($"  rbp at 0x{frame.Cfa - 16:x}, rip at 0x{frame.Cfa - 8:x}\n");
        _out.Write(sb.ToString());
        _out.SetBody("frame", new JsonObject { ["level"] = level, ["pc"] = $"0x{frame.Pc:x}", ["cfa"] = $"0x{frame.Cfa:x}", ["function"] = function });
    }

    private static readonly (string Name, int Dwarf)[] s_registerOrder =
    [
        ("rax", 0), ("rbx", 3), ("rcx", 2), ("rdx", 1), ("rsi", 4), ("rdi", 5), ("rbp", 6), ("rsp", 7),
        ("r8", 8), ("r9", 9), ("r10", 10), ("r11", 11), ("r12", 12), ("r13", 13), ("r14", 14), ("r15", 15),
        ("rip", 16), ("eflags", 49),
    ];

    private void InfoRegisters(string which)
    {
        RequireStack();
        FrameContext context = Context();
        var wanted = which.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.TrimStart('$')).ToList();
        var sb = new StringBuilder();
        var json = new JsonObject();
        foreach ((string name, int dwarf) in s_registerOrder)
        {
            if (wanted.Count > 0 && !wanted.Contains(name) && !(name == "rip" && wanted.Contains("pc")) && !(name == "rsp" && wanted.Contains("sp")))
            {
                continue;
            }

            if (context.ReadRegister(dwarf) is not ulong value)
            {
                if (wanted.Count > 0)
                {
                    sb.Append(name.PadRight(15)).Append("<not saved>\n");
                }

                continue;
            }

            string natural = name switch
            {
                "rip" => $"0x{value:x}" + (_symbols.Describe(value) is string s ? $" <{s}>" : ""),
                "rbp" or "rsp" => $"0x{value:x}",
                "eflags" => Flags(value),
                _ => ((long)value).ToString(CultureInfo.InvariantCulture),
            };
            sb.Append(name.PadRight(15)).Append(("0x" + value.ToString("x", CultureInfo.InvariantCulture)).PadRight(19)).Append(natural).Append('\n');
            json[name] = $"0x{value:x}";
        }

        foreach (string w in wanted)
        {
            if (!s_registerOrder.Any(r => r.Name == w) && w is not ("pc" or "sp"))
            {
                throw new DbgException($"Invalid register `{w}'");
            }
        }

        _out.Write(sb.ToString());
        _out.SetBody("registers", json);
    }

    private static string Flags(ulong value)
    {
        (int Bit, string Name)[] flags = [(0, "CF"), (2, "PF"), (4, "AF"), (6, "ZF"), (7, "SF"), (8, "TF"), (9, "IF"), (10, "DF"), (11, "OF")];
        var set = flags.Where(f => (value & (1UL << f.Bit)) != 0).Select(f => f.Name).Reverse();
        string names = string.Join(" ", set);
        return names.Length == 0 ? "[ ]" : "[ " + names + " ]";
    }

    // ----- source ---------------------------------------------------------------------------------------------

    private void List(string argument)
    {
        string arg = argument.Trim();
        int first;
        int last;
        string? file;
        if (arg.Length == 0)
        {
            file = _listFile ?? CurrentFile();
            if (file is null)
            {
                throw new DbgException("No symbol table is loaded.  Use the \"file\" command.");
            }

            if (_listFile is null)
            {
                // First list without a stop: around main, like gdb.
                int center = _symbols.Functions.TryGetValue("main", out FunctionSymbol? main) ? _session.Target.Debug.FindLine(main.Address)?.Line ?? 1 : 1;
                _listLine = Math.Max(1, center - 4);
            }

            first = _listLine;
            last = first + 9;
        }
        else if (arg.Contains(','))
        {
            string[] parts = arg.Split(',', 2);
            (file, first) = ResolveLine(parts[0].Trim());
            last = parts[1].Trim().Length > 0 ? ResolveLine(parts[1].Trim()).Line : first + 9;
        }
        else
        {
            (file, int center) = ResolveLine(arg);
            bool isFunction = !int.TryParse(arg.Split(':')[^1], out _);
            first = Math.Max(1, center - (isFunction ? 4 : 5));
            last = first + 9;
        }

        string[]? lines = file is null ? null : ReadSource(file);
        if (lines is null)
        {
            throw new DbgException($"{first}\tin {file}");
        }

        if (first > lines.Length)
        {
            throw new DbgException($"Line number {first} out of range; {DisplayFile(file!)} has {lines.Length} lines.");
        }

        var sb = new StringBuilder();
        for (int l = first; l <= Math.Min(last, lines.Length); l++)
        {
            sb.Append(l).Append('\t').Append(lines[l - 1]).Append('\n');
        }

        _listFile = file;
        _listLine = Math.Min(last, lines.Length) + 1;
        _out.Write(sb.ToString());
    }

    private (string? File, int Line) ResolveLine(string spec)
    {
        string? file = null;
        string what = spec;
        int colon = spec.LastIndexOf(':');
        if (colon > 0)
        {
            file = FindSourceFile(spec[..colon]);
            what = spec[(colon + 1)..];
        }

        if (int.TryParse(what, NumberStyles.None, CultureInfo.InvariantCulture, out int line))
        {
            return (file ?? _listFile ?? CurrentFile(), line);
        }

        if (_symbols.Functions.TryGetValue(what, out FunctionSymbol? f) && _session.Target.Debug.FindLine(f.Address) is SourcePosition p)
        {
            return (p.File, p.Line);
        }

        throw new DbgException($"Function \"{what}\" not defined.");
    }

    private string? FindSourceFile(string name)
    {
        foreach (FunctionSymbol f in _symbols.Functions.Values)
        {
            if (_session.Target.Debug.FindLine(f.Address) is SourcePosition p && (p.File == name || p.File.EndsWith("/" + name, StringComparison.Ordinal)))
            {
                return p.File;
            }
        }

        return name;
    }

    // ----- help -----------------------------------------------------------------------------------------------

    private void Help(string argument)
    {
        if (argument.Trim().Length > 0)
        {
            Command? c = FindCommand(argument.Trim().Split(' ')[0], out string? error);
            if (c is null)
            {
                throw new DbgException(error!.Replace("Undefined command", "Undefined command", StringComparison.Ordinal));
            }

            string aliases = c.Aliases.Length > 0 ? $" (aliases: {string.Join(", ", c.Aliases)})" : "";
            _out.WriteLine(c.Help + aliases);
            return;
        }

        var sb = new StringBuilder("List of commands:\n\n");
        foreach (Command c in _commands)
        {
            string first = c.Help.Split('\n')[0];
            string names = c.Aliases.Length > 0 ? $"{c.Name}, {string.Join(", ", c.Aliases)}" : c.Name;
            sb.Append(names).Append(" -- ").Append(first).Append('\n');
        }

        sb.Append("\nType \"help\" followed by command name for full documentation.\n");
        _out.Write(sb.ToString());
    }

    private static string Unescape(string text)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                sb.Append(text[i] switch { 'n' => '\n', 't' => '\t', '\\' => '\\', '"' => '"', _ => text[i] });
            }
            else
            {
                sb.Append(text[i]);
            }
        }

        return sb.ToString();
    }
}

/// <summary>A command error with gdb's message; the session goes on.</summary>
internal sealed class DbgException : Exception
{
    public DbgException(string message)
        : base(message)
    {
    }
}
