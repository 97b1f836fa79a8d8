using System.Text.Json;
using System.Text.Json.Nodes;
using Lantern.C;
using Lantern.C.Ir;
using Lantern.Observability.Debugging;
using Lantern.Observability.Interop;

namespace Lantern.Cli.Dbg;

/// <summary>What <c>lantern dbg</c> was asked to do.</summary>
internal sealed class DbgOptions
{
    public required string File { get; init; }

    public IReadOnlyList<string> ProgramArgs { get; init; } = [];

    public bool Interpret { get; init; }

    public bool Batch { get; init; }

    public bool Json { get; init; }

    /// <summary>-x FILE and -ex COMMAND in command-line order: (true, file) or (false, command).</summary>
    public List<(bool IsFile, string Text)> Commands { get; } = new();

    public List<string> IncludePaths { get; } = new();

    public List<string> Defines { get; } = new();

    public List<string> Undefines { get; } = new();
}

/// <summary>
/// <c>lantern dbg</c>: compiles the program, creates the target (JIT, or the interpreter with <c>--interp</c>) and a
/// <see cref="DebugSession"/>, then runs commands: those of <c>-x</c>/<c>-ex</c> first, then (unless <c>--batch</c>)
/// from stdin — the line editor on a terminal, plain lines otherwise, JSON requests with <c>--json</c>.
/// </summary>
internal static class DbgShell
{
    public const string Prompt = "(lantern) ";

    public static int Run(DbgOptions options)
    {
        CompileOptions compile = ProgramCompiler.Options(options.IncludePaths, options.Defines, options.Undefines);
        int status = ProgramCompiler.Compile(options.File, compile, out IrModule? module);
        if (status != 0)
        {
            return status;
        }

        IDebugTarget target;
        try
        {
            target = CreateTarget(module!, options.Interpret);
        }
        catch (Exception e) when (e is InvalidOperationException or Lantern.C.Jit.JitLinkException)
        {
            Terminal.Error(e.Message);
            return LanternCommand.ExitCompileError;
        }

        using var session = new DebugSession(target, options.File, options.ProgramArgs);
        return options.Json ? RunJson(session, options) : RunText(session, options);
    }

    private static IDebugTarget CreateTarget(IrModule module, bool interpret) => DbgTargets.Create(module, interpret);

    private static void InstallInterrupt(DbgCommands commands)
    {
        Console.CancelKeyPress += (_, e) =>
        {
            // Ctrl-C while the program runs stops it (SIGINT, Interrupt); at the prompt it is ignored.
            e.Cancel = true;
            if (commands.Running)
            {
                commands.Session.Interrupt();
            }
        };
    }

    private static int RunText(DebugSession session, DbgOptions options)
    {
        var output = new TextOutput();
        var commands = new DbgCommands(session, output);
        InstallInterrupt(commands);
        foreach ((string line, bool fromTty) in InitialCommands(options, output))
        {
            commands.FromTty = fromTty;
            commands.Execute(line);
            if (commands.QuitRequested)
            {
                return Finish(session);
            }
        }

        if (options.Batch)
        {
            return Finish(session);
        }

        bool interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        LineEditor? editor = interactive ? new LineEditor() : null;
        commands.FromTty = true;
        string? last = null;
        while (!commands.QuitRequested)
        {
            string? line = editor is not null ? editor.ReadLine(Prompt) : Console.In.ReadLine();
            if (line is null)
            {
                break;
            }

            if (line.Trim().Length == 0 && interactive && last is not null && commands.IsRepeatable(last))
            {
                line = last;
            }

            string? name = commands.Execute(line);
            last = name is null ? last : line;
        }

        return Finish(session);
    }

    private static int Finish(DebugSession session)
    {
        if (session.IsLive)
        {
            try
            {
                session.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }

        Terminal.FlushOut();
        return 0;
    }

    /// <summary>The lines of -x files and -ex commands in order; an unreadable -x file is reported like gdb.</summary>
    private static IEnumerable<(string Line, bool FromTty)> InitialCommands(DbgOptions options, DbgOutput output)
    {
        foreach ((bool isFile, string text) in options.Commands)
        {
            if (!isFile)
            {
                yield return (text, !options.Batch);
                continue;
            }

            string[] lines;
            try
            {
                lines = System.IO.File.ReadAllLines(text);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                output.Error($"{text}: No such file or directory.");
                continue;
            }

            foreach (string line in lines)
            {
                yield return (line, false);
            }
        }
    }

    private static int RunJson(DebugSession session, DbgOptions options)
    {
        Terminal.FlushOut();
        int protocolFd = LibC.Dup(1);
        using var output = new JsonOutput(protocolFd);
        output.CaptureProgramOutput();
        var commands = new DbgCommands(session, output) { ProgramOutputFlushed = output.DrainProgramOutput };
        InstallInterrupt(commands);
        output.Send(new JsonObject
        {
            ["type"] = "event",
            ["event"] = "initialized",
            ["body"] = new JsonObject { ["program"] = options.File, ["target"] = session.Target.Kind, ["protocolVersion"] = 1 },
            ["text"] = "",
        });
        foreach ((string line, _) in InitialCommands(options, output))
        {
            RunJsonCommand(commands, output, null, line);
            if (commands.QuitRequested)
            {
                return FinishJson(session, output);
            }
        }

        if (!options.Batch)
        {
            while (!commands.QuitRequested && Console.In.ReadLine() is string request)
            {
                if (request.Trim().Length == 0)
                {
                    continue;
                }

                JsonNode? id = null;
                string line;
                try
                {
                    JsonObject message = JsonNode.Parse(request) as JsonObject ?? throw new JsonException("a request is a JSON object");
                    id = message["id"];
                    if (message["line"] is JsonNode lineNode)
                    {
                        line = lineNode.GetValue<string>();
                    }
                    else if (message["command"] is JsonNode commandNode)
                    {
                        string arguments = message["arguments"] switch
                        {
                            null => "",
                            JsonArray array => string.Join(" ", array.Select(a => a?.ToString() ?? "")),
                            JsonNode node => node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString(),
                        };
                        line = commandNode.GetValue<string>() + (arguments.Length > 0 ? " " + arguments : "");
                    }
                    else
                    {
                        throw new JsonException("a request needs \"command\" or \"line\"");
                    }
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
                {
                    output.BadRequest(id, "invalid request: " + e.Message);
                    continue;
                }

                RunJsonCommand(commands, output, id, line);
            }
        }

        return FinishJson(session, output);
    }

    private static void RunJsonCommand(DbgCommands commands, JsonOutput output, JsonNode? id, string line)
    {
        output.BeginCommand();
        string? name = commands.Execute(line);
        output.EndCommand(id, name ?? line.Trim().Split(' ')[0]);
    }

    private static int FinishJson(DebugSession session, JsonOutput output)
    {
        Finish(session);
        output.DrainProgramOutput();
        output.Send(new JsonObject { ["type"] = "event", ["event"] = "terminated", ["body"] = new JsonObject(), ["text"] = "" });
        return 0;
    }
}
