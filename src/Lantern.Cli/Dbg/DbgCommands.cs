using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Lantern.C.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

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

    // ----- errors -------------------------------------------------------------------------------------------

    // the session's exceptions become gdb's error messages
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
