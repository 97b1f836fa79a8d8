namespace Lantern.Cli.Tests;

/// <summary>
/// The rewriting of run/compile arguments before System.CommandLine parses them, and the start-up fast path of
/// <c>run</c>, which must parse exactly as System.CommandLine does or decline.
/// </summary>
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

    [Theory]
    [InlineData("run p.c")]
    [InlineData("run p.c -x --y -- z")]
    [InlineData("run --interp -I inc p.c a")]
    [InlineData("run -Iinc -DX=1 -UY -I inc2 --define Z p.c")]
    [InlineData("run --timeout 5 p.c --timeout 6")]
    [InlineData("run --timeout 0.25 --interp p.c")]
    [InlineData("run --gdb --perf-map --jitdump --emit-so out p.c 1 2")]
    [InlineData("run --dump-tokens --dump-ir p.c")]
    [InlineData("run --include-dir inc --undefine U p.c")]
    public void FastPathParsesLikeSystemCommandLine(string args)
    {
        string[] argv = args.Split(' ');
        RunRequest? fast = LanternCommand.TryParseRunFast(argv);
        Assert.NotNull(fast);

        RunRequest? full = null;
        System.CommandLine.ParseResult parse = LanternCommand.Build(r =>
        {
            full = r;
            return 0;
        }).Parse(LanternCommand.Normalize(argv));
        Assert.Empty(parse.Errors);
        Assert.Equal(0, parse.Invoke());
        Assert.NotNull(full);
        Assert.Equal(Describe(full!), Describe(fast!));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run --help")]
    [InlineData("run -h p.c")]
    [InlineData("run --interp")]
    [InlineData("run --bogus p.c")]
    [InlineData("run --interp --interp p.c")]
    [InlineData("run --timeout -1 p.c")]
    [InlineData("run --timeout abc p.c")]
    [InlineData("run --timeout")]
    [InlineData("run -- p.c")]
    [InlineData("run @args.rsp")]
    [InlineData("run p.c @args.rsp")]
    [InlineData("run --timeout=3 p.c")]
    [InlineData("run --dump=ir p.c")]
    [InlineData("run --dump asm p.c")]
    [InlineData("run -I")]
    [InlineData("compile p.c")]
    [InlineData("--version")]
    public void FastPathDeclinesWhatItDoesNotKnow(string args)
    {
        Assert.Null(LanternCommand.TryParseRunFast(args.Split(' ')));
    }

    [Theory]
    [InlineData("run --dump-ir p.c", "Ir")]
    [InlineData("run --dump=codeinfo,asm --dump ir --dump-tokens p.c", "Tokens, Ir, Asm, CodeInfo")]
    [InlineData("run --dump=IR,ir p.c", "Ir")]
    public void DumpKindsAccumulate(string args, string expected)
    {
        RunOptions? options = null;
        System.CommandLine.ParseResult parse = LanternCommand.Build(r =>
        {
            options = r.Options;
            return 0;
        }).Parse(LanternCommand.Normalize(args.Split(' ')));
        Assert.Empty(parse.Errors);
        Assert.Equal(0, parse.Invoke());
        Assert.Equal(expected, options!.Dump.ToString());
    }

    private static string Describe(RunRequest r)
    {
        RunOptions o = r.Options;
        return $"file={o.File} args=[{string.Join(',', o.ProgramArgs)}] I=[{string.Join(',', o.IncludePaths)}] " +
            $"D=[{string.Join(',', o.Defines)}] U=[{string.Join(',', o.Undefines)}] interp={o.Interpret} " +
            $"dump={o.Dump} timeout={o.Timeout} gdb={r.Gdb} perf={r.PerfMap} jitdump={r.JitDump} " +
            $"so={r.EmitSo}";
    }
}
