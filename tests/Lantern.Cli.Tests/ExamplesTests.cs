using Lantern.Observability;

namespace Lantern.Cli.Tests;

/// <summary>
/// Every program in examples/ runs under <c>lantern run</c> (the JIT) and <c>lantern run --interp</c> with the
/// same output and exit status as the same source compiled by gcc.
/// </summary>
public sealed class ExamplesTests
{
    public static TheoryData<string, string[], string?, bool> Cases()
    {
        var cases = new TheoryData<string, string[], string?, bool>();
        foreach ((string example, string[] args, string? stdin) in Programs())
        {
            cases.Add(example, args, stdin, false);
            cases.Add(example, args, stdin, true);
        }

        return cases;
    }

    private static List<(string Example, string[] Args, string? Stdin)> Programs()
    {
        string readme = "the quick brown fox jumps over the lazy dog. The dog's day: the end.\nA fox, a dog!\n";
        return new List<(string, string[], string?)>
        {
            ("hello.c", Array.Empty<string>(), null),
            ("wordfreq.c", new[] { "4" }, readme),
            ("wordfreq.c", Array.Empty<string>(), ""),
            ("matrix.c", Array.Empty<string>(), null),
            ("matrix.c", new[] { "30" }, null),
            ("matrix.c", new[] { "0" }, null),
            ("sortlist.c", Array.Empty<string>(), null),
            ("sortlist.c", new[] { "1000", "42" }, null),
            ("queens.c", new[] { "6" }, null),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Example_MatchesGcc(string example, string[] args, string? stdin, bool interpret)
    {
        string source = Path.Combine(LanternProcess.RepositoryRoot, "examples", example);
        using TempDirectory dir = TempDirectory.Create("lantern-example-");
        string binary = Path.Combine(dir.Path, Path.GetFileNameWithoutExtension(example));
        ProcessResult gcc = LanternProcess.RunProcess("gcc", new[] { "-std=c11", "-O0", "-o", binary, source, "-lm" });
        Assert.True(gcc.ExitCode == 0, gcc.ToString());
        ProcessResult expected = LanternProcess.RunProcess(binary, args, stdin);

        ProcessResult actual = LanternProcess.Run((interpret ? new[] { "run", "--interp" } : new[] { "run" }).Append("examples/" + example).Concat(args), stdin);

        Assert.True(expected.ExitCode == actual.ExitCode, $"gcc: {expected}\nlantern: {actual}");
        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(expected.Stderr, actual.Stderr);
    }

    [Fact]
    public void EveryExampleIsCovered()
    {
        var covered = Programs().Select(p => p.Example).ToHashSet();
        string[] examples = Directory.GetFiles(Path.Combine(LanternProcess.RepositoryRoot, "examples"), "*.c")
            .Select(Path.GetFileName).ToArray()!;

        Assert.NotEmpty(examples);
        Assert.All(examples, e => Assert.Contains(e, covered));
    }
}
