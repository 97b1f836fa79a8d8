using System.Text;
using System.Text.Json;
using Lantern.Observability.Profiling;
using Lantern.Observability.Profiling.Formats;

namespace Lantern.Observability.Tests.Profiling.Formats;

public sealed class SpeedscopeWriterTests
{
    [Fact]
    public void SampledProfileWithFramesCarryingFileAndLine()
    {
        Profile profile = SampleProfiles.Shares();
        using JsonDocument document = JsonDocument.Parse(SampleProfiles.Render("speedscope", profile));
        JsonElement root = document.RootElement;
        Assert.Equal("https://www.speedscope.app/file-format-schema.json", root.GetProperty("$schema").GetString());
        Assert.Equal("shares.c", root.GetProperty("name").GetString());

        JsonElement[] frames = root.GetProperty("shared").GetProperty("frames").EnumerateArray().ToArray();
        JsonElement sampled = Assert.Single(root.GetProperty("profiles").EnumerateArray());
        Assert.Equal("sampled", sampled.GetProperty("type").GetString());
        Assert.Equal("none", sampled.GetProperty("unit").GetString());
        Assert.Equal(0, sampled.GetProperty("startValue").GetInt64());
        Assert.Equal(100, sampled.GetProperty("endValue").GetInt64());
        Assert.Contains("100 received", sampled.GetProperty("name").GetString());
        Assert.Contains("2 dropped", sampled.GetProperty("name").GetString());

        // Each sample, read back through the frame table, is the input stack (root first) with its count.
        JsonElement[] samples = sampled.GetProperty("samples").EnumerateArray().ToArray();
        long[] weights = sampled.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()).ToArray();
        Assert.Equal(profile.Stacks.Count, samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            string[] stack = samples[i].EnumerateArray().Select(index => Describe(frames[index.GetInt32()])).ToArray();
            Assert.Equal(profile.Stacks[i].Frames.Select(f => f.ToString()), stack);
            Assert.Equal(profile.Stacks[i].Count, weights[i]);
        }

        // main appears at lines 30 and 32: two frames; compute at 20, 21, 22: three.
        Assert.Equal(2, frames.Count(f => f.GetProperty("name").GetString() == "main"));
        Assert.Equal(3, frames.Count(f => f.GetProperty("name").GetString() == "compute"));
        Assert.False(frames.Single(f => f.GetProperty("name").GetString() == "memcpy").TryGetProperty("file", out _));
    }

    [Fact]
    public void FunctionFramesWithoutLines()
    {
        using JsonDocument document = JsonDocument.Parse(SampleProfiles.Render("speedscope", SampleProfiles.Shares(), new ProfileWriteOptions { FrameLines = false }));
        JsonElement[] frames = document.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().ToArray();
        Assert.Equal(["main", "compute", "hot", "warm", "cold", "memcpy"], frames.Select(f => f.GetProperty("name").GetString()));
        Assert.All(frames, f => Assert.False(f.TryGetProperty("line", out _)));
        Assert.Equal("shares.c", frames[0].GetProperty("file").GetString());
    }

    [Fact]
    public void ValidatesAgainstSpeedscopeSchema()
    {
        foreach (Profile profile in new[] { SampleProfiles.Shares(), SampleProfiles.Nasty(), SampleProfiles.Empty() })
        {
            using TempFile file = ExternalTools.Temp(SampleProfiles.Render("speedscope", profile), ".speedscope.json");
            (int exit, string stdout, string stderr) = ExternalTools.Node("validate-speedscope.js", file.Path);
            Assert.True(exit == 0, $"{profile.Metadata.Program}: {stdout}{stderr}");
            Assert.Contains("valid against", stdout);
        }
    }

    [Fact]
    public void TheValidatorRejectsABrokenFile()
    {
        // The same file with a frame lacking its required name: proves the validation is real.
        string json = Encoding.UTF8.GetString(SampleProfiles.Render("speedscope", SampleProfiles.Shares()));
        string broken = json.Replace("{\"name\":\"hot\"", "{\"label\":\"hot\"");
        Assert.NotEqual(json, broken);
        using TempFile file = ExternalTools.Temp(Encoding.UTF8.GetBytes(broken), ".speedscope.json");
        (int exit, _, string stderr) = ExternalTools.Node("validate-speedscope.js", file.Path);
        Assert.NotEqual(0, exit);
        Assert.Contains("name", stderr);
    }

    [Fact]
    public void NamesNeedingEscapesSurviveTheRoundTrip()
    {
        using JsonDocument document = JsonDocument.Parse(SampleProfiles.Render("speedscope", SampleProfiles.Nasty()));
        string[] names = document.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString()!).ToArray();
        Assert.Contains("operator<<(std::ostream&, T const&)", names);
        Assert.Contains("f;g 'quoted' \"x\"", names);
        Assert.Equal("nasty <&> \"prog\"", document.RootElement.GetProperty("name").GetString());
    }

    private static string Describe(JsonElement frame)
    {
        string name = frame.GetProperty("name").GetString()!;
        return frame.TryGetProperty("file", out JsonElement file)
            ? $"{name} ({file.GetString()}:{frame.GetProperty("line").GetInt32()})"
            : name;
    }
}
