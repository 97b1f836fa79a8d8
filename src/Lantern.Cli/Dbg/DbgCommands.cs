using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Lantern.C.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.Cli.Dbg;

/// <summary>A breakpoint or watchpoint of the command layer.</summary>
internal sealed class DbgBreakpoint
{
    public int Number { get; init; }

    public bool IsWatchpoint { get; init; }

    public bool Temporary { get; init; }

    public bool Enabled { get; set; } = true;

    public ulong Address { get; init; }

    public string? Function { get; init; }

    public string? File { get; init; }

    public int Line { get; init; }

    public string? Condition { get; set; }

    public int IgnoreCount { get; set; }

    public int HitCount { get; set; }

    /// <summary>Watchpoint: the expression text, its last value (formatted) and bytes, and the frame (CFA) whose locals it uses.</summary>
    public string? Expression { get; init; }

    public string? OldText { get; set; }

    public byte[]? OldBytes { get; set; }

    public ulong? ScopeCfa { get; init; }
}

/// <summary>
/// The commands of <c>lantern dbg</c> with gdb's names, abbreviations and wording. Each command runs to completion
/// (run commands block until the next stop) and writes through a <see cref="DbgOutput"/>. Errors are reported as
/// gdb reports them and the session goes on.
/// </summary>
internal sealed partial class DbgCommands
{
    private readonly IDbgSession _session;
    private readonly DbgOutput _out;
    private readonly ProgramSymbols _symbols;
    private readonly ExpressionEvaluator _evaluator;
    private readonly string _programName;
    private readonly List<string> _programArgs;
    private readonly List<DbgBreakpoint> _breakpoints = new();
    private readonly List<(int Number, string Expression, char Format, bool Enabled)> _displays = new();
    private readonly Dictionary<string, string[]?> _sources = new(StringComparer.Ordinal);
    private readonly List<Command> _commands;
    private int _nextBreakpoint = 1;
    private int _nextDisplay = 1;
    private int _frameLevel;
    private IReadOnlyList<FrameState>? _frames;
    private string? _listFile;
    private int _listLine;
    private int _lastListed;

    public DbgCommands(IDbgSession session, DbgOutput output, string programName, IReadOnlyList<string> programArgs)
    {
        _session = session;
        _out = output;
        _programName = programName;
        _programArgs = programArgs.ToList();
        _symbols = new ProgramSymbols(session.Target.Debug);
        _evaluator = new ExpressionEvaluator(_symbols);
        _commands = BuildCommands();
    }

    /// <summary>Set by <c>quit</c>.</summary>
    public bool QuitRequested { get; private set; }

    public IDbgSession Session => _session;

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

    private IReadOnlyList<FrameState> Frames()
    {
        if (!_session.IsAlive)
        {
            return [];
        }

        return _frames ??= _session.Frames();
    }

    private FrameState? SelectedFrame
    {
        get
        {
            IReadOnlyList<FrameState> frames = Frames();
            return _frameLevel < frames.Count ? frames[_frameLevel] : null;
        }
    }

    private FrameContext Context(int? level = null)
    {
        int l = level ?? _frameLevel;
        IReadOnlyList<FrameState> frames = Frames();
        return new FrameContext(_session.Target, l < frames.Count ? frames[l] : null, l);
    }

    private FrameContext StaticContext() => new(_session.Target, null, 0);

    private void RequireProcess()
    {
        if (!_session.IsAlive)
        {
            throw new DbgException("The program is not being run.");
        }
    }

    private void RequireStack()
    {
        if (!_session.IsAlive)
        {
            throw new DbgException("No stack.");
        }
    }

    /// <summary>The position of a frame's pc; caller frames use pc - 1 (the call), as gdb does.</summary>
    private SourcePosition? PositionOf(FrameState frame, int level) => _session.Target.Debug.FindLine(level == 0 ? frame.Pc : frame.Pc - 1);

    private string? FunctionOf(ulong pc) => _session.Target.Debug.Lookup(pc)?.Function;

    /// <summary><c>f (n=3, s=0x... "hi")</c> — gdb's frame description with scalar arguments.</summary>
    private string FrameFunctionText(FrameState frame, int level, out JsonArray args)
    {
        args = new JsonArray();
        ulong pc = level == 0 ? frame.Pc : frame.Pc - 1;
        string name = FunctionOf(pc) ?? "??";
        var context = new FrameContext(_session.Target, frame, level);
        var parts = new List<string>();
        var formatter = new ValueFormatter(_symbols, context);
        foreach (ScopedVariable v in _session.Target.Debug.VariablesAt(pc).Where(v => v.IsParameter).Reverse())
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
            args.Add(new JsonObject { ["name"] = v.Name, ["value"] = text });
        }

        return $"{name} ({string.Join(", ", parts)})";
    }

    private static string Hex16(ulong pc) => "0x" + pc.ToString("x16", CultureInfo.InvariantCulture);

    private static string DisplayFile(string path) => Path.GetFileName(path);

    /// <summary>One frame as <c>backtrace</c> prints it: <c>#1  0x... in main () at prog.c:10</c>.</summary>
    private string FrameLine(FrameState frame, int level, bool withLevel, out JsonObject json)
    {
        SourcePosition? position = PositionOf(frame, level);
        string function = FrameFunctionText(frame, level, out JsonArray args);
        bool atLineStart = level == 0 && position is not null && position.RowAddress == frame.Pc;
        var sb = new StringBuilder();
        if (withLevel)
        {
            sb.Append('#').Append(level.ToString(CultureInfo.InvariantCulture).PadRight(2)).Append(' ');
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

        json = new JsonObject
        {
            ["level"] = level,
            ["pc"] = "0x" + frame.Pc.ToString("x", CultureInfo.InvariantCulture),
            ["function"] = FunctionOf(level == 0 ? frame.Pc : frame.Pc - 1),
            ["file"] = position?.File,
            ["line"] = position?.Line,
            ["args"] = args,
        };
        return sb.ToString();
    }

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
    private void PrintLocation(bool withFrame, JsonObject body)
    {
        FrameState? frame = SelectedFrame;
        if (frame is null)
        {
            return;
        }

        SourcePosition? position = PositionOf(frame, _frameLevel);
        var sb = new StringBuilder();
        string frameText = FrameLine(frame, _frameLevel, withLevel: false, out JsonObject frameJson);
        body["frame"] = frameJson;
        if (withFrame || position is null)
        {
            sb.Append(frameText).Append('\n');
        }

        if (position is not null)
        {
            bool midLine = _frameLevel == 0 && position.RowAddress != frame.Pc && !withFrame;
            if (midLine)
            {
                sb.Append(Hex16(frame.Pc)).Append('\t');
            }

            sb.Append(SourceLineText(position.File, position.Line)).Append('\n');
            _listFile = position.File;
            _listLine = Math.Max(1, position.Line - 5);
            _lastListed = position.Line;
        }

        _out.Event("stopped", body, sb.ToString());
    }

    // ----- locations and breakpoints ------------------------------------------------------------------------

    /// <summary>Resolves a gdb location: FUNCTION, FILE:LINE, LINE, *ADDRESS, FILE:FUNCTION; empty = the selected frame's pc.</summary>
    private ulong ResolveLocation(string location)
    {
        location = location.Trim();
        if (location.Length == 0)
        {
            FrameState frame = SelectedFrame ?? throw new DbgException("No default breakpoint address now.");
            return frame.Pc;
        }

        if (location[0] == '*')
        {
            DbgValue value = _evaluator.Evaluate(location[1..], Context());
            DbgTypeKind kind = value.Type.Strip().Kind;
            return kind == DbgTypeKind.Function ? value.Address ?? 0 : (ulong)value.AsLong();
        }

        string? file = null;
        string spec = location;
        int colon = location.LastIndexOf(':');
        if (colon > 0)
        {
            file = location[..colon];
            spec = location[(colon + 1)..];
        }

        if (int.TryParse(spec, NumberStyles.None, CultureInfo.InvariantCulture, out int line))
        {
            if (file is null)
            {
                file = CurrentFile();
            }

            // gdb moves a breakpoint on a line without code to the next line that has some.
            for (int l = line; l < line + 50; l++)
            {
                if (_session.LineBreakAddress(file, l) is ulong address)
                {
                    return address;
                }
            }

            throw new DbgException(file is null ? $"No line {line} in the current file." : $"No line {line} in file \"{file}\".");
        }

        if (_session.FunctionBreakAddress(spec) is ulong entry)
        {
            return entry;
        }

        throw new DbgException($"Function \"{spec}\" not defined.");
    }

    private string? CurrentFile()
    {
        if (SelectedFrame is FrameState frame && PositionOf(frame, _frameLevel) is SourcePosition p)
        {
            return p.File;
        }

        if (_listFile is not null)
        {
            return _listFile;
        }

        return _symbols.Functions.TryGetValue("main", out FunctionSymbol? main) ? _session.Target.Debug.FindLine(main.Address)?.File : null;
    }

    private void Break(string argument, bool temporary)
    {
        string location = argument;
        string? condition = null;
        int ifAt = FindIf(argument);
        if (ifAt >= 0)
        {
            location = argument[..ifAt];
            condition = argument[(ifAt + 2)..].Trim();
        }

        ulong address = ResolveLocation(location);
        if (condition is not null)
        {
            _evaluator.Parse(condition);
        }

        SourcePosition? position = _session.Target.Debug.FindLine(address);
        var bp = new DbgBreakpoint
        {
            Number = _nextBreakpoint++,
            Temporary = temporary,
            Address = address,
            Function = FunctionOf(address),
            File = position?.File,
            Line = position?.Line ?? 0,
            Condition = condition,
        };
        _breakpoints.Add(bp);
        _session.SetBreakpoint(address, true);
        string what = position is null ? "" : $": file {DisplayFile(position.File)}, line {position.Line}.";
        _out.WriteLine($"{(temporary ? "Temporary breakpoint" : "Breakpoint")} {bp.Number} at 0x{address:x}{what}");
        _out.SetBody("breakpoint", BreakpointJson(bp));
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

    private JsonObject BreakpointJson(DbgBreakpoint bp) => new()
    {
        ["number"] = bp.Number,
        ["type"] = bp.IsWatchpoint ? "watchpoint" : "breakpoint",
        ["temporary"] = bp.Temporary,
        ["enabled"] = bp.Enabled,
        ["address"] = bp.IsWatchpoint ? null : "0x" + bp.Address.ToString("x", CultureInfo.InvariantCulture),
        ["function"] = bp.Function,
        ["file"] = bp.File,
        ["line"] = bp.Line == 0 ? null : bp.Line,
        ["expression"] = bp.Expression,
        ["condition"] = bp.Condition,
        ["ignoreCount"] = bp.IgnoreCount,
        ["hitCount"] = bp.HitCount,
    };

    private DbgBreakpoint FindBreakpoint(string text)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            throw new DbgException($"Bad breakpoint argument: '{text.Trim()}'");
        }

        return _breakpoints.FirstOrDefault(b => b.Number == n) ?? throw new DbgException($"No breakpoint number {n}.");
    }

    private void Condition(string argument)
    {
        string[] parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new DbgException("Argument required (breakpoint number).");
        }

        DbgBreakpoint bp = FindBreakpoint(parts[0]);
        if (parts.Length == 1)
        {
            bp.Condition = null;
            _out.WriteLine($"Breakpoint {bp.Number} now unconditional.");
            return;
        }

        _evaluator.Parse(parts[1]);
        bp.Condition = parts[1].Trim();
    }

    private void Ignore(string argument)
    {
        string[] parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            throw new DbgException("Argument required (a breakpoint number).");
        }

        DbgBreakpoint bp = FindBreakpoint(parts[0]);
        long count = _evaluator.Evaluate(parts[1], StaticContext()).AsLong();
        bp.IgnoreCount = (int)Math.Max(0, count);
        _out.WriteLine(bp.IgnoreCount switch
        {
            0 => $"Will stop next time breakpoint {bp.Number} is reached.",
            1 => $"Will ignore next crossing of breakpoint {bp.Number}.",
            _ => $"Will ignore next {bp.IgnoreCount} crossings of breakpoint {bp.Number}.",
        });
    }

    private IEnumerable<DbgBreakpoint> SelectBreakpoints(string argument)
    {
        if (argument.Trim().Length == 0)
        {
            return _breakpoints.ToList();
        }

        var result = new List<DbgBreakpoint>();
        foreach (string part in argument.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int dash = part.IndexOf('-');
            if (dash > 0 && int.TryParse(part[..dash], out int from) && int.TryParse(part[(dash + 1)..], out int to))
            {
                result.AddRange(_breakpoints.Where(b => b.Number >= from && b.Number <= to));
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

        foreach (DbgBreakpoint bp in SelectBreakpoints(argument))
        {
            RemoveBreakpoint(bp);
        }
    }

    private void RemoveBreakpoint(DbgBreakpoint bp)
    {
        _breakpoints.Remove(bp);
        SyncAddress(bp.Address, bp.IsWatchpoint);
    }

    /// <summary>Arms the address if any enabled breakpoint uses it, else disarms it.</summary>
    private void SyncAddress(ulong address, bool isWatchpoint)
    {
        if (isWatchpoint)
        {
            return;
        }

        bool armed = _breakpoints.Any(b => !b.IsWatchpoint && b.Enabled && b.Address == address);
        _session.SetBreakpoint(address, armed);
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

        string rest = argument;
        bool once = false;
        if (enabled && rest.StartsWith("once", StringComparison.Ordinal))
        {
            once = true;
            rest = rest[4..];
        }

        foreach (DbgBreakpoint bp in SelectBreakpoints(rest))
        {
            bp.Enabled = enabled;
            _ = once;
            SyncAddress(bp.Address, bp.IsWatchpoint);
        }
    }

    // ----- running ------------------------------------------------------------------------------------------

    private void RunCommand(string argument)
    {
        if (argument.Trim().Length > 0)
        {
            _programArgs.Clear();
            _programArgs.AddRange(SplitArgs(argument));
        }

        if (_session.IsAlive)
        {
            _session.Kill();
        }

        _out.WriteLine($"Starting program: {Path.GetFullPath(_programName)}{(_programArgs.Count > 0 ? " " + string.Join(" ", _programArgs) : "")}");
        Resume(() => _session.Run(_programName, _programArgs));
    }

    private void Start(string argument)
    {
        ulong address = ResolveLocation("main");
        var bp = new DbgBreakpoint
        {
            Number = _nextBreakpoint++,
            Temporary = true,
            Address = address,
            Function = "main",
            File = _session.Target.Debug.FindLine(address)?.File,
            Line = _session.Target.Debug.FindLine(address)?.Line ?? 0,
        };
        _breakpoints.Add(bp);
        _session.SetBreakpoint(address, true);
        _out.WriteLine($"Temporary breakpoint {bp.Number} at 0x{address:x}: file {DisplayFile(bp.File ?? "??")}, line {bp.Line}.");
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
        if (argument.Trim().Length > 0 && SelectedFrame is FrameState f)
        {
            long n = _evaluator.Evaluate(argument, StaticContext()).AsLong();
            DbgBreakpoint? at = _breakpoints.FirstOrDefault(b => !b.IsWatchpoint && b.Address == Frames()[0].Pc);
            if (at is not null && n > 1)
            {
                at.IgnoreCount = (int)(n - 1);
                _out.WriteLine($"Will ignore next {n - 1} crossings of breakpoint {at.Number}.  Continuing.");
                Resume(_session.Continue);
                return;
            }
        }

        _out.WriteLine("Continuing.");
        Resume(_session.Continue);
    }

    private void Kill()
    {
        RequireProcess();
        _session.Kill();
        Invalidate();
        _out.Event("exited", new JsonObject { ["reason"] = "killed" }, $"[Inferior 1 (process {Environment.ProcessId}) killed]\n");
    }

    private void Invalidate()
    {
        _frames = null;
        _frameLevel = 0;
    }

    private void StepCommand(DbgStepKind kind, string argument)
    {
        RequireProcess();
        long count = argument.Trim().Length > 0 ? _evaluator.Evaluate(argument, StaticContext()).AsLong() : 1;
        for (long i = 0; i < count; i++)
        {
            ulong? startFunction = _symbols.FunctionAt(Frames()[0].Pc)?.Address;
            ulong startCfa = Frames()[0].Cfa;
            bool last = i == count - 1;
            DbgStop stop = Resume(() => _session.Step(kind, 0), quietStep: !last, stepStart: (startFunction, startCfa));
            if (stop.Reason != DbgStopReason.Step || !_session.IsAlive)
            {
                return;
            }
        }
    }

    private void Finish()
    {
        RequireProcess();
        IReadOnlyList<FrameState> frames = Frames();
        if (_frameLevel + 1 >= frames.Count)
        {
            throw new DbgException("\"finish\" not meaningful in the outermost frame.");
        }

        string from = FrameLine(frames[_frameLevel], _frameLevel, withLevel: true, out _);
        ulong function = _symbols.FunctionAt(_frameLevel == 0 ? frames[_frameLevel].Pc : frames[_frameLevel].Pc - 1)?.Address ?? 0;
        _out.WriteLine("Run till exit from " + from);
        int level = _frameLevel;
        DbgStop stop = Resume(() => _session.Step(DbgStepKind.Finish, level), finishFunction: function);
        _ = stop;
    }

    private void Until(string argument)
    {
        RequireProcess();
        if (argument.Trim().Length == 0)
        {
            ulong? startFunction = _symbols.FunctionAt(Frames()[0].Pc)?.Address;
            Resume(() => _session.Step(DbgStepKind.Until, 0), stepStart: (startFunction, Frames()[0].Cfa));
            return;
        }

        ulong address = ResolveLocation(argument);
        ulong? function = _symbols.FunctionAt(Frames()[0].Pc)?.Address;
        Resume(() => _session.RunTo(address, _frameLevel), stepStart: (function, Frames()[0].Cfa));
    }

    private void Advance(string argument)
    {
        RequireProcess();
        if (argument.Trim().Length == 0)
        {
            throw new DbgException("Argument required (a location).");
        }

        ulong address = ResolveLocation(argument);
        ulong? function = _symbols.FunctionAt(Frames()[0].Pc)?.Address;
        Resume(() => _session.RunTo(address, int.MaxValue), stepStart: (function, Frames()[0].Cfa));
    }

    /// <summary>
    /// Resumes with <paramref name="resume"/> and handles what comes back: breakpoint conditions and ignore counts
    /// (not satisfied: continue), software watchpoints (resume statement by statement, compare values), and the
    /// report of the stop (gdb's text, a JSON event).
    /// </summary>
    private DbgStop Resume(Func<DbgStop> resume, bool quietStep = false, (ulong? Function, ulong Cfa)? stepStart = null, ulong? finishFunction = null)
    {
        bool watching = _breakpoints.Any(b => b.IsWatchpoint && b.Enabled);
        Terminal.FlushOut();
        DbgStop stop;
        DbgBreakpoint? hit = null;
        DbgBreakpoint? watchHit = null;
        bool firstResume = true;
        while (true)
        {
            if (watching && firstResume && resume == (Func<DbgStop>)_session.Continue)
            {
                stop = _session.Step(DbgStepKind.Step, 0);
                if (stop.Reason == DbgStopReason.Step)
                {
                    Invalidate();
                    watchHit = CheckWatchpoints();
                    if (watchHit is null)
                    {
                        // Keep stepping: a software watchpoint checks the value after every statement.
                        if (!_session.IsAlive)
                        {
                            break;
                        }

                        continue;
                    }

                    break;
                }
            }
            else
            {
                stop = firstResume ? resume() : _session.Continue();
            }

            firstResume = watching ? firstResume : false;
            Invalidate();
            if (stop.Reason == DbgStopReason.Breakpoint)
            {
                hit = ShouldStopAt(stop.Pc);
                if (hit is null)
                {
                    firstResume = false;
                    if (watching)
                    {
                        firstResume = true;
                        resume = _session.Continue;
                    }

                    continue;
                }
            }

            if (watching && stop.Reason is DbgStopReason.Step or DbgStopReason.Breakpoint && hit is null)
            {
                watchHit = CheckWatchpoints();
            }

            break;
        }

        FlushProgramOutput();
        ReportStop(stop, hit, watchHit, quietStep, stepStart, finishFunction);
        return stop;
    }

    /// <summary>The breakpoint at <paramref name="pc"/> that stops the program (condition true, no ignore count left), or null.</summary>
    private DbgBreakpoint? ShouldStopAt(ulong pc)
    {
        DbgBreakpoint? result = null;
        foreach (DbgBreakpoint bp in _breakpoints.Where(b => !b.IsWatchpoint && b.Enabled && b.Address == pc).ToList())
        {
            if (bp.Condition is string condition)
            {
                try
                {
                    if (!_evaluator.IsTrue(_evaluator.Evaluate(condition, Context(0))))
                    {
                        continue;
                    }
                }
                catch (DebugEvalException e)
                {
                    _out.Error($"Error in testing condition for breakpoint {bp.Number}:\n{e.Message}");
                }
            }

            if (bp.IgnoreCount > 0)
            {
                bp.IgnoreCount--;
                bp.HitCount++;
                continue;
            }

            bp.HitCount++;
            result ??= bp;
        }

        return result;
    }

    private DbgBreakpoint? CheckWatchpoints()
    {
        foreach (DbgBreakpoint wp in _breakpoints.Where(b => b.IsWatchpoint && b.Enabled).ToList())
        {
            if (wp.ScopeCfa is ulong cfa && !Frames().Any(f => f.Cfa == cfa))
            {
                _breakpoints.Remove(wp);
                _out.WriteLine($"\nWatchpoint {wp.Number} deleted because the program has left the block in\nwhich its expression is valid.");
                return wp;
            }

            try
            {
                int level = 0;
                if (wp.ScopeCfa is ulong scope)
                {
                    level = Frames().ToList().FindIndex(f => f.Cfa == scope);
                }

                FrameContext context = Context(Math.Max(level, 0));
                DbgValue value = _evaluator.Evaluate(wp.Expression!, context);
                byte[] bytes = value.Bytes;
                if (wp.OldBytes is null || !bytes.AsSpan().SequenceEqual(wp.OldBytes))
                {
                    string text = new ValueFormatter(_symbols, context).Format(value);
                    string old = wp.OldText ?? "<unreadable>";
                    wp.OldBytes = (byte[])bytes.Clone();
                    wp.OldText = text;
                    wp.HitCount++;
                    _pendingWatchText = $"\nWatchpoint {wp.Number}: {wp.Expression}\n\nOld value = {old}\nNew value = {text}\n";
                    return wp;
                }
            }
            catch (DebugEvalException)
            {
            }
        }

        return null;
    }

    private string? _pendingWatchText;

    private void ReportStop(DbgStop stop, DbgBreakpoint? hit, DbgBreakpoint? watchHit, bool quietStep, (ulong? Function, ulong Cfa)? stepStart, ulong? finishFunction)
    {
        var body = new JsonObject { ["reason"] = stop.Reason.ToString().ToLowerInvariant() };
        switch (stop.Reason)
        {
            case DbgStopReason.Exited:
                {
                    Invalidate();
                    body["exitCode"] = stop.ExitStatus;
                    string text = stop.ExitStatus == 0
                        ? $"[Inferior 1 (process {Environment.ProcessId}) exited normally]\n"
                        : $"[Inferior 1 (process {Environment.ProcessId}) exited with code {System.Convert.ToString(stop.ExitStatus & 0xff, 8).PadLeft(2, '0')}]\n";
                    foreach (DbgBreakpoint wp in _breakpoints.Where(b => b.IsWatchpoint && b.ScopeCfa is not null).ToList())
                    {
                        _breakpoints.Remove(wp);
                    }

                    _out.Event("exited", body, text);
                    return;
                }

            case DbgStopReason.Signal:
            case DbgStopReason.Interrupted:
                {
                    (string name, string description) = SignalName(stop.Reason == DbgStopReason.Interrupted ? 2 : stop.Signal);
                    body["signal"] = name;
                    body["signalDescription"] = description;
                    _out.Write($"\nProgram received signal {name}, {description}.\n");
                    PrintLocation(withFrame: true, body);
                    break;
                }

            case DbgStopReason.Breakpoint when hit is not null:
                {
                    body["breakpoint"] = hit.Number;
                    _out.Write($"\n{(hit.Temporary ? "Temporary breakpoint" : "Breakpoint")} {hit.Number}, ");
                    PrintLocation(withFrame: true, body);
                    if (hit.Temporary)
                    {
                        RemoveBreakpoint(hit);
                    }

                    break;
                }

            case DbgStopReason.Finished:
                {
                    body["reason"] = "finished";
                    PrintLocation(withFrame: true, body);
                    if (finishFunction is ulong entry && _symbols.FunctionAt(entry) is FunctionSymbol f)
                    {
                        DbgType returnType = f.Type.Target ?? DbgTypes.Void;
                        DbgType rs = returnType.Strip();
                        if (rs.Kind != DbgTypeKind.Void && rs.Kind is not (DbgTypeKind.Struct or DbgTypeKind.Union))
                        {
                            DbgValue value = rs.Kind == DbgTypeKind.Float
                                ? DbgValue.FromBytes(returnType, BitConverter.GetBytes(stop.ReturnXmm0)[..(int)rs.Size])
                                : DbgValue.FromLong(returnType, (long)stop.ReturnRax);
                            int n = _evaluator.History.Add(value);
                            string text = new ValueFormatter(_symbols, Context()).Format(value);
                            _out.WriteLine($"Value returned is ${n} = {text}");
                            _out.SetBody("returnValue", new JsonObject { ["history"] = n, ["value"] = text, ["type"] = returnType.Name });
                        }
                    }

                    break;
                }

            default:
                {
                    if (watchHit is not null && _pendingWatchText is not null)
                    {
                        body["reason"] = "watchpoint";
                        body["watchpoint"] = watchHit.Number;
                        _out.Write(_pendingWatchText);
                        _pendingWatchText = null;
                        PrintLocation(withFrame: true, body);
                        break;
                    }

                    if (quietStep)
                    {
                        return;
                    }

                    FrameState? frame = SelectedFrame;
                    bool newFrame = stepStart is null || frame is null
                        || _symbols.FunctionAt(frame.Pc)?.Address != stepStart.Value.Function
                        || frame.Cfa != stepStart.Value.Cfa;
                    PrintLocation(withFrame: newFrame, body);
                    break;
                }
        }

        DoDisplays();
    }

    private static (string Name, string Description) SignalName(int signal) => signal switch
    {
        2 => ("SIGINT", "Interrupt"),
        4 => ("SIGILL", "Illegal instruction"),
        5 => ("SIGTRAP", "Trace/breakpoint trap"),
        6 => ("SIGABRT", "Aborted"),
        7 => ("SIGBUS", "Bus error"),
        8 => ("SIGFPE", "Arithmetic exception"),
        11 => ("SIGSEGV", "Segmentation fault"),
        13 => ("SIGPIPE", "Broken pipe"),
        15 => ("SIGTERM", "Terminated"),
        _ => ($"SIG{signal}", $"Unknown signal {signal}"),
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
        IReadOnlyList<FrameState> frames = Frames();
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
            sb.Append(FrameLine(frames[i], i, withLevel: true, out JsonObject json)).Append('\n');
            list.Add(json);
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
        FrameState frame = SelectedFrame!;
        string text = FrameLine(frame, _frameLevel, withLevel: true, out JsonObject json);
        var sb = new StringBuilder(text).Append('\n');
        if (PositionOf(frame, _frameLevel) is SourcePosition p)
        {
            sb.Append(SourceLineText(p.File, p.Line)).Append('\n');
            _listFile = p.File;
            _listLine = Math.Max(1, p.Line - 5);
            _lastListed = p.Line;
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

            _frameLevel = level;
        }

        PrintSelectedFrame();
    }

    private void Up(string argument, int direction)
    {
        RequireStack();
        int count = argument.Trim().Length > 0 ? (int)_evaluator.Evaluate(argument, StaticContext()).AsLong() : 1;
        int target = _frameLevel + (direction * count);
        if (target < 0)
        {
            throw new DbgException("Bottom (innermost) frame selected; you cannot go down.");
        }

        if (target >= Frames().Count)
        {
            if (_frameLevel == Frames().Count - 1)
            {
                throw new DbgException("Initial frame selected; you cannot go up.");
            }

            target = Frames().Count - 1;
        }

        _frameLevel = target;
        PrintSelectedFrame();
    }

    // ----- data -----------------------------------------------------------------------------------------------

    private static (char Format, int Count, char Size, string Rest) ParseFormat(string argument)
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
            _programArgs.Clear();
            _programArgs.AddRange(SplitArgs(text[4..]));
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
        if (_session.IsAlive)
        {
            ShowDisplay(_displays[^1]);
        }
    }

    private void DoDisplays()
    {
        if (!_session.IsAlive)
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

        // Does the expression need the selected frame (locals)? Then the watchpoint lives as long as that frame.
        ulong? scope = null;
        DbgValue value;
        FrameContext context = Context();
        try
        {
            value = _evaluator.Evaluate(expression, StaticContext());
        }
        catch (DebugEvalException)
        {
            value = _evaluator.Evaluate(expression, context);
            scope = SelectedFrame?.Cfa;
        }

        var wp = new DbgBreakpoint
        {
            Number = _nextBreakpoint++,
            IsWatchpoint = true,
            Expression = expression,
            ScopeCfa = scope,
        };
        try
        {
            wp.OldBytes = (byte[])value.Bytes.Clone();
            wp.OldText = new ValueFormatter(_symbols, context).Format(value);
        }
        catch (DebugEvalException)
        {
        }

        _breakpoints.Add(wp);
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
                Span<byte> one = stackalloc byte[1];
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
                    ulong address = ResolveLocation(rest);
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
        var list = _breakpoints.Where(b => !watchOnly || b.IsWatchpoint).ToList();
        if (list.Count == 0)
        {
            _out.WriteLine(watchOnly ? "No watchpoints." : "No breakpoints or watchpoints.");
            _out.SetBody("breakpoints", new JsonArray());
            return;
        }

        var sb = new StringBuilder("Num     Type           Disp Enb Address            What\n");
        var json = new JsonArray();
        foreach (DbgBreakpoint bp in list)
        {
            string type = bp.IsWatchpoint ? "watchpoint" : "breakpoint";
            string disp = bp.Temporary ? "del" : "keep";
            sb.Append(bp.Number.ToString(CultureInfo.InvariantCulture).PadRight(8))
              .Append(type.PadRight(15))
              .Append(disp.PadRight(5))
              .Append(bp.Enabled ? "y   " : "n   ");
            if (bp.IsWatchpoint)
            {
                sb.Append(new string(' ', 19)).Append(bp.Expression);
            }
            else
            {
                sb.Append(Hex16(bp.Address)).Append(' ');
                if (bp.Function is not null)
                {
                    sb.Append("in ").Append(bp.Function);
                }

                if (bp.File is not null)
                {
                    sb.Append(" at ").Append(DisplayFile(bp.File)).Append(':').Append(bp.Line);
                }
            }

            sb.Append('\n');
            if (bp.Condition is not null)
            {
                sb.Append("\tstop only if ").Append(bp.Condition).Append('\n');
            }

            if (bp.HitCount > 0)
            {
                sb.Append($"\tbreakpoint already hit {bp.HitCount} time{(bp.HitCount == 1 ? "" : "s")}\n");
            }

            if (bp.IgnoreCount > 0)
            {
                sb.Append($"\tWill ignore next {bp.IgnoreCount} crossings of breakpoint.\n");
            }

            json.Add(BreakpointJson(bp));
        }

        _out.Write(sb.ToString());
        _out.SetBody("breakpoints", json);
    }

    private void InfoVariables(bool parameters)
    {
        FrameState frame = SelectedFrame ?? throw new DbgException("No frame selected.");
        FrameContext context = Context();
        ulong pc = context.FramePc!.Value;
        var variables = _session.Target.Debug.VariablesAt(pc).Where(v => v.IsParameter == parameters).ToList();
        if (parameters)
        {
            variables.Reverse();
        }

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
                text = formatter.Format(value);
            }
            catch (DebugEvalException e)
            {
                text = "<error: " + e.Message + ">";
            }

            sb.Append(v.Name).Append(" = ").Append(text).Append('\n');
            json.Add(new JsonObject { ["name"] = v.Name, ["value"] = text, ["type"] = _symbols.Types.FromDie(v.Type).Name });
        }

        _ = frame;
        _out.Write(sb.ToString());
        _out.SetBody("variables", json);
    }

    private void InfoFrame()
    {
        RequireStack();
        IReadOnlyList<FrameState> frames = Frames();
        FrameState frame = frames[_frameLevel];
        var sb = new StringBuilder();
        SourcePosition? p = PositionOf(frame, _frameLevel);
        string function = FunctionOf(_frameLevel == 0 ? frame.Pc : frame.Pc - 1) ?? "??";
        sb.Append($"Stack level {_frameLevel}, frame at 0x{frame.Cfa:x}:\n");
        sb.Append($" rip = 0x{frame.Pc:x} in {function}");
        if (p is not null)
        {
            sb.Append($" ({DisplayFile(p.File)}:{p.Line})");
        }

        if (_frameLevel + 1 < frames.Count)
        {
            sb.Append($"; saved rip = 0x{frames[_frameLevel + 1].Pc:x}");
        }

        sb.Append('\n');
        if (_frameLevel + 1 < frames.Count)
        {
            sb.Append($" called by frame at 0x{frames[_frameLevel + 1].Cfa:x}\n");
        }

        if (_frameLevel > 0)
        {
            sb.Append($" caller of frame at 0x{frames[_frameLevel - 1].Cfa:x}\n");
        }

        sb.Append(" source language c.\n");
        FrameFunctionText(frame, _frameLevel, out JsonArray args);
        string argText = string.Join(", ", args.Select(a => $"{a!["name"]}={a["value"]}"));
        ulong rbp = new FrameContext(_session.Target, frame, _frameLevel).ReadRegister(6) ?? 0;
        sb.Append($" Arglist at 0x{rbp:x}, args: {argText}\n");
        sb.Append($" Locals at 0x{rbp:x}, Previous frame's sp is 0x{frame.Cfa:x}\n");
        sb.Append(" Saved registers:\n");
        sb.Append($"  rbp at 0x{frame.Cfa - 16:x}, rip at 0x{frame.Cfa - 8:x}\n");
        _out.Write(sb.ToString());
        _out.SetBody("frame", new JsonObject { ["level"] = _frameLevel, ["pc"] = $"0x{frame.Pc:x}", ["cfa"] = $"0x{frame.Cfa:x}", ["function"] = function });
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
        return "[ " + string.Join(" ", set) + " ]";
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
            throw new DbgException($"Line number {first} out of range; \"{DisplayFile(file!)}\" has {lines.Length} lines.");
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
