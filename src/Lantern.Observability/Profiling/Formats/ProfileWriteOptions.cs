namespace Lantern.Observability.Profiling.Formats;

/// <summary>Options shared by the profile writers; each writer reads the ones that concern it.</summary>
public sealed record ProfileWriteOptions
{
    /// <summary>
    /// Frames labelled "function (file:line)" instead of "function", so each line is its own frame. Null means the
    /// format's default: off for folded stacks and the flame graph (one box per function), on for speedscope
    /// (frames carry file and line). pprof always records lines; text and annotate do not use it.
    /// </summary>
    public bool? FrameLines { get; init; }

    /// <summary>Flame graph title; null: "Flame Graph: {program}".</summary>
    public string? Title { get; init; }

    /// <summary>Flame graph width in pixels.</summary>
    public int Width { get; init; } = 1200;

    /// <summary>Text summary: how many functions each table lists.</summary>
    public int Top { get; init; } = 20;

    /// <summary>Annotate: the directory relative source paths are resolved against; null: the current directory.</summary>
    public string? SourceDirectory { get; init; }
}
