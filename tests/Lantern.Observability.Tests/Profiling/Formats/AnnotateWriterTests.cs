using Lantern.Observability.Profiling.Formats;

namespace Lantern.Observability.Tests.Profiling.Formats;

public sealed class AnnotateWriterTests
{
    [Fact]
    public void SourceLinesCarryTheirSamples()
    {
        string directory = Directory.CreateTempSubdirectory("lantern-annotate-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(directory, "shares.c"), Enumerable.Range(1, 40).Select(i => $"line {i} text"));
            string text = SampleProfiles.RenderText("annotate", SampleProfiles.Shares(), new ProfileWriteOptions { SourceDirectory = directory });
            string[] lines = text.Split('\n');
            Assert.Equal("Source annotated with samples: shares.c", lines[0]);
            Assert.Contains("perf_event cpu-clock, 1000 Hz: 104 samples expected, 100 received, 2 dropped", lines[1]);
            Assert.Contains("==> shares.c <== 97 self samples (97.0%)", lines);

            // self, self%, total, total%, line, text
            Assert.Contains("      70  70.0%       70  70.0%    12 | line 12 text", lines);
            Assert.Contains("      20  20.0%       20  20.0%     8 | line 8 text", lines);
            Assert.Contains("                      93  93.0%    30 | line 30 text", lines);
            Assert.Contains("                       7   7.0%    32 | line 32 text", lines);
            Assert.Contains("                      70  70.0%    20 | line 20 text", lines);
            Assert.Contains(new string(' ', 31) + "     1 | line 1 text", lines);
            Assert.Equal(40, lines.Count(line => line.Contains(" | line ")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void MissingSourceGetsANoteAndItsFigures()
    {
        string text = SampleProfiles.RenderText("annotate", SampleProfiles.Shares("no/such/file.c"),
            new ProfileWriteOptions { SourceDirectory = "/nonexistent-lantern" });
        Assert.Contains("(source not found: /nonexistent-lantern/no/such/file.c; the lines with samples follow)", text);
        Assert.Contains("      70  70.0%       70  70.0%    12 |\n", text);
    }

    [Fact]
    public void ProfileWithoutPositions()
    {
        Assert.Contains("(no samples with a source position)", SampleProfiles.RenderText("annotate", SampleProfiles.Empty()));
    }
}
