using System.CommandLine;

namespace Lantern.Cli.Dbg;

/// <summary>
/// <c>lantern dbg [options] prog.c [args]</c>: the command-line front of the debugger. gdb's single-dash options
/// <c>-x FILE</c> and <c>-ex COMMAND</c> may repeat and run in the order given; everything from the program file on
/// belongs to the C program.
/// </summary>
internal static class DbgCommand
{
    /// <summary>The options whose value is the next argument (for <see cref="LanternCommand.Normalize"/>).</summary>
    internal static readonly HashSet<string> OptionsWithValue = new(StringComparer.Ordinal)
    {
        "-x", "-ex", "--eval-command", "--command", "-I", "--include-dir", "-D", "--define", "-U", "--undefine",
    };

    public static Command Build()
    {
        var command = new Command("dbg", "Debug a C program with Lantern's in-process debugger (gdb's commands; --json for tools).");
        var interp = new Option<bool>("--interp") { Description = "Debug on the reference interpreter instead of the x64 JIT." };
        var batch = new Option<bool>("--batch") { Description = "Exit after the -x/-ex commands." };
        var json = new Option<bool>("--json") { Description = "Machine mode: one JSON object per line in both directions (docs/dbg-json.md)." };
        var script = new Option<string[]>("-x", "--command") { Description = "Execute debugger commands from FILE.", HelpName = "FILE", Arity = ArgumentArity.ZeroOrMore };
        var eval = new Option<string[]>("-ex", "--eval-command") { Description = "Execute a single debugger command (repeatable).", HelpName = "COMMAND", Arity = ArgumentArity.ZeroOrMore };
        var include = new Option<string[]>("-I", "--include-dir") { Description = "Add DIR to the #include search path.", HelpName = "DIR", Arity = ArgumentArity.OneOrMore };
        var define = new Option<string[]>("-D", "--define") { Description = "Define macro NAME (as VAL, default 1).", HelpName = "NAME[=VAL]", Arity = ArgumentArity.OneOrMore };
        var undefine = new Option<string[]>("-U", "--undefine") { Description = "Undefine macro NAME.", HelpName = "NAME", Arity = ArgumentArity.OneOrMore };
        var file = new Argument<string>("prog.c") { Description = "The C source file." };
        var programArgs = new Argument<string[]>("args") { Description = "Arguments passed to the C program.", Arity = ArgumentArity.ZeroOrMore };
        foreach (Option option in new Option[] { interp, batch, json, script, eval, include, define, undefine })
        {
            command.Add(option);
        }

        command.Add(file);
        command.Add(programArgs);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            if (path.Length > 1 && path[0] == '-')
            {
                Terminal.Error($"unrecognized option '{path}'");
                Terminal.WriteError("Try 'lantern dbg --help' for more information.\n");
                return LanternCommand.ExitUsage;
            }

            var options = new DbgOptions
            {
                File = path,
                ProgramArgs = parse.GetValue(programArgs) ?? [],
                Interpret = parse.GetValue(interp),
                Batch = parse.GetValue(batch),
                Json = parse.GetValue(json),
            };
            options.IncludePaths.AddRange(parse.GetValue(include) ?? []);
            options.Defines.AddRange(parse.GetValue(define) ?? []);
            options.Undefines.AddRange(parse.GetValue(undefine) ?? []);

            // -x and -ex run in the order they were given.
            foreach (System.CommandLine.Parsing.Token token in OrderedTokens(parse, script, eval))
            {
                options.Commands.Add((token.Value.Length > 0 && IsScriptToken(parse, script, token), token.Value));
            }

            return DbgShell.Run(options);
        });
        return command;
    }

    private static IEnumerable<System.CommandLine.Parsing.Token> OrderedTokens(ParseResult parse, Option<string[]> script, Option<string[]> eval)
    {
        var tokens = new List<System.CommandLine.Parsing.Token>();
        foreach (Option option in new Option[] { script, eval })
        {
            if (parse.GetResult(option) is System.CommandLine.Parsing.OptionResult result)
            {
                tokens.AddRange(result.Tokens);
            }
        }

        // Order by position in the command line.
        var all = parse.Tokens.ToList();
        return tokens.OrderBy(t => all.FindIndex(a => ReferenceEquals(a, t)));
    }

    private static bool IsScriptToken(ParseResult parse, Option<string[]> script, System.CommandLine.Parsing.Token token)
        => parse.GetResult(script) is System.CommandLine.Parsing.OptionResult result && result.Tokens.Any(t => ReferenceEquals(t, token));
}
