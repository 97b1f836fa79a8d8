namespace Lantern.Observability.Profiling.Formats;

/// <summary>The profile output formats by name: <c>lantern prof --format NAME</c> calls <see cref="Write"/>.</summary>
public static class ProfileWriters
{
    // In the order the help text lists them.
    private static readonly Format[] s_formats =
    [
        new("flamegraph", ".svg", FlameGraphWriter.Write),
        new("folded", ".folded", FoldedWriter.Write),
        new("speedscope", ".speedscope.json", SpeedscopeWriter.Write),
        new("pprof", ".pb.gz", PprofWriter.Write),
        new("text", ".txt", TextSummaryWriter.Write),
        new("annotate", ".annotated.txt", AnnotateWriter.Write),
    ];

    /// <summary>The format names, in the order the help text lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = s_formats.Select(f => f.Name).ToArray();

    /// <summary>Writes <paramref name="profile"/> to <paramref name="output"/> (left open) in <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentException">The format is unknown; the message lists the valid names.</exception>
    public static void Write(string format, Profile profile, Stream output, ProfileWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(output);
        Find(format).Write(profile, output, options ?? new ProfileWriteOptions());
    }

    /// <summary>The usual file extension of <paramref name="format"/>, with its dot (".svg", ".pb.gz", ...).</summary>
    /// <exception cref="ArgumentException">The format is unknown.</exception>
    public static string DefaultExtension(string format) => Find(format).Extension;

    /// <summary>True when <paramref name="format"/> names a format (case-insensitive).</summary>
    public static bool IsKnown(string? format) => format is not null && Names.Contains(format.ToLowerInvariant());

    private static Format Find(string format)
    {
        if (!IsKnown(format))
        {
            throw new ArgumentException(
                $"unknown profile format '{format}': valid formats are {string.Join(", ", Names)}", nameof(format));
        }

        return s_formats.First(f => f.Name == format.ToLowerInvariant());
    }

    /// <summary>A format: its name, its usual file extension and its writer.</summary>
    private readonly record struct Format(string Name, string Extension, Action<Profile, Stream, ProfileWriteOptions> Write);
}
