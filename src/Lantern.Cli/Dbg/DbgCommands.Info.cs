using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Lantern.C.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.Cli.Dbg;

internal sealed partial class DbgCommands
{
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
}
