using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lantern.Observability.Profiling;
using Lantern.Observability.Profiling.Formats;

namespace Lantern.Observability.Tests.Profiling.Formats;

public sealed class PprofWriterTests
{
    [Fact]
    public void GoToolPprofTopMatchesFlatAndCum()
    {
        using TempFile file = ExternalTools.Temp(SampleProfiles.Render("pprof", SampleProfiles.Shares()), ".pb.gz");
        (string header, Dictionary<string, (string Flat, string Cum)> rows) = Top(file.Path, "-sample_index=samples");
        Assert.Contains("Type: samples", header);
        Assert.Contains("of 100 total", header);
        Assert.Equal(("70", "70"), rows["hot"]);
        Assert.Equal(("20", "20"), rows["warm"]);
        Assert.Equal(("7", "7"), rows["cold"]);
        Assert.Equal(("3", "3"), rows["memcpy"]);
        Assert.Equal(("0", "93"), rows["compute"]);
        Assert.Equal(("0", "100"), rows["main"]);
        Assert.Equal(6, rows.Count);
    }

    [Fact]
    public void GoToolPprofReadsCpuTimeFromThePeriod()
    {
        // 1000 Hz: one sample is 1 ms of CPU time; cpu is the default (last) sample type.
        using TempFile file = ExternalTools.Temp(SampleProfiles.Render("pprof", SampleProfiles.Shares()), ".pb.gz");
        (string header, Dictionary<string, (string Flat, string Cum)> rows) = Top(file.Path);
        Assert.Contains("Type: cpu", header);
        Assert.Contains("Duration: 104ms", header);
        Assert.Equal(("70ms", "70ms"), rows["hot"]);
        Assert.Equal(("0", "93ms"), rows["compute"]);
    }

    [Fact]
    public void GoToolPprofSeesLinesAndComments()
    {
        using TempFile file = ExternalTools.Temp(SampleProfiles.Render("pprof", SampleProfiles.Shares()), ".pb.gz");
        (_, Dictionary<string, (string Flat, string Cum)> rows) = Top(file.Path, "-sample_index=samples", "-lines");
        Assert.Equal(("70", "70"), rows["hot shares.c:12"]);
        Assert.Equal(("0", "70"), rows["compute shares.c:20"]);
        Assert.Equal(("0", "93"), rows["main shares.c:30"]);

        (int exit, string stdout, string stderr) = ToolRunner.Run("go", "golang-go", "tool", "pprof", "-comments", file.Path);
        Assert.True(exit == 0, stderr);
        Assert.Contains("engine: perf_event cpu-clock", stdout);
        Assert.Contains("requested rate: 1000 Hz", stdout);
        Assert.Contains("samples expected: 104", stdout);
        Assert.Contains("samples received: 100", stdout);
        Assert.Contains("samples dropped: 2", stdout);
    }

    [Fact]
    public void PprofFormatDecoderReadsEverything()
    {
        Profile profile = SampleProfiles.Shares();
        using TempFile file = ExternalTools.Temp(SampleProfiles.Render("pprof", profile), ".pb.gz");
        (int exit, string stdout, string stderr) = ExternalTools.Node("decode-pprof.js", file.Path);
        Assert.True(exit == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement root = document.RootElement;
        Assert.Equal("", root.GetProperty("firstString").GetString());
        Assert.Equal("[[\"samples\",\"count\"],[\"cpu\",\"nanoseconds\"]]", root.GetProperty("sampleTypes").GetRawText());
        Assert.Equal("[\"cpu\",\"nanoseconds\"]", root.GetProperty("periodType").GetRawText());
        Assert.Equal(1_000_000, root.GetProperty("period").GetInt64());
        Assert.Equal(104_000_000, root.GetProperty("durationNanos").GetInt64());
        string[] comments = root.GetProperty("comments").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Contains("program: shares.c", comments);
        Assert.Contains("samples dropped: 2", comments);

        // One mapping per module, spanning the addresses seen in it.
        JsonElement[] mappings = root.GetProperty("mappings").EnumerateArray().ToArray();
        Assert.Equal(2, mappings.Length);
        Assert.Equal(SampleProfiles.JitModule, mappings[0].GetProperty("filename").GetString());
        Assert.Equal(0x7f00_0000_0100, mappings[0].GetProperty("start").GetInt64());
        Assert.Equal(0x7f00_0000_0501, mappings[0].GetProperty("limit").GetInt64());
        Assert.True(mappings[0].GetProperty("hasFunctions").GetBoolean());
        Assert.True(mappings[0].GetProperty("hasLineNumbers").GetBoolean());
        Assert.Equal(SampleProfiles.Libc, mappings[1].GetProperty("filename").GetString());
        Assert.False(mappings[1].GetProperty("hasLineNumbers").GetBoolean());

        // Samples: leaf first, values [count, count * period], each location with function, file and line.
        JsonElement[] samples = root.GetProperty("samples").EnumerateArray().ToArray();
        Assert.Equal(profile.Stacks.Count, samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            ProfileStack stack = profile.Stacks[i];
            Assert.Equal($"[{stack.Count},{stack.Count * 1_000_000}]", samples[i].GetProperty("values").GetRawText());
            JsonElement[] frames = samples[i].GetProperty("stack").EnumerateArray().ToArray();
            Assert.Equal(stack.Frames.Count, frames.Length);
            for (int j = 0; j < frames.Length; j++)
            {
                ProfileFrame expected = stack.Frames[stack.Frames.Count - 1 - j];
                Assert.Equal(expected.Function, frames[j].GetProperty("function").GetString());
                Assert.Equal(expected.File ?? "", frames[j].GetProperty("file").GetString());
                Assert.Equal(expected.Line, frames[j].GetProperty("line").GetInt32());
                Assert.Equal((long)expected.Address, frames[j].GetProperty("address").GetInt64());
                Assert.Equal(expected.Module, frames[j].GetProperty("module").GetString());
            }
        }

        // Distinct functions: main, compute, hot, warm, cold, memcpy; distinct addresses: 9.
        Assert.Equal(6, root.GetProperty("functionCount").GetInt32());
        Assert.Equal(9, root.GetProperty("locationCount").GetInt32());
    }

    [Fact]
    public void FramesWithoutAddressesGetOneLocationPerLine()
    {
        Profile shares = SampleProfiles.Shares();
        var profile = new Profile(shares.Metadata,
            shares.Stacks.Select(s => new ProfileStack(s.Frames.Select(f => f with { Address = 0 }).ToArray(), s.Count)).ToArray());
        using TempFile file = ExternalTools.Temp(SampleProfiles.Render("pprof", profile), ".pb.gz");
        (_, Dictionary<string, (string Flat, string Cum)> rows) = Top(file.Path, "-sample_index=samples");
        Assert.Equal(("70", "70"), rows["hot"]);
        Assert.Equal(("0", "100"), rows["main"]);
        (_, rows) = Top(file.Path, "-sample_index=samples", "-lines");
        Assert.Equal(("0", "3"), rows["compute shares.c:22"]);

        (int exit, string stdout, string stderr) = ExternalTools.Node("decode-pprof.js", file.Path);
        Assert.True(exit == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        Assert.Equal(9, document.RootElement.GetProperty("locationCount").GetInt32());
        Assert.Equal(0, document.RootElement.GetProperty("mappings")[0].GetProperty("limit").GetInt64());
    }

    [Fact]
    public void WallClockProfileSaysWall()
    {
        Profile profile = SampleProfiles.Shares() with { Metadata = SampleProfiles.Metadata with { Wall = true, RequestedHz = 250 } };
        using TempFile file = ExternalTools.Temp(SampleProfiles.Render("pprof", profile), ".pb.gz");
        (string header, Dictionary<string, (string Flat, string Cum)> rows) = Top(file.Path);
        Assert.Contains("Type: wall", header);
        Assert.Equal(("280ms", "280ms"), rows["hot"]);
    }

    [Fact]
    public void NastyAndEmptyProfilesDecode()
    {
        using TempFile nasty = ExternalTools.Temp(SampleProfiles.Render("pprof", SampleProfiles.Nasty()), ".pb.gz");
        (_, Dictionary<string, (string Flat, string Cum)> rows) = Top(nasty.Path, "-sample_index=samples");
        // pprof shortens C++-like names for display (parameters and template arguments go).
        Assert.Equal(("6", "6"), rows["operator<<"]);
        Assert.Equal(("0", "3"), rows["vector::push_back"]);
        Assert.Equal(("3", "3"), rows["f;g 'quoted' \"x\""]);
        Assert.Equal(("1", "1"), rows["rec"]);

        using TempFile empty = ExternalTools.Temp(SampleProfiles.Render("pprof", SampleProfiles.Empty()), ".pb.gz");
        (int exit, string stdout, string stderr) = ExternalTools.Node("decode-pprof.js", empty.Path);
        Assert.True(exit == 0, stderr);
        Assert.Contains("\"samples\":[]", stdout);
    }

    [Fact]
    public void OutputIsGzip()
    {
        byte[] bytes = SampleProfiles.Render("pprof", SampleProfiles.Shares());
        Assert.Equal(0x1f, bytes[0]);
        Assert.Equal(0x8b, bytes[1]);
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(PprofWriter.Encode(SampleProfiles.Shares()), plain.ToArray());
    }

    /// <summary>Runs <c>go tool pprof -top</c>; returns the header and flat/cum per row label.</summary>
    private static (string Header, Dictionary<string, (string Flat, string Cum)> Rows) Top(string path, params string[] options)
    {
        (int exit, string stdout, string stderr) = ToolRunner.Run("go", "golang-go", ["tool", "pprof", "-top", .. options, path]);
        Assert.True(exit == 0, $"go tool pprof failed: {stderr}");
        var row = new Regex(@"^\s*(\S+)\s+[\d.]+%\s+[\d.]+%\s+(\S+)\s+[\d.]+%\s+(.+)$");
        var rows = new Dictionary<string, (string, string)>();
        var header = new List<string>();
        foreach (string line in stdout.Split('\n'))
        {
            Match match = row.Match(line);
            if (match.Success)
            {
                rows.Add(match.Groups[3].Value.Trim(), (match.Groups[1].Value, match.Groups[2].Value));
            }
            else
            {
                header.Add(line);
            }
        }

        return (string.Join('\n', header) + "\n" + stderr, rows);
    }
}
