using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Lantern.C;

namespace Lantern.Cli;

/// <summary>
/// The command tree of <c>lantern</c> (System.CommandLine) and the shell-like exit codes:
/// 0 success, 1 the C program has errors or a file cannot be read, 2 bad command line,
/// 70 internal compiler error (EX_SOFTWARE), 124 timeout (like timeout(1)), otherwise the C program's status.
/// </summary>
internal static class LanternCommand
{
    public const int ExitCompileError = 1;
    public const int ExitUsage = 2;
    public const int ExitInternalError = 70;
    public const int ExitTimeout = 124;

    /// <summary>Options of run/compile that take a value in the next argument (e.g. <c>-I dir</c>).</summary>
    private static readonly HashSet<string> s_optionsWithValue = new(StringComparer.Ordinal)
    {
        "-I", "--include-dir", "-D", "--define", "-U", "--undefine", "--timeout", "--bench-frontend", "--emit-so", "--dump",
    };

    /// <summary>The longest <c>--timeout</c>: what a thread join can wait (<c>int.MaxValue</c> ms, about 24.8 days).</summary>
    public const double MaxTimeoutSeconds = int.MaxValue / 1000;

    /// <summary>Reads <c>--timeout SECONDS</c>: a number of seconds above 0 and at most <see cref="MaxTimeoutSeconds"/>.</summary>
    public static bool TryParseTimeout(string? text, out double seconds)
    {
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out seconds)
            && seconds > 0 && seconds <= MaxTimeoutSeconds;
    }

    /// <summary>The usage error for a <c>--timeout</c> value <see cref="TryParseTimeout"/> refused.</summary>
    public static string TimeoutError(string? text) =>
        $"--timeout wants a number of seconds above 0 and at most {MaxTimeoutSeconds} (about 24 days), not '{text}'";

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "gdb")
        {
            return GdbCommand.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "lldb")
        {
            return GdbCommand.RunLldb(args[1..]);
        }

        if (args.Length > 0 && args[0] == "prof")
        {
            return ProfCommand.Run(args[1..]);
        }

        if (args is ["--version"])
        {
            // without building System.CommandLine's tree (a few ms): same output as its --version
            Terminal.WriteOut(PrintVersionAction.Text + "\n");
            return 0;
        }

        if (TryParseRunFast(args) is RunRequest fast)
        {
            try
            {
                StartupTrace.Mark("command line parsed (fast)");
                int status = Execute(fast);
                Terminal.FlushOut();
                return status;
            }
            catch (Exception e)
            {
                return InternalError.Report(e, "internal compiler error");
            }
        }

        RootCommand root = Build(Execute);
        ParseResult result;
        try
        {
            result = root.Parse(Normalize(args));
            Lantern.C.StartupTrace.Mark("command line parsed");
        }
        catch (Exception e)
        {
            // A value System.CommandLine could not convert: a usage error, not a crash.
            Terminal.Error(e.Message);
            Terminal.WriteError("Try 'lantern --help' for more information.\n");
            return ExitUsage;
        }

        if (result.Errors.Count > 0 && result.Action is ParseErrorAction)
        {
            foreach (System.CommandLine.Parsing.ParseError error in result.Errors)
            {
                Terminal.Error(error.Message);
            }

            string command = result.CommandResult.Command == root ? "lantern" : "lantern " + result.CommandResult.Command.Name;
            Terminal.WriteError($"Try '{command} --help' for more information.\n");
            return ExitUsage;
        }

        try
        {
            var configuration = new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = Terminal.Out,
                Error = Terminal.ErrorWriter,
            };
            int status = result.Invoke(configuration);
            Terminal.FlushOut();
            return status;
        }
        catch (Exception e)
        {
            return InternalError.Report(e, "internal compiler error");
        }
    }

    /// <summary>
    /// Rewrites the arguments of <c>run</c> so that everything from the program file on belongs to the C
    /// program (<c>lantern run -I inc prog.c -x --y</c> passes <c>-x --y</c> to prog.c): a <c>--</c> is inserted
    /// before the first operand. For <c>run</c> and <c>compile</c>, <c>-Idir</c>, <c>-DNAME=V</c>, <c>-UNAME</c>
    /// are split into option and value, as C compilers accept them.
    /// </summary>
    internal static string[] Normalize(string[] args)
    {
        if (args.Length > 0 && args[0] == "dbg")
        {
            return SplitOptionsFromProgram(args, Dbg.DbgCommand.OptionsWithValue, insertSeparator: true);
        }

        if (args.Length == 0 || (args[0] != "run" && args[0] != "compile"))
        {
            return args;
        }

        return SplitOptionsFromProgram(args, s_optionsWithValue, insertSeparator: args[0] == "run");
    }

    /// <summary>
    /// The loop behind <see cref="Normalize"/>: copies the options of the subcommand in <c>args[0]</c> (splitting
    /// <c>-Idir</c>, <c>-DNAME=V</c>, <c>-UNAME</c>), and at the first operand (the program file) inserts <c>--</c>
    /// when <paramref name="insertSeparator"/> is set, so that everything from there on belongs to the C program.
    /// </summary>
    private static string[] SplitOptionsFromProgram(string[] args, HashSet<string> optionsWithValue, bool insertSeparator)
    {
        var result = new List<string> { args[0] };
        int i = 1;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                break;
            }

            if (a.Length <= 1 || a[0] != '-')
            {
                // The first operand: the program file.
                if (insertSeparator)
                {
                    result.Add("--");
                }

                break;
            }

            if (a.Length > 2 && a[1] != '-' && (a[1] == 'I' || a[1] == 'D' || a[1] == 'U'))
            {
                result.Add(a[..2]);
                result.Add(a[2..]);
                continue;
            }

            result.Add(a);
            if (optionsWithValue.Contains(a) && i + 1 < args.Length)
            {
                result.Add(args[++i]);
            }
        }

        for (; i < args.Length; i++)
        {
            result.Add(args[i]);
        }

        return result.ToArray();
    }

    /// <summary>
    /// The start-up fast path of <c>lantern run</c>: building System.CommandLine's command tree and parsing with it
    /// costs about 10 ms of a 50 ms start, so the common forms (the flags of <c>run</c>, <c>-I/-D/-U</c> joined or
    /// separate, <c>--timeout SECONDS</c>, <c>--emit-so DIR</c>, then the file and the program's arguments) are parsed
    /// here. Anything else (help, an unknown or repeated option, a bad value, <c>--</c>, a response file
    /// <c>@file</c>, <c>--opt=value</c>) returns null and goes through System.CommandLine, which then reports
    /// usage errors exactly as before. ArgumentTests checks that both paths agree.
    /// </summary>
    internal static RunRequest? TryParseRunFast(string[] args)
    {
        if (args.Length < 2 || args[0] != "run")
        {
            return null;
        }

        var includes = new List<string>();
        var defines = new List<string>();
        var undefines = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool interp = false, gdb = false, perfMap = false, jitDump = false;
        DumpKinds dump = DumpKinds.None;
        double? timeout = null;
        string? emitSo = null;
        int i = 1;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a.Length <= 1 || a[0] != '-')
            {
                break; // the program file
            }

            string option = a;
            string? value = null;
            if (a.Length > 2 && a[1] != '-' && (a[1] == 'I' || a[1] == 'D' || a[1] == 'U'))
            {
                option = a[..2];
                value = a[2..];
            }
            else if (s_optionsWithValue.Contains(a))
            {
                if (i + 1 >= args.Length)
                {
                    return null;
                }

                value = args[++i];
            }

            if (value is not null && (value.Length == 0 || value[0] == '-' || value[0] == '@'))
            {
                return null;
            }

            switch (option)
            {
                case "-I" or "--include-dir":
                    includes.Add(value!);
                    continue;
                case "-D" or "--define":
                    defines.Add(value!);
                    continue;
                case "-U" or "--undefine":
                    undefines.Add(value!);
                    continue;
            }

            if (!seen.Add(option))
            {
                return null;
            }

            switch (option)
            {
                case "--interp":
                    interp = true;
                    break;
                case "--dump-tokens":
                    dump |= DumpKinds.Tokens;
                    break;
                case "--dump-ir":
                    dump |= DumpKinds.Ir;
                    break;
                case "--gdb":
                    gdb = true;
                    break;
                case "--perf-map":
                    perfMap = true;
                    break;
                case "--jitdump":
                    jitDump = true;
                    break;
                case "--timeout":
                    if (!TryParseTimeout(value, out double v))
                    {
                        return null;
                    }

                    timeout = v;
                    break;
                case "--emit-so":
                    emitSo = value;
                    break;
                default:
                    return null; // --help, -h, --, --dump KIND (System.CommandLine checks the kinds), an unknown option, --opt=value
            }
        }

        if (i >= args.Length || args[i].Length == 0 || args[i][0] == '@' || args[i] == "-")
        {
            return null;
        }

        for (int k = i; k < args.Length; k++)
        {
            if (args[k].StartsWith('@'))
            {
                return null;
            }
        }

        var options = new RunOptions
        {
            File = args[i],
            ProgramArgs = args[(i + 1)..],
            Dump = dump,
            Timeout = timeout,
            Interpret = interp,
        };
        options.IncludePaths.AddRange(includes);
        options.Defines.AddRange(defines);
        options.Undefines.AddRange(undefines);
        return new RunRequest(options, gdb, perfMap, jitDump, emitSo);
    }

    /// <summary>Runs what <c>lantern run</c> was asked: switches the publishers on, then compiles and runs.</summary>
    private static int Execute(RunRequest request)
    {
        // The publishers are switched on by environment variables (read by the JIT when it links a module).
        if (request.Gdb)
        {
            Environment.SetEnvironmentVariable("LANTERN_GDB", "1");
        }

        if (request.EmitSo is { Length: > 0 } soDirectory)
        {
            Environment.SetEnvironmentVariable("LANTERN_EMIT_SO", soDirectory);
        }

        if (request.JitDump)
        {
            Environment.SetEnvironmentVariable("LANTERN_JITDUMP", "1");
        }

        if (request.PerfMap)
        {
            Environment.SetEnvironmentVariable("LANTERN_PERF_MAP", "1");
        }

        return Driver.Run(request.Options);
    }

    /// <summary>The System.CommandLine tree; <paramref name="run"/> is what <c>run</c> does with its parsed request.</summary>
    internal static RootCommand Build(Func<RunRequest, int> run)
    {
        var root = new RootCommand(
            "Lantern: a C compiler and JIT for Linux x86-64 whose code is visible to debuggers and profilers.");
        foreach (VersionOption version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersionAction();
        }

        root.Add(BuildRun(run));
        root.Add(BuildCompile());
        root.Add(Dbg.DbgCommand.Build());

        // prof, gdb and lldb parse their own arguments (Run dispatches them before this tree is built); they are here
        // so that `lantern --help` lists every command
        root.Add(new Command("prof", "Sample a C program while it runs and write its profile (lantern prof --help)."));
        root.Add(new Command("gdb", "Debug a C program with the real gdb, the JIT code registered (lantern gdb --help)."));
        root.Add(new Command("lldb", "Debug a C program with the real lldb, the JIT code registered (lantern lldb --help)."));
        root.SetAction(parse =>
        {
            // `lantern` alone: show the help, exit like a usage error.
            new HelpAction().Invoke(parse);
            return ExitUsage;
        });
        return root;
    }

    private static Command BuildRun(Func<RunRequest, int> run)
    {
        var command = new Command("run", "Compile a C program in memory and run it.");
        var interp = new Option<bool>("--interp") { Description = "Run with the reference interpreter instead of the x64 JIT." };
        CommonOptions common = AddCommonOptions(command);
        var timeout = new Option<double?>("--timeout")
        {
            Description = "Stop the program after SECONDS and exit with status 124.",
            HelpName = "SECONDS",
        };
        timeout.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (TryParseTimeout(text, out double v))
            {
                return v;
            }

            r.AddError(TimeoutError(text));
            return null;
        };
        var file = new Argument<string>("prog.c") { Description = "The C source file." };
        var programArgs = new Argument<string[]>("args") { Description = "Arguments passed to the C program.", Arity = ArgumentArity.ZeroOrMore };
        var gdb = new Option<bool>("--gdb") { Description = "Register the code with the GDB JIT interface (also LANTERN_GDB=1; see 'lantern gdb')." };
        var perfMap = new Option<bool>("--perf-map") { Description = "Write /tmp/perf-PID.map for perf (also LANTERN_PERF_MAP=1)." };
        var jitDump = new Option<bool>("--jitdump") { Description = "Write perf's jit-PID.dump (for perf inject --jit; also LANTERN_JITDUMP=1)." };
        var emitSo = new Option<string?>("--emit-so")
        {
            Description = "Link the code into DIR/NAME.so, dlopen it and run from it (also LANTERN_EMIT_SO=DIR).",
            HelpName = "DIR",
        };
        command.Add(emitSo);
        command.Add(jitDump);
        command.Add(gdb);
        command.Add(perfMap);
        command.Add(interp);
        DumpOptions dump = AddDumpOptions(command);
        command.Add(timeout);
        command.Add(file);
        command.Add(programArgs);
        command.SetAction(parse =>
        {
            if (IsUnknownOption(parse.GetValue(file)!))
            {
                return ExitUsage;
            }

            var options = new RunOptions
            {
                File = parse.GetValue(file)!,
                ProgramArgs = parse.GetValue(programArgs) ?? Array.Empty<string>(),
                Dump = dump.Kinds(parse),
                Timeout = parse.GetValue(timeout),
                Interpret = parse.GetValue(interp),
            };
            common.Apply(parse, options);
            return run(new RunRequest(options, parse.GetValue(gdb), parse.GetValue(perfMap), parse.GetValue(jitDump), parse.GetValue(emitSo)));
        });
        return command;
    }

    private static Command BuildCompile()
    {
        var command = new Command("compile", "Compile a C program and report its diagnostics without running it (exit 0 or 1).");
        CommonOptions common = AddCommonOptions(command);
        DumpOptions dump = AddDumpOptions(command);
        var bench = new Option<int?>("--bench-frontend")
        {
            Description = "Compile N times in-process and print the front end's best throughput in lines/s.",
            HelpName = "N",
            Hidden = true,
        };
        var file = new Argument<string>("prog.c") { Description = "The C source file." };
        command.Add(bench);
        command.Add(file);
        command.SetAction(parse =>
        {
            if (IsUnknownOption(parse.GetValue(file)!))
            {
                return ExitUsage;
            }

            var options = new RunOptions { File = parse.GetValue(file)!, Dump = dump.Kinds(parse) };
            common.Apply(parse, options);
            int? n = parse.GetValue(bench);
            return n is int runs ? Driver.BenchFrontEnd(options, Math.Max(1, runs)) : Driver.Compile(options);
        });
        return command;
    }

    /// <summary>
    /// An unknown option before the program file ends up as the file operand; report it as a usage error.
    /// </summary>
    private static bool IsUnknownOption(string file)
    {
        if (file.Length > 1 && file[0] == '-')
        {
            Terminal.Error($"unrecognized option '{file}'");
            Terminal.WriteError("Try 'lantern --help' for more information.\n");
            return true;
        }

        return false;
    }

    private static CommonOptions AddCommonOptions(Command command)
    {
        var common = new CommonOptions(
            new Option<string[]>("-I", "--include-dir") { Description = "Add DIR to the #include search path.", HelpName = "DIR", Arity = ArgumentArity.OneOrMore },
            new Option<string[]>("-D", "--define") { Description = "Define macro NAME (as VAL, default 1).", HelpName = "NAME[=VAL]", Arity = ArgumentArity.OneOrMore },
            new Option<string[]>("-U", "--undefine") { Description = "Undefine macro NAME.", HelpName = "NAME", Arity = ArgumentArity.OneOrMore });
        command.Add(common.Include);
        command.Add(common.Define);
        command.Add(common.Undefine);
        return common;
    }

    /// <summary>
    /// <c>--dump KIND[,KIND]</c> (repeatable; <see cref="Dumps.Names"/>) and its aliases <c>--dump-tokens</c>,
    /// <c>--dump-ir</c>; an unknown kind is a usage error.
    /// </summary>
    private static DumpOptions AddDumpOptions(Command command)
    {
        var dump = new Option<string[]>("--dump")
        {
            Description = $"Print KIND ({string.Join(", ", Dumps.Names)}; comma-separated, repeatable) and do not run.",
            HelpName = "KIND[,KIND]",
            Arity = ArgumentArity.OneOrMore,
        };
        dump.Validators.Add(r =>
        {
            DumpKinds kinds = DumpKinds.None;
            foreach (System.CommandLine.Parsing.Token token in r.Tokens)
            {
                if (!Dumps.TryParse(token.Value, ref kinds, out string? error))
                {
                    r.AddError(error!);
                    return;
                }
            }
        });
        var tokens = new Option<bool>("--dump-tokens") { Description = "Alias of --dump=tokens: print the preprocessed source (like cc -E)." };
        var ir = new Option<bool>("--dump-ir") { Description = "Alias of --dump=ir: print the IR." };
        command.Add(dump);
        command.Add(tokens);
        command.Add(ir);
        return new DumpOptions(dump, tokens, ir);
    }

    private sealed record DumpOptions(Option<string[]> Dump, Option<bool> Tokens, Option<bool> Ir)
    {
        public DumpKinds Kinds(ParseResult parse)
        {
            DumpKinds kinds = parse.GetValue(Tokens) ? DumpKinds.Tokens : DumpKinds.None;
            if (parse.GetValue(Ir))
            {
                kinds |= DumpKinds.Ir;
            }

            foreach (string list in parse.GetValue(Dump) ?? Array.Empty<string>())
            {
                Dumps.TryParse(list, ref kinds, out _); // checked by the validator
            }

            return kinds;
        }
    }

    private sealed record CommonOptions(Option<string[]> Include, Option<string[]> Define, Option<string[]> Undefine)
    {
        public void Apply(ParseResult parse, RunOptions options)
        {
            options.IncludePaths.AddRange(parse.GetValue(Include) ?? Array.Empty<string>());
            options.Defines.AddRange(parse.GetValue(Define) ?? Array.Empty<string>());
            options.Undefines.AddRange(parse.GetValue(Undefine) ?? Array.Empty<string>());
        }
    }
}

/// <summary>A parsed <c>lantern run</c>: the run options and the publishers to switch on.</summary>
internal sealed record RunRequest(RunOptions Options, bool Gdb, bool PerfMap, bool JitDump, string? EmitSo);

/// <summary><c>lantern --version</c>: prints <c>lantern VERSION</c>.</summary>
internal sealed class PrintVersionAction : SynchronousCommandLineAction
{
    /// <summary><c>lantern VERSION</c>.</summary>
    public static string Text => "lantern " + (typeof(PrintVersionAction).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>()
        .FirstOrDefault()?.InformationalVersion ?? "unknown");

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Text);
        return 0;
    }
}
