using Lantern.Observability.Dwarf;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.C.Debug;

/// <summary>A global variable found in the DWARF: its DIE, type and address (DW_OP_addr).</summary>
public sealed record GlobalSymbol(string Name, DwarfDie Die, DbgType Type, ulong Address);

/// <summary>A function found in the DWARF: its subprogram DIE, type and entry address.</summary>
public sealed record FunctionSymbol(string Name, DwarfDie Die, DbgType Type, ulong Address, ulong End);

/// <summary>
/// The program's global variables and functions, read from the DWARF (compile-unit level variables with a
/// DW_OP_addr location, subprograms with code), and address → <c>name+offset</c> for gdb's <c>&lt;g+4&gt;</c>.
/// </summary>
public sealed class ProgramSymbols
{
    private readonly Dictionary<string, GlobalSymbol> _globals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FunctionSymbol> _functions = new(StringComparer.Ordinal);
    private readonly List<(ulong Start, ulong End, string Name)> _byAddress = new();

    public ProgramSymbols(DebugData debug)
    {
        Debug = debug;
        Types = new DbgTypes(debug);
        foreach (DwarfUnit unit in debug.Info.Units)
        {
            foreach (DwarfDie die in unit.Root.Children)
            {
                if (die.Tag == DwTag.Variable && die.Name is string name && die.Get(DwAt.Location)?.Block is byte[] expression)
                {
                    SimpleLocation location = DwarfExpression.Decode(expression);
                    if (location.Kind == LocationKind.Address)
                    {
                        DbgType type = Types.FromDie(die.GetReference(DwAt.Type));
                        var global = new GlobalSymbol(name, die, type, location.Address);
                        _globals.TryAdd(name, global);
                        _byAddress.Add((location.Address, location.Address + (ulong)Math.Max(type.Size, 1), name));
                    }
                }
            }
        }

        foreach (DwarfDie function in debug.Functions())
        {
            string? name = function.Name;
            IReadOnlyList<(ulong Low, ulong High)> ranges = debug.GetRanges(function);
            if (name is null || ranges.Count == 0)
            {
                continue;
            }

            ulong low = ranges.Min(r => r.Low);
            ulong high = ranges.Max(r => r.High);
            _functions.TryAdd(name, new FunctionSymbol(name, function, Types.FromDie(function), low, high));
            _byAddress.Add((low, high, name));
        }

        _byAddress.Sort((a, b) => a.Start.CompareTo(b.Start));
    }

    public DebugData Debug { get; }

    public DbgTypes Types { get; }

    public IReadOnlyDictionary<string, GlobalSymbol> Globals => _globals;

    public IReadOnlyDictionary<string, FunctionSymbol> Functions => _functions;

    /// <summary>The function whose code contains <paramref name="address"/>, or null.</summary>
    public FunctionSymbol? FunctionAt(ulong address)
    {
        foreach (FunctionSymbol f in _functions.Values)
        {
            if (address >= f.Address && address < f.End)
            {
                return f;
            }
        }

        return null;
    }

    /// <summary><c>name</c> or <c>name+offset</c> for an address inside a global or function, or null.</summary>
    public string? Describe(ulong address)
    {
        int low = 0, high = _byAddress.Count - 1, found = -1;
        while (low <= high)
        {
            int mid = (low + high) / 2;
            if (_byAddress[mid].Start <= address)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        for (int i = found; i >= 0 && i > found - 4; i--)
        {
            (ulong start, ulong end, string name) = _byAddress[i];
            if (address >= start && address < end)
            {
                return address == start ? name : $"{name}+{address - start}";
            }
        }

        return null;
    }
}
