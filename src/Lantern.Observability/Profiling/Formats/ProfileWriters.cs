namespace Lantern.Observability.Profiling.Formats;

/// <summary>The profile output formats by name: <c>lantern prof --format NAME</c> calls <see cref="Write"/>.</summary>
public static class ProfileWriters
{
    /// <summary>The format names, in the order the help text lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["flamegraph", "folded", "speedscope", "pprof", "text", "annotate"];

    /// <summary>Writes <paramref name="profile"/> to <paramref name="output"/> (left open) in <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentException">The format is unknown; the message lists the valid names.</exception>
    public static void Write(string format, Profile profile, Stream output, ProfileWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(output);
        options ??= new ProfileWriteOptions();
        switch (Normalize(format))
        {
            case "flamegraph":
                FlameGraphWriter.Write(profile, output, options);
                break;
            case "folded":
                FoldedWriter.Write(profile, output, options);
                break;
            case "speedscope":
                SpeedscopeWriter.Write(profile, output, options);
                break;
            case "pprof":
                PprofWriter.Write(profile, output, options);
                break;
            case "text":
                TextSummaryWriter.Write(profile, output, options);
                break;
            case "annotate":
                AnnotateWriter.Write(profile, output, options);
                break;
        }
    }

    /// <summary>The usual file extension of <paramref name="format"/>, with its dot (".svg", ".pb.gz", ...).</summary>
    /// <exception cref="ArgumentException">The format is unknown.</exception>
    public static string DefaultExtension(string format) => Normalize(format) switch
    {
        "flamegraph" => ".svg",
        "folded" => ".folded",
        "speedscope" => ".speedscope.json",
        "pprof" => ".pb.gz",
        "text" => ".txt",
        _ => ".annotated.txt",
    };

    /// <summary>True when <paramref name="format"/> names a format (case-insensitive).</summary>
    public static bool IsKnown(string? format) => format is not null && Names.Contains(format.ToLowerInvariant());

    private static string Normalize(string format)
    {
        if (!IsKnown(format))
        {
            throw new ArgumentException(
                $"unknown profile format '{format}': valid formats are {string.Join(", ", Names)}", nameof(format));
        }

        return format.ToLowerInvariant();
    }
}
