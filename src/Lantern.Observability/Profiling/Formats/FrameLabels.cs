using System.Globalization;
using System.Text;

namespace Lantern.Observability.Profiling.Formats;

/// <summary>Small helpers the writers share: frame labels, percentages, invariant number formatting.</summary>
internal static class FrameLabels
{
    /// <summary>"function" or, with <paramref name="lines"/> and a known position, "function (file:line)".</summary>
    public static string Label(ProfileFrame frame, bool lines) =>
        lines && frame.File is not null ? $"{frame.Function} ({frame.File}:{frame.Line.ToString(CultureInfo.InvariantCulture)})" : frame.Function;

    /// <summary><paramref name="part"/> of <paramref name="whole"/> in percent, 0 when the whole is 0.</summary>
    public static double Percent(long part, long whole) => whole == 0 ? 0 : 100.0 * part / whole;

    /// <summary>Formats with the invariant culture.</summary>
    public static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The rate as written in headers: "1000 Hz", "997.5 Hz".</summary>
    public static string Rate(double hz) => Inv($"{hz:0.###} Hz");

    /// <summary>One line stating how the samples were taken (every output carries it).</summary>
    public static string MetadataLine(ProfileMetadata m) =>
        Inv($"{m.Engine}{(m.Wall ? " (wall clock)" : "")}, {Rate(m.RequestedHz)}: {m.Expected} samples expected, {m.Received} received, {m.Dropped} dropped, {m.DurationSeconds:0.###} s");

    /// <summary>UTF-8 without a byte-order mark.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Per function (name and module): samples where it is the leaf (self) and samples whose stack contains it (total, once per stack).</summary>
    public static List<FunctionTotals> FunctionTotals(Profile profile)
    {
        var byKey = new Dictionary<(string Function, string Module), FunctionTotals>();
        var seen = new HashSet<(string, string)>();
        foreach (ProfileStack stack in profile.Stacks)
        {
            seen.Clear();
            for (int i = 0; i < stack.Frames.Count; i++)
            {
                ProfileFrame frame = stack.Frames[i];
                var key = (frame.Function, frame.Module);
                if (!byKey.TryGetValue(key, out FunctionTotals? totals))
                {
                    totals = new FunctionTotals(frame.Function, frame.Module, frame.File);
                    byKey.Add(key, totals);
                }

                if (i == stack.Frames.Count - 1)
                {
                    totals.Self += stack.Count;
                }

                if (seen.Add(key))
                {
                    totals.Total += stack.Count;
                }
            }
        }

        return byKey.Values.ToList();
    }
}

/// <summary>Self and total samples of one function.</summary>
internal sealed class FunctionTotals(string function, string module, string? file)
{
    public string Function { get; } = function;
    public string Module { get; } = module;
    public string? File { get; } = file;
    public long Self { get; set; }
    public long Total { get; set; }
}
