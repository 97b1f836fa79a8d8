using System.Text.Json.Nodes;
using Lantern.Observability;

namespace Lantern.Cli.Tests.Dbg;

/// <summary>
/// <c>lantern dbg --json</c>: every request the tests send and every message lantern writes validates against
/// docs/dbg-json.schema.json (checked by ajv, tests/tools/node/validate-dbg-json.js), and the messages carry what
/// the text mode prints.
/// </summary>
public class DbgJsonTests
{
    private static readonly string s_schema = Path.Combine(LanternProcess.RepositoryRoot, "docs", "dbg-json.schema.json");

    private static readonly string[] s_requests =
    [
        """{"id":1,"command":"break","arguments":"square"}""",
        """{"id":2,"line":"tbreak prog.c:26"}""",
        """{"id":3,"command":"run"}""",
        """{"id":4,"command":"bt"}""",
        """{"id":5,"command":"print","arguments":["n","*","2"]}""",
        """{"id":"six","line":"print nosuch"}""",
        """{"id":7,"line":"display/x n"}""",
        """{"id":8,"line":"info locals"}""",
        """{"id":9,"line":"info args"}""",
        """{"id":10,"line":"info registers rip"}""",
        """{"id":11,"line":"watch counter"}""",
        """{"id":12,"line":"frame 1"}""",
        """{"id":13,"line":"info breakpoints"}""",
        """{"id":14,"line":"down"}""",
        """{"id":15,"line":"finish"}""",
        """{"id":16,"line":"next"}""",
        """{"id":17,"line":"continue"}""",
        """{"id":18,"line":"continue"}""",
        """{"id":19,"line":"continue"}""",
        """{"id":20,"line":"info frame"}""",
        """{"id":21,"line":"frobnicate"}""",
        """{"id":22,"line":"run"}""",
        """{"id":23,"line":"kill"}""",
    ];

    private static List<JsonObject> Session(string target, IEnumerable<string> requests, params string[] extraArgs)
    {
        var args = new List<string> { "dbg", "--json" };
        args.AddRange(DbgFixture.TargetArgs(target));
        args.AddRange(extraArgs);
        args.Add(DbgFixture.PathOf("prog.c"));
        ProcessResult r = LanternProcess.Run(args, stdin: string.Join("\n", requests) + "\n", workingDirectory: DbgFixture.Directory_);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(r.Stderr.Length == 0, r.ToString());
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Validate("message", lines);
        return lines.Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
    }

    /// <summary>Validates JSON lines against a definition of the schema with ajv.</summary>
    private static void Validate(string definition, IReadOnlyList<string> lines)
    {
        using TempFile file = TempFile.CreateWithText(string.Join("\n", lines) + "\n", "lantern-dbg-json-", ".jsonl");
        string node = Path.Combine(LanternProcess.RepositoryRoot, "tests", "tools", "node");
        Assert.True(Directory.Exists(Path.Combine(node, "node_modules")), $"{node}/node_modules is missing: run scripts/test, or `npm ci` in {node}");
        ProcessResult r = LanternProcess.RunProcess("node", [Path.Combine(node, "validate-dbg-json.js"), s_schema, definition, file.Path]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{lines.Count} {definition} lines valid\n", r.Stdout);
    }

    [Fact]
    public void Requests_ValidateAgainstTheSchema_AndInvalidOnesDoNot()
    {
        Validate("request", s_requests);
        foreach (string bad in new[] { """{"id":1}""", """{"command":"run","line":"run"}""", """{"command":""}""", """{"line":"run","extra":1}""" })
        {
            using TempFile file = TempFile.CreateWithText(bad + "\n", "lantern-dbg-json-", ".jsonl");
            string node = Path.Combine(LanternProcess.RepositoryRoot, "tests", "tools", "node");
            ProcessResult r = LanternProcess.RunProcess("node", [Path.Combine(node, "validate-dbg-json.js"), s_schema, "request", file.Path]);
            Assert.True(r.ExitCode == 1, $"{bad} should be invalid\n{r}");
        }
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Session_EveryMessageValidates_AndCarriesTheResults(string target)
    {
        List<JsonObject> messages = Session(target, s_requests);
        Assert.Equal("initialized", (string?)messages[0]["event"]);
        Assert.Equal(target, (string?)messages[0]["body"]!["target"]);
        Assert.Equal("terminated", (string?)messages[^1]["event"]);

        // one response per request, in order, with the request's id
        var responses = messages.Where(m => (string?)m["type"] == "response").ToList();
        Assert.Equal(s_requests.Length, responses.Count);
        for (int i = 0; i < s_requests.Length; i++)
        {
            Assert.Equal(JsonNode.Parse(s_requests[i])!["id"]!.ToJsonString(), responses[i]["id"]!.ToJsonString());
        }

        JsonObject Response(int id) => responses.Single(r => r["id"]!.ToJsonString() == id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // break: the breakpoint's number, function and line
        JsonNode bp = Response(1)["body"]!["breakpoint"]!;
        Assert.Equal(1, (int)bp["number"]!);
        Assert.Equal("square", (string?)bp["function"]);
        Assert.Equal(8, (int)bp["line"]!);
        Assert.StartsWith("Breakpoint 1 at 0x", (string?)Response(1)["output"]);

        // run: the stop event comes before the response
        int runIndex = messages.IndexOf(Response(3));
        JsonObject stop = messages[runIndex - 1];
        Assert.Equal("stopped", (string?)stop["event"]);
        Assert.Equal("breakpoint-hit", (string?)stop["body"]!["reason"]);
        Assert.Equal(1, (int)stop["body"]!["breakpoint"]!);
        Assert.Equal("square", (string?)stop["body"]!["frame"]!["function"]);
        Assert.Equal("n", (string?)stop["body"]!["frame"]!["args"]![0]!["name"]);
        Assert.Equal("3", (string?)stop["body"]!["frame"]!["args"]![0]!["value"]);
        Assert.Equal("\nBreakpoint 1, square (n=3) at prog.c:8\n8\t    int r = n * n;\n", (string?)stop["text"]);

        // bt, print, errors
        Assert.Equal(["square", "main"], Response(4)["body"]!["frames"]!.AsArray().Select(f => (string?)f!["function"]));
        Assert.Equal("6", (string?)Response(5)["body"]!["value"]!["value"]);
        Assert.Equal("int", (string?)Response(5)["body"]!["value"]!["type"]);
        JsonObject six = responses.Single(r => r["id"]?.ToJsonString() == "\"six\"");
        Assert.False((bool)six["success"]!);
        Assert.Equal("No symbol \"nosuch\" in current context.", (string?)six["message"]);
        Assert.Equal("Undefined command: \"frobnicate\".  Try \"help\".", (string?)Response(21)["message"]);

        // display: an event with the value
        Assert.Contains(messages, m => (string?)m["event"] == "display" && (string?)m["body"]!["value"] == "0x3");

        // info args / registers / breakpoints
        Assert.Equal("n", (string?)Response(9)["body"]!["variables"]![0]!["name"]);
        Assert.StartsWith("0x", (string?)Response(10)["body"]!["registers"]!["rip"]);
        Assert.Equal(3, Response(13)["body"]!["breakpoints"]!.AsArray().Count);

        // the watchpoint fires with old and new values; the program's output arrives as an output message before the exit
        JsonObject watch = messages.First(m => (string?)m["event"] == "stopped" && (string?)m["body"]!["reason"] == "watchpoint-trigger");
        Assert.Equal("0", (string?)watch["body"]!["oldValue"]);
        Assert.Equal("19", (string?)watch["body"]!["newValue"]);
        int output = messages.FindIndex(m => (string?)m["type"] == "output");
        int exited = messages.FindIndex(m => (string?)m["event"] == "exited");
        Assert.True(output >= 0 && output < exited);
        Assert.Equal("stdout", (string?)messages[output]["stream"]);
        Assert.Equal("counter=19\n", (string?)messages[output]["text"]);
        Assert.Equal(0, (int)messages[exited]["body"]!["exitCode"]!);
        Assert.Equal("No stack.", (string?)Response(20)["message"]);

        // run again, then kill
        Assert.Contains(messages.Skip(messages.IndexOf(Response(21))), m => (string?)m["event"] == "exited" && (string?)m["body"]!["reason"] == "killed");
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void BadRequests_GetAnErrorResponse_AndTheSessionGoesOn(string target)
    {
        List<JsonObject> messages = Session(target, ["not json", "[1,2]", """{"id":5}""", """{"id":6,"command":7}""", """{"id":7,"line":"print 6 * 7"}"""]);
        var responses = messages.Where(m => (string?)m["type"] == "response").ToList();
        Assert.Equal(5, responses.Count);
        Assert.All(responses.Take(4), r => Assert.False((bool)r["success"]!));
        Assert.All(responses.Take(4), r => Assert.StartsWith("invalid request: ", (string?)r["message"]));
        Assert.Equal("$1 = 42\n", (string?)responses[4]["output"]);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void ExCommands_InJsonMode_AreAnsweredWithNullIds(string target)
    {
        List<JsonObject> messages = Session(target, [], "--batch", "-ex", "break sum", "-ex", "run", "-ex", "p n");
        var responses = messages.Where(m => (string?)m["type"] == "response").ToList();
        Assert.Equal(["break", "run", "print"], responses.Select(r => (string?)r["command"]));
        Assert.All(responses, r => Assert.Null(r["id"]));
        Assert.Equal("$1 = 4\n", (string?)responses[2]["output"]);
    }
}
