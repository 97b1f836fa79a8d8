namespace Lantern.Observability.Profiling.Formats;

/// <summary>
/// The text summary: a header with the metadata (engine, rate, samples expected/received/dropped, duration), then
/// the top functions by self samples (the function was the leaf) and by total samples (the function was on the
/// stack, counted once per stack even when recursive), with percentages of all samples.
/// </summary>
public static class TextSummaryWriter
{
    /// <summary>Writes the summary of <paramref name="profile"/> to <paramref name="output"/> (left open).</summary>
    public static void Write(Profile profile, Stream output, ProfileWriteOptions? options = null)
    {
        int top = Math.Max(1, options?.Top ?? 20);
        ProfileMetadata m = profile.Metadata;
        long total = profile.TotalSamples;
        List<FunctionTotals> functions = FrameLabels.FunctionTotals(profile);

        using var writer = new StreamWriter(output, FrameLabels.Utf8, bufferSize: 65536, leaveOpen: true) { NewLine = "\n" };
        writer.WriteLine($"Profile of {m.Program}");
        writer.WriteLine(FrameLabels.Inv($"engine:   {m.Engine}{(m.Wall ? " (wall clock, blocked time included)" : "")}"));
        writer.WriteLine(FrameLabels.Inv($"rate:     {FrameLabels.Rate(m.RequestedHz)} requested, {m.DurationSeconds:0.###} s run"));
        writer.WriteLine(FrameLabels.Inv($"samples:  {m.Received} received, {m.Expected} expected, {m.Dropped} dropped; {total} in {profile.Stacks.Count} distinct stacks"));

        Table(writer, "self", functions.Where(f => f.Self > 0).OrderByDescending(f => f.Self).ThenByDescending(f => f.Total), total, top);
        Table(writer, "total", functions.OrderByDescending(f => f.Total).ThenByDescending(f => f.Self), total, top);
    }

    private static void Table(StreamWriter writer, string by, IOrderedEnumerable<FunctionTotals> ordered, long total, int top)
    {
        List<FunctionTotals> rows = ordered.ThenBy(f => f.Function, StringComparer.Ordinal).Take(top).ToList();
        writer.WriteLine();
        writer.WriteLine($"Top functions by {by} samples");
        writer.WriteLine("      self   self%      total  total%  function");
        foreach (FunctionTotals row in rows)
        {
            string where = row.File is not null ? $" ({row.File})" : $" [{row.Module}]";
            writer.WriteLine(FrameLabels.Inv(
                $"{row.Self,10} {FrameLabels.Percent(row.Self, total),6:0.0}% {row.Total,10} {FrameLabels.Percent(row.Total, total),6:0.0}%  {row.Function}{where}"));
        }

        if (rows.Count == 0)
        {
            writer.WriteLine("  (no samples)");
        }
    }
}
