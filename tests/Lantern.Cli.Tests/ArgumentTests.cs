namespace Lantern.Cli.Tests;

/// <summary>The rewriting of run/compile arguments before System.CommandLine parses them.</summary>
public sealed class ArgumentTests
{
    [Theory]
    [InlineData("run p.c -x --y", "run -- p.c -x --y")]
    [InlineData("run --interp -I inc p.c a", "run --interp -I inc -- p.c a")]
    [InlineData("run -Iinc -DX=1 -UY p.c", "run -I inc -D X=1 -U Y -- p.c")]
    [InlineData("run --timeout 5 p.c --timeout 6", "run --timeout 5 -- p.c --timeout 6")]
    [InlineData("run -- p.c -x", "run -- p.c -x")]
    [InlineData("run --include-dir inc p.c", "run --include-dir inc -- p.c")]
    [InlineData("compile -Iinc p.c", "compile -I inc p.c")]
    [InlineData("compile --bench-frontend 3 p.c", "compile --bench-frontend 3 p.c")]
    [InlineData("--version", "--version")]
    [InlineData("run --help", "run --help")]
    public void Normalize(string args, string expected)
    {
        string[] result = LanternCommand.Normalize(args.Split(' '));

        Assert.Equal(expected, string.Join(' ', result));
    }
}
