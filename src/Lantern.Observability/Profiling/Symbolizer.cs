using System.Globalization;
using System.Text;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Elf;

namespace Lantern.Observability.Profiling;

/// <summary>
/// Turns raw sample addresses into frames after the program ran: JIT frames through the DWARF the JIT emitted
/// (the same symfile gdb reads: function and file:line of the pc, of the return address - 1 for callers), native
/// frames (libc, the runtime) through <c>/proc/self/maps</c> and the ELF symbols (.symtab, .dynsym) of the mapped
/// file, read with <see cref="ElfFile"/>, and those of its detached debug file (<see cref="DebugFiles"/>: libc's
/// static functions such as <c>_int_malloc</c> with Debian's libc6-dbg). Builds the <see cref="Profile"/>: distinct root-first stacks with counts.
/// </summary>
public sealed class Symbolizer
{
    /// <summary>The module name of JIT frames.</summary>
    public const string JitModule = "[jit]";

    private readonly List<DebugData> _jit = new();
    private readonly List<Mapping> _maps;
    private readonly Dictionary<string, NativeSymbols?> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<(ulong, bool), ProfileFrame> _cache = new();

    private sealed record Mapping(ulong Start, ulong End, ulong Offset, string Path);

    private sealed record NativeSymbols(ElfFile Elf, (ulong Start, ulong End, string Name)[] Functions);

    /// <summary>Creates a symbolizer over the JIT's symfiles (ELF images with DWARF) and this process's current mappings.</summary>
    public Symbolizer(IEnumerable<byte[]> jitSymfiles)
    {
        foreach (byte[] image in jitSymfiles)
        {
            _jit.Add(DebugData.Load(ElfFile.Parse(image)));
        }

        _maps = ReadMaps();
    }

    /// <summary>The frame of <paramref name="address"/>; a caller's frame (<paramref name="isLeaf"/> false) is looked up at address - 1.</summary>
    public ProfileFrame Symbolize(ulong address, bool isLeaf)
    {
        if (_cache.TryGetValue((address, isLeaf), out ProfileFrame? cached))
        {
            return cached;
        }

        ulong pc = isLeaf || address == 0 ? address : address - 1;
        ProfileFrame frame = SymbolizeJit(pc, address) ?? SymbolizeNative(pc, address);
        _cache[(address, isLeaf)] = frame;
        return frame;
    }

    /// <summary>Symbolizes every stack of <paramref name="raw"/> and merges equal stacks.</summary>
    public Profile BuildProfile(RawProfile raw, string program)
    {
        var counts = new Dictionary<string, (List<ProfileFrame> Frames, long Count)>(StringComparer.Ordinal);
        var order = new List<string>();
        var key = new StringBuilder();
        foreach (ulong[] stack in raw.Stacks)
        {
            if (stack.Length == 0)
            {
                continue;
            }

            var frames = new List<ProfileFrame>(stack.Length);
            for (int i = stack.Length - 1; i >= 0; i--)
            {
                frames.Add(Symbolize(stack[i], i == 0));
            }

            key.Clear();
            foreach (ProfileFrame f in frames)
            {
                key.Append(f.Function).Append('\u0001').Append(f.File).Append('\u0001').Append(f.Line).Append('\u0001').Append(f.Module).Append('\u0002');
            }

            string k = key.ToString();
            if (counts.TryGetValue(k, out var entry))
            {
                counts[k] = (entry.Frames, entry.Count + 1);
            }
            else
            {
                counts[k] = (frames, 1);
                order.Add(k);
            }
        }

        var stacks = order.Select(k => new ProfileStack(counts[k].Frames, counts[k].Count)).ToList();
        var metadata = new ProfileMetadata(raw.Engine, raw.RequestedHz, raw.Expected, raw.Received, raw.Dropped,
            raw.DurationSeconds, program, raw.Wall);
        return new Profile(metadata, stacks);
    }

    private ProfileFrame? SymbolizeJit(ulong pc, ulong address)
    {
        foreach (DebugData data in _jit)
        {
            AddressInfo? info = data.Lookup(pc);
            if (info?.Function is string name)
            {
                SourcePosition? position = info.Position;
                return new ProfileFrame(name, position?.File, position?.Line ?? 0, JitModule, address);
            }
        }

        return null;
    }

    private ProfileFrame SymbolizeNative(ulong pc, ulong address)
    {
        Mapping? map = FindMapping(pc);
        if (map is null)
        {
            return new ProfileFrame(Hex(address), null, 0, "[unknown]", address);
        }

        string module = map.Path.Length > 0 ? Path.GetFileName(map.Path) : "[anon]";
        NativeSymbols? symbols = map.Path.StartsWith('/') ? Load(map.Path) : null;
        if (symbols is not null)
        {
            ulong fileOffset = pc - map.Start + map.Offset;
            foreach (ElfSegment segment in symbols.Elf.Segments)
            {
                if (segment.Type == 1 && fileOffset >= segment.Offset && fileOffset < segment.Offset + segment.FileSize)
                {
                    ulong vaddr = fileOffset - segment.Offset + segment.Address;
                    if (Find(symbols.Functions, vaddr) is string name)
                    {
                        return new ProfileFrame(name, null, 0, module, address);
                    }

                    return new ProfileFrame($"{module}+{Hex(vaddr)}", null, 0, module, address);
                }
            }
        }

        return new ProfileFrame($"{module}+{Hex(pc - map.Start + map.Offset)}", null, 0, module, address);
    }

    private static string? Find((ulong Start, ulong End, string Name)[] functions, ulong vaddr)
    {
        int low = 0, high = functions.Length - 1, found = -1;
        while (low <= high)
        {
            int mid = low + ((high - low) / 2);
            if (functions[mid].Start <= vaddr)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        // symbols may nest (aliases): look back a few for one that contains the address
        for (int i = found; i >= 0 && i > found - 8; i--)
        {
            if (vaddr >= functions[i].Start && vaddr < functions[i].End)
            {
                return functions[i].Name;
            }
        }

        return null;
    }

    private NativeSymbols? Load(string path)
    {
        if (_files.TryGetValue(path, out NativeSymbols? symbols))
        {
            return symbols;
        }

        try
        {
            ElfFile elf = ElfFile.Load(path);
            IEnumerable<ElfSymbol> all = elf.Symbols;
            if (elf.FindSection(".symtab") is null && DebugFiles.Find(path, elf) is string debugPath)
            {
                // a stripped library: its static functions are named only in its detached debug file
                all = all.Concat(ElfFile.Load(debugPath).Symbols);
            }

            var functions = all
                .Where(s => (s.Type == 2 || s.Type == 10) && s.Value != 0 && s.Name.Length > 0)
                .Select(s => (Start: s.Value, End: s.Value + Math.Max(s.Size, 1), s.Name))
                .OrderBy(s => s.Start)
                .ThenByDescending(s => s.Name.StartsWith("__", StringComparison.Ordinal) ? 0 : 1)
                .ToArray();
            symbols = new NativeSymbols(elf, functions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or IndexOutOfRangeException)
        {
            symbols = null;
        }

        _files[path] = symbols;
        return symbols;
    }

    private Mapping? FindMapping(ulong pc)
    {
        foreach (Mapping m in _maps)
        {
            if (pc >= m.Start && pc < m.End)
            {
                return m;
            }
        }

        return null;
    }

    private static List<Mapping> ReadMaps()
    {
        var maps = new List<Mapping>();
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                // start-end perms offset dev inode path
                string[] parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 5)
                {
                    continue;
                }

                int dash = parts[0].IndexOf('-');
                ulong start = ulong.Parse(parts[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                ulong end = ulong.Parse(parts[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                ulong offset = ulong.Parse(parts[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                string path = parts.Length > 5 ? parts[5].Trim() : "";
                maps.Add(new Mapping(start, end, offset, path));
            }
        }
        catch (IOException)
        {
        }

        return maps;
    }

    private static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
