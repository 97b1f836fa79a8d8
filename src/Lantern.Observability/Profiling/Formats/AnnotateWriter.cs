namespace Lantern.Observability.Profiling.Formats;

/// <summary>
/// Source annotated with samples: every source file that has samples, read from disk, each line prefixed with
/// its self samples (the line was executing: the leaf frame) and total samples (the line was on the stack, once
/// per stack) with percentages of all samples. Files are listed by self samples, most first; a file that cannot
/// be read gets a note and its per-line figures without the text. Relative paths resolve against
/// <see cref="ProfileWriteOptions.SourceDirectory"/>.
/// </summary>
public static class AnnotateWriter
{
    // As wide as Column(): "%8d %5.1f%% %8d %5.1f%%".
    private static readonly string s_blankColumn = new(' ', 31);

    /// <summary>Writes the annotated sources of <paramref name="profile"/> to <paramref name="output"/> (left open).</summary>
    public static void Write(Profile profile, Stream output, ProfileWriteOptions? options = null)
    {
        long total = profile.TotalSamples;
        var files = new Dictionary<string, Dictionary<int, LineCounts>>(StringComparer.Ordinal);
        var seen = new HashSet<(string, int)>();
        foreach (ProfileStack stack in profile.Stacks)
        {
            seen.Clear();
            for (int i = 0; i < stack.Frames.Count; i++)
            {
                ProfileFrame frame = stack.Frames[i];
                if (frame.File is null || frame.Line <= 0)
                {
                    continue;
                }

                if (!files.TryGetValue(frame.File, out Dictionary<int, LineCounts>? lines))
                {
                    lines = [];
                    files.Add(frame.File, lines);
                }

                if (!lines.TryGetValue(frame.Line, out LineCounts? counts))
                {
                    counts = new LineCounts();
                    lines.Add(frame.Line, counts);
                }

                if (i == stack.Frames.Count - 1)
                {
                    counts.Self += stack.Count;
                }

                if (seen.Add((frame.File, frame.Line)))
                {
                    counts.Total += stack.Count;
                }
            }
        }

        using var writer = new StreamWriter(output, FrameLabels.Utf8, bufferSize: 65536, leaveOpen: true) { NewLine = "\n" };
        writer.WriteLine($"Source annotated with samples: {profile.Metadata.Program}");
        writer.WriteLine(FrameLabels.MetadataLine(profile.Metadata));
        writer.WriteLine(FrameLabels.Inv($"{total} samples; columns: self samples (the line was running; blank when none), self%, total samples (the line was on the stack), total%"));
        if (files.Count == 0)
        {
            writer.WriteLine();
            writer.WriteLine("(no samples with a source position)");
            return;
        }

        var ordered = files
            .Select(pair => (File: pair.Key, Lines: pair.Value, Self: pair.Value.Values.Sum(c => c.Self), Total: pair.Value.Values.Max(c => c.Total)))
            .OrderByDescending(f => f.Self)
            .ThenByDescending(f => f.Total)
            .ThenBy(f => f.File, StringComparer.Ordinal);
        foreach ((string file, Dictionary<int, LineCounts> lines, long self, _) in ordered)
        {
            writer.WriteLine();
            writer.WriteLine(FrameLabels.Inv($"==> {file} <== {self} self samples ({FrameLabels.Percent(self, total):0.0}%)"));
            string[]? text = ReadSource(file, options?.SourceDirectory);
            if (text is null)
            {
                writer.WriteLine($"(source not found: {Resolve(file, options?.SourceDirectory)}; the lines with samples follow)");
                foreach ((int line, LineCounts counts) in lines.OrderBy(pair => pair.Key))
                {
                    writer.WriteLine(FrameLabels.Inv($"{Column(counts, total)} {line,5} |"));
                }

                continue;
            }

            for (int line = 1; line <= text.Length; line++)
            {
                string column = lines.TryGetValue(line, out LineCounts? counts) ? Column(counts, total) : s_blankColumn;
                writer.WriteLine(FrameLabels.Inv($"{column} {line,5} | {text[line - 1]}"));
            }

            foreach ((int line, LineCounts counts) in lines.Where(pair => pair.Key > text.Length).OrderBy(pair => pair.Key))
            {
                writer.WriteLine(FrameLabels.Inv($"{Column(counts, total)} {line,5} | (past the end of the file)"));
            }
        }
    }

    /// <summary>Self and total columns; the self columns stay blank on a line that only calls (self 0).</summary>
    private static string Column(LineCounts counts, long total)
    {
        string self = counts.Self == 0 ? new string(' ', 15) : FrameLabels.Inv($"{counts.Self,8} {FrameLabels.Percent(counts.Self, total),5:0.0}%");
        return FrameLabels.Inv($"{self} {counts.Total,8} {FrameLabels.Percent(counts.Total, total),5:0.0}%");
    }

    private static string Resolve(string file, string? directory) =>
        Path.IsPathRooted(file) ? file : Path.GetFullPath(Path.Combine(directory ?? Environment.CurrentDirectory, file));

    private static string[]? ReadSource(string file, string? directory)
    {
        try
        {
            string text = File.ReadAllText(Resolve(file, directory));
            string[] lines = text.Split('\n');
            if (lines.Length > 0 && lines[^1].Length == 0)
            {
                Array.Resize(ref lines, lines.Length - 1);
            }

            for (int i = 0; i < lines.Length; i++)
            {
                lines[i] = lines[i].TrimEnd('\r');
            }

            return lines;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private sealed class LineCounts
    {
        public long Self { get; set; }
        public long Total { get; set; }
    }
}
