using Lantern.Observability.Profiling;
using Lantern.Observability.Profiling.Formats;

namespace Lantern.Observability.Tests.Profiling.Formats;

/// <summary>Profiles built by hand with known stacks and counts, and helpers to render them.</summary>
internal static class SampleProfiles
{
    public const string JitModule = "[lantern-jit]";
    public const string Libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";

    public static readonly ProfileMetadata Metadata = new(
        Engine: "perf_event cpu-clock", RequestedHz: 1000, Expected: 104, Received: 100, Dropped: 2, DurationSeconds: 0.104, Program: "shares.c");

    /// <summary>
    /// 100 samples: main → compute → hot 70, main → compute → warm 20, main → cold 7, main → compute → memcpy (libc,
    /// no line) 3. Self: hot 70, warm 20, cold 7, memcpy 3. Total: main 100, compute 93.
    /// </summary>
    public static Profile Shares(string file = "shares.c") => new(Metadata,
    [
        new([Jit("main", file, 30, 0x100), Jit("compute", file, 20, 0x200), Jit("hot", file, 12, 0x300)], 70),
        new([Jit("main", file, 30, 0x100), Jit("compute", file, 21, 0x210), Jit("warm", file, 8, 0x400)], 20),
        new([Jit("main", file, 32, 0x120), Jit("cold", file, 4, 0x500)], 7),
        new([Jit("main", file, 30, 0x100), Jit("compute", file, 22, 0x220), new ProfileFrame("memcpy", null, 0, Libc, 0x7f10_0000_1234)], 3),
    ]);

    /// <summary>Names that need escaping in XML, JSON and folded stacks; recursion (f → f) counted once in totals.</summary>
    public static Profile Nasty() => new(Metadata with { Program = "nasty <&> \"prog\"" },
    [
        new([Jit("main", "a&b.c", 3, 0x100), Jit("operator<<(std::ostream&, T const&)", "a&b.c", 5, 0x200)], 6),
        new([Jit("main", "a&b.c", 3, 0x100), Jit("vector<int>::push_back", "a&b.c", 7, 0x300), Jit("f;g 'quoted' \"x\"", "a&b.c", 9, 0x400)], 3),
        new([Jit("main", "a&b.c", 3, 0x100), Jit("rec", "a&b.c", 11, 0x500), Jit("rec", "a&b.c", 12, 0x510), Jit("rec", "a&b.c", 12, 0x510)], 1),
    ]);

    /// <summary>A profile without samples.</summary>
    public static Profile Empty() => new(Metadata with { Received = 0, Expected = 0, Dropped = 0 }, []);

    public static ProfileFrame Jit(string function, string file, int line, ulong offset) =>
        new(function, file, line, JitModule, 0x7f00_0000_0000 + offset);

    public static byte[] Render(string format, Profile profile, ProfileWriteOptions? options = null)
    {
        using var stream = new MemoryStream();
        ProfileWriters.Write(format, profile, stream, options);
        return stream.ToArray();
    }

    public static string RenderText(string format, Profile profile, ProfileWriteOptions? options = null) =>
        System.Text.Encoding.UTF8.GetString(Render(format, profile, options));
}
