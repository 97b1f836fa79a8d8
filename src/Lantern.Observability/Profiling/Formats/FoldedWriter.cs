using System.Text;

namespace Lantern.Observability.Profiling.Formats;

/// <summary>
/// Folded stacks (Brendan Gregg's format, read by flamegraph.pl, inferno, speedscope): one line per distinct
/// stack, <c>root;child;leaf count</c>, lines sorted. Frames are labelled "function" or, with
/// <see cref="ProfileWriteOptions.FrameLines"/>, "function (file:line)". A ';' inside a name would split the
/// frame, so it becomes ':'; line breaks become spaces.
/// </summary>
public static class FoldedWriter
{
    /// <summary>Writes the folded stacks of <paramref name="profile"/> to <paramref name="output"/> (left open).</summary>
    public static void Write(Profile profile, Stream output, ProfileWriteOptions? options = null)
    {
        bool lines = options?.FrameLines ?? false;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var builder = new StringBuilder();
        foreach (ProfileStack stack in profile.Stacks)
        {
            if (stack.Count <= 0 || stack.Frames.Count == 0)
            {
                continue;
            }

            builder.Clear();
            foreach (ProfileFrame frame in stack.Frames)
            {
                if (builder.Length > 0)
                {
                    builder.Append(';');
                }

                builder.Append(Clean(FrameLabels.Label(frame, lines)));
            }

            string key = builder.ToString();
            counts[key] = counts.GetValueOrDefault(key) + stack.Count;
        }

        using var writer = new StreamWriter(output, FrameLabels.Utf8, bufferSize: 65536, leaveOpen: true) { NewLine = "\n" };
        foreach ((string stack, long count) in counts.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.Write(stack);
            writer.Write(' ');
            writer.WriteLine(count);
        }
    }

    private static string Clean(string label)
    {
        if (label.Length == 0)
        {
            return "[unknown]";
        }

        return label.Replace(';', ':').Replace('\n', ' ').Replace('\r', ' ');
    }
}
