using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Lantern.Cli.Tests.Tools;
using Lantern.Observability;

namespace Lantern.Cli.Tests.Prof;

/// <summary>
/// Every output format of a real <c>lantern prof</c> run, read back by its own tools (go tool pprof, the npm
/// pprof-format decoder, ajv against speedscope's schema, System.Xml), and the figures agree exactly across
/// formats: they are six views of one profile. tests/tools/node is installed by scripts/test (npm ci).
/// </summary>
public sealed class ProfFormatsReadBackTests : IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create("lantern-prof-formats-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AllSixFormatsAgree()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "shares.c"), ProfCommandTests.Shares.Replace("round < 4000", "round < 1500"));
        ProcessResult r = LanternProcess.Run(
            ["prof", "--format", "flamegraph,folded,speedscope,pprof,text,annotate", "-o", "out", "shares.c"],
            workingDirectory: _dir.Path, timeoutSeconds: 300);
        Assert.True(r.ExitCode == 0, r.ToString());
        string Output(string extension) => Path.Combine(_dir.Path, "out" + extension);

        // Folded stacks: the reference figures (self samples per leaf function, total).
        var self = new Dictionary<string, long>();
        long total = 0;
        foreach (string line in File.ReadAllLines(Output(".folded")))
        {
            Match m = Regex.Match(line, @"^(.*) (\d+)$");
            Assert.True(m.Success, line);
            string leaf = m.Groups[1].Value.Split(';')[^1];
            long count = long.Parse(m.Groups[2].Value);
            self[leaf] = self.GetValueOrDefault(leaf) + count;
            total += count;
        }

        Assert.True(total > 100, $"only {total} samples");
        Assert.True(self.GetValueOrDefault("a") > total / 2, string.Join(", ", self));

        // go tool pprof: flat = self, cum of main = all samples (every stack unwinds to main).
        ToolCheck.Require("go", "golang-go");
        ProcessResult top = LanternProcess.RunProcess("go", ["tool", "pprof", "-top", "-sample_index=samples", Output(".pb.gz")], workingDirectory: _dir.Path);
        Assert.True(top.ExitCode == 0, top.ToString());
        var rows = new Dictionary<string, (long Flat, long Cum)>();
        foreach (Match m in Regex.Matches(top.Stdout, @"^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(\S+)\s*$", RegexOptions.Multiline))
        {
            rows[m.Groups[3].Value] = (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value));
        }

        Assert.Contains($"of {total} total", top.Stdout);
        foreach (string function in new[] { "a", "b", "c" })
        {
            Assert.Equal(self[function], rows[function].Flat);
        }

        Assert.Equal(total, rows["main"].Cum);

        // pprof-format decodes the same samples.
        JsonElement decoded = Node("decode-pprof.js", Output(".pb.gz"));
        Assert.Equal(total, decoded.GetProperty("samples").EnumerateArray().Sum(s => s.GetProperty("values")[0].GetInt64()));
        Assert.Contains("engine: ", decoded.GetProperty("comments")[1].GetString());

        // speedscope: valid against its schema, weights add up.
        Assert.Contains("valid against", NodeText("validate-speedscope.js", Output(".speedscope.json")));
        using (JsonDocument speedscope = JsonDocument.Parse(File.ReadAllText(Output(".speedscope.json"))))
        {
            JsonElement profile = speedscope.RootElement.GetProperty("profiles")[0];
            Assert.Equal(total, profile.GetProperty("weights").EnumerateArray().Sum(w => w.GetInt64()));
        }

        // Flame graph: well-formed, the root holds every sample, a's box says its self share.
        XDocument svg = XDocument.Load(Output(".svg"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        string[] titles = svg.Descendants(ns + "title").Select(t => t.Value).ToArray();
        Assert.Contains($"all ({total} samples, 100.00%)", titles);
        Assert.Contains(titles, t => t.StartsWith($"a ({self["a"]} samples, ", StringComparison.Ordinal));

        // Text summary and annotated source: the same self figure for a.
        string text = File.ReadAllText(Output(".txt"));
        Assert.Matches(new Regex($@"^\s+{self["a"]}\s+[\d.]+%\s+{self["a"]}\s+[\d.]+%\s+a \(", RegexOptions.Multiline), text);
        string annotated = File.ReadAllText(Output(".annotated.txt"));
        Assert.Contains("shares.c <== ", annotated);
        Assert.Contains("| int main(void)", annotated);
    }

    private static string NodeText(string script, string file)
    {
        string directory = Path.Combine(LanternProcess.RepositoryRoot, "tests", "tools", "node");
        if (!Directory.Exists(Path.Combine(directory, "node_modules")))
        {
            Assert.Fail($"{directory}/node_modules is missing: run scripts/test, or `npm ci` in {directory}");
        }

        ToolCheck.Require("node", "nodejs");
        ProcessResult r = LanternProcess.RunProcess("node", [Path.Combine(directory, script), file]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    private static JsonElement Node(string script, string file) => JsonDocument.Parse(NodeText(script, file)).RootElement.Clone();
}
