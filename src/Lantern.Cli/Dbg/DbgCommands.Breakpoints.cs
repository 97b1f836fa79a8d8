using System.Globalization;
using System.Text.Json.Nodes;
using Lantern.C.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.Cli.Dbg;

internal sealed partial class DbgCommands
{
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
}
