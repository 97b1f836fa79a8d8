using System.Runtime.CompilerServices;
using Lantern.Observability.Interop;

namespace Lantern.Cli;

/// <summary>
/// Maps in, with one <c>madvise(MADV_POPULATE_WRITE)</c>, the part of the GC heap that compiling a program will
/// allocate from — the JVM's <c>-XX:+AlwaysPreTouch</c>, for the first <see cref="Bytes"/> only.
/// <para>
/// Why (measured on this project's VM, src/Lantern.Cli/README.md "Heap pre-touch"): compiling hello.c allocates ~0.8 MB on the GC
/// heap (front end, JIT; ~1.4 MB when Iced encoded) and the GC clears each allocation quantum before use, so every
/// one of those fresh pages is first touched by a page fault; a fault costs ~10 µs here against ~0.6 µs per page for
/// populating a range in one call: ~1 ms of the ~17 ms of CPU of <c>lantern run hello.c</c> (~2 ms with Iced).
/// </para>
/// <para>
/// How: the address of a fresh object lies in the region the GC allocates from. Its mapping (read-write, anonymous) is
/// the part the GC has committed so far; the anonymous <c>PROT_NONE</c> mapping right after it is the rest of the
/// GC's reservation, which the GC commits later with <c>mprotect(PROT_READ|PROT_WRITE)</c>. Making the next
/// <see cref="Bytes"/> read-write ahead of the GC changes nothing for it (its own commit is then a no-op; it assumes
/// fresh memory reads zero, which populated pages do) and lets the kernel fill them in one call. Anything unexpected
/// (another layout, a kernel before 5.14 without <c>MADV_POPULATE_WRITE</c>) leaves the heap as it was.
/// <c>LANTERN_PRETOUCH=0</c> turns it off (for measuring it).
/// </para>
/// </summary>
[SkipLocalsInit] // the maps buffer: fresh stack pages are faulted in only as far as read() writes
internal static unsafe class HeapPretouch
{
    /// <summary>How much is populated from the current allocation point: more than hello.c's front end and JIT use.</summary>
    public const int Bytes = 2 << 20;

    /// <summary>Populates the next <see cref="Bytes"/> of the GC heap; returns the bytes populated, 0 if it did nothing.</summary>
    public static long Run()
    {
        if (Environment.GetEnvironmentVariable("LANTERN_PRETOUCH") == "0")
        {
            return 0;
        }

        object probe = new byte[1];
        nint at = *(nint*)Unsafe.AsPointer(ref probe);
        // read with plain system calls: the first File.ReadAllBytes costs ~1 ms here (the file stack's first use)
        const int MapsCapacity = 16 * 1024; // ~2-7 KB: ~30-80 mappings
        byte* maps = stackalloc byte[MapsCapacity];
        int length = ReadMaps(maps, MapsCapacity);
        if (length <= 0)
        {
            return 0;
        }

        if (!FindHeapMappings(new ReadOnlySpan<byte>(maps, length), at, out nint committedEnd, out nint reservedEnd))
        {
            return 0;
        }

        nint start = at & ~(nint)4095;
        nint end = Math.Min(start + Bytes, reservedEnd);
        if (end > committedEnd && LibC.Mprotect(committedEnd, (nuint)(end - committedEnd), LibC.ProtRead | LibC.ProtWrite) != 0)
        {
            return 0;
        }

        return LibC.Madvise(start, (nuint)(end - start), LibC.MadvPopulateWrite) == 0 ? end - start : 0;
    }

    /// <summary>Reads /proc/self/maps into <paramref name="buffer"/>; its length, or -1 if it fails or does not fit.</summary>
    private static int ReadMaps(byte* buffer, int capacity)
    {
        int fd = LibC.Open("/proc/self/maps", LibC.OCloexec /* O_RDONLY is 0 */, 0);
        if (fd < 0)
        {
            return -1;
        }

        int length = 0;
        while (true)
        {
            nint n = LibC.Read(fd, buffer + length, (nuint)(capacity - length));
            if (n <= 0)
            {
                length = n == 0 && length < capacity ? length : -1;
                break;
            }

            length += (int)n;
        }

        _ = LibC.Close(fd);
        return length;
    }

    /// <summary>
    /// In the text of /proc/self/maps: the end of the anonymous read-write mapping that holds <paramref name="at"/>, and
    /// the end of the anonymous inaccessible mapping that must follow it directly (the GC's reservation).
    /// </summary>
    internal static bool FindHeapMappings(ReadOnlySpan<byte> maps, nint at, out nint committedEnd, out nint reservedEnd)
    {
        committedEnd = 0;
        reservedEnd = 0;
        while (maps.Length > 0)
        {
            int eol = maps.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = eol < 0 ? maps : maps[..eol];
            maps = eol < 0 ? default : maps[(eol + 1)..];
            if (!ParseLine(line, out nint lo, out nint hi, out ReadOnlySpan<byte> perms, out bool anonymous))
            {
                return false;
            }

            if (committedEnd != 0)
            {
                // the line after the heap's: the reservation, directly after it
                if (lo != committedEnd || !anonymous || !perms.SequenceEqual("---p"u8))
                {
                    return false;
                }

                reservedEnd = hi;
                return true;
            }

            if (at >= lo && at < hi)
            {
                if (!anonymous || !perms.SequenceEqual("rw-p"u8))
                {
                    return false;
                }

                committedEnd = hi;
            }
        }

        return false;
    }

    /// <summary>One line of /proc/PID/maps: <c>lo-hi perms offset dev inode [path]</c>; anonymous: inode 0 and no path.</summary>
    private static bool ParseLine(ReadOnlySpan<byte> line, out nint lo, out nint hi, out ReadOnlySpan<byte> perms, out bool anonymous)
    {
        lo = hi = 0;
        perms = default;
        anonymous = false;
        Span<Range> fields = stackalloc Range[6];
        int n = 0;
        for (int i = 0; i < line.Length && n < fields.Length;)
        {
            if (line[i] == (byte)' ')
            {
                i++;
                continue;
            }

            int start = i;
            while (i < line.Length && line[i] != (byte)' ')
            {
                i++;
            }

            fields[n++] = start..i;
        }

        if (n < 5)
        {
            return false;
        }

        ReadOnlySpan<byte> range = line[fields[0]];
        int dash = range.IndexOf((byte)'-');
        if (dash < 0 || !TryParseHex(range[..dash], out lo) || !TryParseHex(range[(dash + 1)..], out hi))
        {
            return false;
        }

        perms = line[fields[1]];
        anonymous = line[fields[4]].SequenceEqual("0"u8) && n == 5;
        return true;
    }

    private static bool TryParseHex(ReadOnlySpan<byte> digits, out nint value)
    {
        value = 0;
        if (digits.Length is 0 or > 16)
        {
            return false;
        }

        foreach (byte c in digits)
        {
            int d = c is >= (byte)'0' and <= (byte)'9' ? c - '0' : c is >= (byte)'a' and <= (byte)'f' ? c - 'a' + 10 : -1;
            if (d < 0)
            {
                return false;
            }

            value = (value << 4) | (nint)d;
        }

        return true;
    }
}
