using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Lantern.Observability.Profiling;
using Lantern.Observability.Profiling.Formats;

namespace Lantern.Observability.Tests.Profiling.Formats;

public sealed class FlameGraphWriterTests
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";
    private static readonly XNamespace s_fg = FlameGraphWriter.FgNamespace;

    [Fact]
    public void WellFormedSvgWithEveryFrame()
    {
        XDocument document = Parse(SampleProfiles.Shares());
        XElement root = document.Root!;
        Assert.Equal(s_svg + "svg", root.Name);
        Assert.Equal("init(evt)", root.Attribute("onload")!.Value);
        Assert.Equal("Flame Graph: shares.c", Text(root, "title"));
        string subtitle = Text(root, "subtitle");
        Assert.Equal("perf_event cpu-clock, 1000 Hz: 104 samples expected, 100 received, 2 dropped, 0.104 s", subtitle);

        Dictionary<string, XElement> frames = Frames(document).ToDictionary(f => Title(f));
        Assert.Equal(
            [
                "all (100 samples, 100.00%)", "main (100 samples, 100.00%)", "cold (7 samples, 7.00%)",
                "compute (93 samples, 93.00%)", "hot (70 samples, 70.00%)", "memcpy (3 samples, 3.00%)", "warm (20 samples, 20.00%)",
            ],
            frames.Keys);

        // Widths are proportional to samples over 1180 px (1200 less two 10 px margins); the root is at the bottom.
        Assert.Equal(1180, Width(frames["all (100 samples, 100.00%)"]), 2);
        Assert.Equal(826, Width(frames["hot (70 samples, 70.00%)"]), 2);
        Assert.Equal(82.6, Width(frames["cold (7 samples, 7.00%)"]), 2);
        Assert.True(Y(frames["all (100 samples, 100.00%)"]) > Y(frames["main (100 samples, 100.00%)"]));
        Assert.True(Y(frames["main (100 samples, 100.00%)"]) > Y(frames["hot (70 samples, 70.00%)"]));

        // Siblings in name order: cold before compute; hot, memcpy, warm left to right under compute.
        XElement compute = frames["compute (93 samples, 93.00%)"];
        Assert.Equal("7", compute.Attribute(s_fg + "x")!.Value);
        Assert.Equal("93", compute.Attribute(s_fg + "w")!.Value);
        Assert.Equal("77", frames["memcpy (3 samples, 3.00%)"].Attribute(s_fg + "x")!.Value);
        Assert.Equal("80", frames["warm (20 samples, 20.00%)"].Attribute(s_fg + "x")!.Value);
    }

    [Fact]
    public void ColoursAreDeterministicByName()
    {
        byte[] first = SampleProfiles.Render("flamegraph", SampleProfiles.Shares());
        Assert.Equal(first, SampleProfiles.Render("flamegraph", SampleProfiles.Shares()));

        // main has two frames with lines (30 and 32 are merged without lines; with lines they are separate boxes).
        XDocument document = Parse(SampleProfiles.Shares(), new ProfileWriteOptions { FrameLines = true });
        XElement[] mains = Frames(document).Where(f => Title(f).StartsWith("main (", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, mains.Length);
        Assert.Equal(Fill(mains[0]), Fill(mains[1]));
        Assert.NotEqual(Fill(mains[0]), Fill(Frames(document).First(f => Title(f).StartsWith("hot", StringComparison.Ordinal))));
        Assert.Contains(Frames(document), f => Title(f) == "hot (shares.c:12) (70 samples, 70.00%)");
    }

    [Fact]
    public void NamesAreEscaped()
    {
        string svg = SampleProfiles.RenderText("flamegraph", SampleProfiles.Nasty(), new ProfileWriteOptions { Title = "T <&> \u0001" });
        Assert.Contains("operator&lt;&lt;(std::ostream&amp;, T const&amp;)", svg);
        XDocument document = XDocument.Parse(svg);
        string[] titles = Frames(document).Select(Title).ToArray();
        Assert.Contains("operator<<(std::ostream&, T const&) (6 samples, 60.00%)", titles);
        Assert.Contains("vector<int>::push_back (3 samples, 30.00%)", titles);
        Assert.Contains("f;g 'quoted' \"x\" (3 samples, 30.00%)", titles);
        Assert.Equal("T <&> \uFFFD", Text(document.Root!, "title"));
        Assert.Equal("Flame Graph: nasty <&> \"prog\"", Text(Parse(SampleProfiles.Nasty()).Root!, "title"));
    }

    [Fact]
    public void EmptyProfileIsAValidSvg()
    {
        XDocument document = Parse(SampleProfiles.Empty());
        Assert.Empty(Frames(document));
        Assert.Contains("no samples", document.Root!.ToString());

        // The script copes: searching and resetting an empty graph raise nothing.
        JsonElement state = Dom(SampleProfiles.Empty(), "search:x", "unzoom", "escape");
        Assert.Equal(0, state.GetProperty("frames").GetArrayLength());
    }

    [Fact]
    public void DeepStacksAndTinyFrames()
    {
        // 10,000 frames deep (a recursive program) draws every level; a frame under 0.1 px is left out.
        ProfileFrame[] deep = Enumerable.Range(0, 10_000).Select(i => SampleProfiles.Jit("rec", "r.c", 5, 0x10)).ToArray();
        var profile = new Profile(SampleProfiles.Metadata,
        [
            new(deep, 99_999),
            new([SampleProfiles.Jit("main", "r.c", 9, 0x20), SampleProfiles.Jit("rare", "r.c", 2, 0x30)], 1),
        ]);
        XDocument document = Parse(profile);
        string[] titles = Frames(document).Select(Title).ToArray();
        Assert.Equal(10_001, titles.Length);
        Assert.Equal(10_000, titles.Count(t => t == "rec (99999 samples, 100.00%)"));
        Assert.DoesNotContain(titles, t => t.StartsWith("main", StringComparison.Ordinal));
        foreach (string format in ProfileWriters.Names)
        {
            Assert.NotEmpty(SampleProfiles.Render(format, profile));
        }
    }

    [Fact]
    public void EmbeddedScriptParses()
    {
        string script = Parse(SampleProfiles.Shares()).Root!.Element(s_svg + "script")!.Value;
        Assert.Contains("function zoom", script);
        using TempFile file = ExternalTools.Temp(Encoding.UTF8.GetBytes(script), ".js");
        (int exit, _, string stderr) = ToolRunner.Run("node", "nodejs", "--check", file.Path);
        Assert.True(exit == 0, stderr);

        // node --check really checks: a broken copy fails.
        using TempFile broken = ExternalTools.Temp(Encoding.UTF8.GetBytes(script + "\nfunction ("), ".js");
        Assert.NotEqual(0, ToolRunner.Run("node", "nodejs", "--check", broken.Path).ExitCode);
    }

    [Fact]
    public void ClickZoomsAndResetRestores()
    {
        JsonElement state = Dom(SampleProfiles.Shares(), "zoom:compute");
        Assert.False(state.GetProperty("unzoomHidden").GetBoolean());
        Assert.Equal(1180, Frame(state, "compute").GetProperty("width").GetDouble(), 1);
        Assert.Equal(10, Frame(state, "compute").GetProperty("x").GetDouble(), 1);
        Assert.Equal(1180 * 70 / 93.0, Frame(state, "hot").GetProperty("width").GetDouble(), 1);
        Assert.Equal(10 + (1180 * 70 / 93.0), Frame(state, "memcpy").GetProperty("x").GetDouble(), 1);
        Assert.True(Frame(state, "main").GetProperty("parent").GetBoolean());
        Assert.True(Frame(state, "all").GetProperty("parent").GetBoolean());
        Assert.True(Frame(state, "cold").GetProperty("hidden").GetBoolean());
        Assert.Equal("me..", Frame(state, "memcpy").GetProperty("text").GetString()); // 38 px: trimmed
        Assert.Equal("compute", Frame(state, "compute").GetProperty("text").GetString());

        JsonElement reset = Dom(SampleProfiles.Shares(), "zoom:compute", "unzoom");
        Assert.True(reset.GetProperty("unzoomHidden").GetBoolean());
        Assert.Equal(826, Frame(reset, "hot").GetProperty("width").GetDouble(), 1);
        Assert.Equal(10 + 82.6, Frame(reset, "compute").GetProperty("x").GetDouble(), 1);
        Assert.False(Frame(reset, "cold").GetProperty("hidden").GetBoolean());
        Assert.False(Frame(reset, "main").GetProperty("parent").GetBoolean());
        Assert.Equal("Function: all (100 samples, 100.00%)", reset.GetProperty("hoverDetails").GetString());
    }

    [Fact]
    public void SearchHighlightsAndCountsNestedMatchesOnce()
    {
        JsonElement state = Dom(SampleProfiles.Shares(), "search:^(compute|hot|warm)$");
        Assert.Equal("Matched: 93.0%", state.GetProperty("matched").GetString());
        Assert.Equal("Reset Search", state.GetProperty("search").GetString());
        Assert.Equal("rgb(230,0,230)", Frame(state, "hot").GetProperty("fill").GetString());
        Assert.NotEqual("rgb(230,0,230)", Frame(state, "cold").GetProperty("fill").GetString());

        Assert.Equal("Matched: 0.0%", Dom(SampleProfiles.Shares(), "search:HOT").GetProperty("matched").GetString());
        Assert.Equal("Matched: 70.0%", Dom(SampleProfiles.Shares(), "ignorecase", "search:HOT").GetProperty("matched").GetString());
        Assert.Equal("Matched: 10.0%", Dom(SampleProfiles.Shares(), "search:^(cold|memcpy)$").GetProperty("matched").GetString());

        JsonElement cleared = Dom(SampleProfiles.Shares(), "search:hot", "escape");
        Assert.Equal(" ", cleared.GetProperty("matched").GetString());
        Assert.Equal("Search", cleared.GetProperty("search").GetString());
        JsonElement plain = Dom(SampleProfiles.Shares());
        Assert.Equal(Frame(plain, "hot").GetProperty("fill").GetString(), Frame(cleared, "hot").GetProperty("fill").GetString());
    }

    private static JsonElement Dom(Profile profile, params string[] actions)
    {
        using TempFile file = ExternalTools.Temp(SampleProfiles.Render("flamegraph", profile), ".svg");
        (int exit, string stdout, string stderr) = ExternalTools.Node("flamegraph-dom.js", [file.Path, .. actions]);
        Assert.True(exit == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static JsonElement Frame(JsonElement state, string label) =>
        state.GetProperty("frames").EnumerateArray().Single(f => f.GetProperty("label").GetString() == label);

    private static XDocument Parse(Profile profile, ProfileWriteOptions? options = null) =>
        XDocument.Parse(SampleProfiles.RenderText("flamegraph", profile, options));

    private static IEnumerable<XElement> Frames(XDocument document) =>
        document.Root!.Elements(s_svg + "g").Single(g => (string?)g.Attribute("id") == "frames").Elements(s_svg + "g");

    private static string Title(XElement frame) => frame.Element(s_svg + "title")!.Value;

    private static double Width(XElement frame) => double.Parse(frame.Element(s_svg + "rect")!.Attribute("width")!.Value);

    private static double Y(XElement frame) => double.Parse(frame.Element(s_svg + "rect")!.Attribute("y")!.Value);

    private static string Fill(XElement frame) => frame.Element(s_svg + "rect")!.Attribute("fill")!.Value;

    private static string Text(XElement root, string id) =>
        root.Elements(s_svg + "text").Single(t => (string?)t.Attribute("id") == id).Value;
}
