using Lantern.Observability.Profiling.Formats;

namespace Lantern.Observability.Tests.Profiling.Formats;

public sealed class TextSummaryWriterTests
{
    [Fact]
    public void HeaderStatesTheMetadata()
    {
        string[] lines = SampleProfiles.RenderText("text", SampleProfiles.Shares()).Split('\n');
        Assert.Equal("Profile of shares.c", lines[0]);
        Assert.Equal("engine:   perf_event cpu-clock", lines[1]);
        Assert.Equal("rate:     1000 Hz requested, 0.104 s run", lines[2]);
        Assert.Equal("samples:  100 received, 104 expected, 2 dropped; 100 in 4 distinct stacks", lines[3]);
    }

    [Fact]
    public void TopFunctionsBySelfAndTotal()
    {
        string text = SampleProfiles.RenderText("text", SampleProfiles.Shares());
        string[] self = Table(text, "Top functions by self samples");
        Assert.Equal(4, self.Length);
        Assert.Equal("        70   70.0%         70   70.0%  hot (shares.c)", self[0]);
        Assert.Equal("        20   20.0%         20   20.0%  warm (shares.c)", self[1]);
        Assert.Equal("         7    7.0%          7    7.0%  cold (shares.c)", self[2]);
        Assert.Equal($"         3    3.0%          3    3.0%  memcpy [{SampleProfiles.Libc}]", self[3]);

        string[] total = Table(text, "Top functions by total samples");
        Assert.Equal(6, total.Length);
        Assert.Equal("         0    0.0%        100  100.0%  main (shares.c)", total[0]);
        Assert.Equal("         0    0.0%         93   93.0%  compute (shares.c)", total[1]);
        Assert.EndsWith("hot (shares.c)", total[2]);
    }

    [Fact]
    public void RecursionCountsOncePerStackAndTopLimits()
    {
        Assert.Contains("         1   10.0%          1   10.0%  rec (a&b.c)", SampleProfiles.RenderText("text", SampleProfiles.Nasty()));
        string text = SampleProfiles.RenderText("text", SampleProfiles.Nasty(), new ProfileWriteOptions { Top = 2 });
        Assert.Equal(["main (a&b.c)", "operator<<(std::ostream&, T const&) (a&b.c)"],
            Table(text, "Top functions by total samples").Select(row => row[39..]));
    }

    [Fact]
    public void EmptyProfileSaysSo()
    {
        Assert.Contains("(no samples)", SampleProfiles.RenderText("text", SampleProfiles.Empty()));
    }

    private static string[] Table(string text, string heading)
    {
        string[] lines = text.Split('\n');
        int start = Array.IndexOf(lines, heading);
        Assert.True(start >= 0, heading);
        return lines.Skip(start + 2).TakeWhile(line => line.Length > 0).ToArray();
    }
}
