namespace Lantern.Observability.Elf;

/// <summary>
/// Finds the detached debug file of an installed ELF file the way gdb, perf and elfutils do: by build ID under the
/// debug root (<c>/usr/lib/debug/.build-id/ab/cdef….debug</c>, which Debian's <c>-dbg</c> packages such as libc6-dbg
/// install), then by <c>.gnu_debuglink</c> beside the file, in its <c>.debug/</c> directory and under the debug root
/// (the link's CRC-32 must match). A stripped library keeps only <c>.dynsym</c>; its static functions
/// (<c>_int_malloc</c>) are named only in the debug file's <c>.symtab</c>.
/// </summary>
public static class DebugFiles
{
    /// <summary>The debug root of Debian and most distributions.</summary>
    public const string DefaultRoot = "/usr/lib/debug";

    /// <summary>
    /// The path of the debug file of <paramref name="elf"/>, loaded from <paramref name="path"/>, or null. A
    /// candidate found by build ID must carry the same build ID; one found by debug link must have its CRC-32.
    /// </summary>
    public static string? Find(string path, ElfFile elf, string root = DefaultRoot)
    {
        if (elf.BuildId.Length >= 2)
        {
            string hex = Convert.ToHexStringLower(elf.BuildId.Span);
            string candidate = Path.Combine(root, ".build-id", hex[..2], hex[2..] + ".debug");
            if (TryLoad(candidate) is ElfFile debug && debug.BuildId.Span.SequenceEqual(elf.BuildId.Span))
            {
                return candidate;
            }
        }

        if (elf.DebugLink is not (string name, uint crc) || name.Contains('/'))
        {
            return null;
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        foreach (string candidate in new[]
                 {
                     Path.Combine(directory, name),
                     Path.Combine(directory, ".debug", name),
                     Path.Join(root, directory, name),
                 })
        {
            if (candidate != Path.GetFullPath(path) && File.Exists(candidate) && Crc32(candidate) == crc)
            {
                return candidate;
            }
        }

        return null;
    }

    private static ElfFile? TryLoad(string path)
    {
        try
        {
            return File.Exists(path) ? ElfFile.Load(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The CRC-32 (IEEE 802.3, reflected, as zlib and <c>.gnu_debuglink</c>) of a file's contents, or null.</summary>
    private static uint? Crc32(string path)
    {
        try
        {
            return Crc32(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The CRC-32 of <paramref name="data"/> as <c>.gnu_debuglink</c> records it.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc = s_crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static readonly uint[] s_crcTable = Enumerable.Range(0, 256).Select(i =>
    {
        uint c = (uint)i;
        for (int k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }

        return c;
    }).ToArray();
}
