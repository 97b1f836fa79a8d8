namespace Lantern.Observability.Profiling;

// The contract between the sampler (Profiling/Sampling*, raw addresses), the symbolizer (addresses -> frames)
// and the output formats (Profiling/Formats/*). Knows nothing of C: a frame is a function name, a source
// position if known, and the module it came from.

/// <summary>A symbolized frame. <see cref="Line"/> is 0 and <see cref="File"/> null when no line is known (libc).</summary>
public sealed record ProfileFrame(string Function, string? File, int Line, string Module, ulong Address = 0)
{
    /// <summary>"function" or "function (file:line)", the label used by text outputs.</summary>
    public override string ToString() => File is null ? Function : $"{Function} ({File}:{Line})";
}

/// <summary>One distinct stack with how many samples hit it. <see cref="Frames"/> is ordered root first, leaf last.</summary>
public sealed record ProfileStack(IReadOnlyList<ProfileFrame> Frames, long Count);

/// <summary>How the samples were taken, stated in every output.</summary>
public sealed record ProfileMetadata(
    string Engine,          // "perf_event cpu-clock", "timer_create CLOCK_THREAD_CPUTIME_ID", "wall (...)"
    double RequestedHz,     // the rate asked for
    long Expected,          // samples expected from the measured thread CPU time (or wall time) and the rate
    long Received,          // samples the handler recorded
    long Dropped,           // samples lost (ring buffer full, walk failed)
    double DurationSeconds, // time the program ran
    string Program,         // program name as given on the command line
    bool Wall = false);     // wall-clock sampling (blocked time included)

/// <summary>A finished profile: metadata and the distinct stacks with their counts.</summary>
public sealed record Profile(ProfileMetadata Metadata, IReadOnlyList<ProfileStack> Stacks)
{
    /// <summary>Total samples over all stacks.</summary>
    public long TotalSamples => Stacks.Sum(s => s.Count);
}
