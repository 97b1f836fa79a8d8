using System.Text.RegularExpressions;
using Lantern.Observability.Profiling;
using Lantern.Observability.Profiling.Formats;

namespace Lantern.Observability.Tests.Profiling.Formats;

public sealed class FoldedWriterTests
{
    [Fact]
    public void OneSortedLinePerStack()
    {
        Assert.Equal(
            "main;cold 7\nmain;compute;hot 70\nmain;compute;memcpy 3\nmain;compute;warm 20\n",
            SampleProfiles.RenderText("folded", SampleProfiles.Shares()));
    }

    [Fact]
    public void FramesWithLinesWhenAsked()
    {
        string text = SampleProfiles.RenderText("folded", SampleProfiles.Shares(), new ProfileWriteOptions { FrameLines = true });
        Assert.Contains("main (shares.c:30);compute (shares.c:20);hot (shares.c:12) 70\n", text);
        Assert.Contains("main (shares.c:30);compute (shares.c:22);memcpy 3\n", text);
        Assert.Equal(4, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void StacksThatDifferOnlyInLinesMerge()
    {
        var profile = new Profile(SampleProfiles.Metadata,
        [
            new([SampleProfiles.Jit("main", "m.c", 3, 0x10), SampleProfiles.Jit("f", "m.c", 10, 0x20)], 5),
            new([SampleProfiles.Jit("main", "m.c", 4, 0x14), SampleProfiles.Jit("f", "m.c", 11, 0x24)], 6),
        ]);
        Assert.Equal("main;f 11\n", SampleProfiles.RenderText("folded", profile));
        Assert.Equal(2, SampleProfiles.RenderText("folded", profile, new ProfileWriteOptions { FrameLines = true }).Count(c => c == '\n'));
    }

    [Fact]
    public void SeparatorsInsideNamesCannotSplitFrames()
    {
        string text = SampleProfiles.RenderText("folded", SampleProfiles.Nasty());
        Assert.Contains("main;vector<int>::push_back;f:g 'quoted' \"x\" 3\n", text);
        Assert.Contains("main;rec;rec;rec 1\n", text);

        // flamegraph.pl reads each line as /^(.*)\s+?(\d+(?:\.\d*)?)$/ and splits the stack on ';'.
        var line = new Regex(@"^(.*)\s+?(\d+(?:\.\d*)?)$");
        long total = 0;
        foreach (string row in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Match match = line.Match(row);
            Assert.True(match.Success, row);
            Assert.Equal(match.Groups[1].Value.Split(';').Length, row[..row.LastIndexOf(' ')].Split(';').Length);
            total += long.Parse(match.Groups[2].Value);
        }

        Assert.Equal(10, total);
    }

    [Fact]
    public void EmptyProfileIsEmpty()
    {
        Assert.Equal("", SampleProfiles.RenderText("folded", SampleProfiles.Empty()));
    }
}
