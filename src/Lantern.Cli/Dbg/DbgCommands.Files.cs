using System.Globalization;
using System.Text;
using Lantern.C.Debug;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.Cli.Dbg;

internal sealed partial class DbgCommands
{
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
}
