using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Lantern.C.Debug;

namespace Lantern.Cli.Dbg;

internal sealed partial class DbgCommands
{
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
}
