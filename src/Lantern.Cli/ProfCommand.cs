using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using Lantern.C.Describe;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.Observability;
using Lantern.Observability.Elf;
using Lantern.Observability.Profiling;
using Lantern.Observability.Profiling.Formats;

namespace Lantern.Cli;

/// <summary>What the user asked <c>lantern prof</c> to do.</summary>
internal sealed class ProfOptions
{
    public List<string> Formats { get; } = new();

    public string? Output { get; set; }

    public double Rate { get; set; } = 1000;

    public bool Wall { get; set; }

    public double? Timeout { get; set; }

    public bool Json { get; set; }

    public SamplingEngine Engine { get; set; } = SamplingEngine.Auto;

    public RunOptions? Run { get; set; }
}

/// <summary>
/// <c>lantern prof [options] prog.c [args]</c>: compiles the program with the JIT, samples its thread while it
/// runs (<see cref="Sampler"/>), symbolizes the stacks after it ended (<see cref="Symbolizer"/>) and writes the
/// profile in the requested formats. The profile is written also when the program crashes or is stopped by
/// <c>--timeout</c> (from the crash reporter's watcher, before the process ends). Exit status: the program's.
/// </summary>
internal static class ProfCommand
{
    /// <summary>The formats <c>--format</c> accepts.</summary>
    public static readonly IReadOnlyList<string> FormatNames = ProfileWriters.Names;

    private const string Usage = """
        usage: lantern prof [options] prog.c [args]
        Sample the C program while it runs and write its profile.
          --format F[,F]    output formats (repeatable): flamegraph, folded, speedscope, pprof, text, annotate
                            (default: text on stdout and a flame graph file)
          -o, --output P    prefix of the output files (default: the program's name + ".prof"; text goes to
                            stdout unless -o is given)
          -F, --rate HZ     samples per second of CPU time (default 1000; 1..100000)
          --wall            sample wall-clock time, blocked time included
          --timeout S       stop the program after S seconds (exit 124); the profile is still written
          --json            print a JSON summary (engine, samples, functions) on stdout instead of the text summary
          --engine E        force the engine: perf (perf_event cpu-clock), timer (CLOCK_THREAD_CPUTIME_ID), or
                            none (no samples: the program's CPU time only, a baseline for overhead measurements)
          -I DIR, -D N[=V], -U N   as for 'lantern run'
        """;

    public static int Run(string[] args)
    {
        ProfOptions? options = Parse(args);
        if (options is null)
        {
            Terminal.WriteError("Try 'lantern prof --help' for more information.\n");
            return LanternCommand.ExitUsage;
        }

        if (options.Run is null)
        {
            Terminal.WriteOut(Usage + "\n");
            return 0;
        }

        return Execute(options);
    }

    /// <summary>Parses the command line; null (after printing the error) if it is wrong; Run null for --help.</summary>
    internal static ProfOptions? Parse(string[] args)
    {
        var options = new ProfOptions();
        var includes = new List<string>();
        var defines = new List<string>();
        var undefines = new List<string>();
        int i = 0;
        string? Value(string name)
        {
            if (i + 1 >= args.Length)
            {
                Terminal.Error($"option '{name}' wants a value");
                return null;
            }

            return args[++i];
        }

        for (; i < args.Length; i++)
        {
            string a = args[i];
            string? inline = null;
            if (a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') is int eq and > 0)
            {
                inline = a[(eq + 1)..];
                a = a[..eq];
            }

            switch (a)
            {
                case "-h":
                case "--help":
                    return options;
                case "--format":
                case "-f":
                {
                    string? v = inline ?? Value(a);
                    if (v is null)
                    {
                        return null;
                    }

                    foreach (string f in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        string name = f.ToLowerInvariant();
                        if (!FormatNames.Contains(name))
                        {
                            Terminal.Error($"unknown profile format '{f}': valid formats are {string.Join(", ", FormatNames)}");
                            return null;
                        }

                        if (!options.Formats.Contains(name))
                        {
                            options.Formats.Add(name);
                        }
                    }

                    break;
                }

                case "-o":
                case "--output":
                    options.Output = inline ?? Value(a);
                    if (options.Output is null or "")
                    {
                        Terminal.Error("option '-o' wants a file name prefix");
                        return null;
                    }

                    break;
                case "-F":
                case "--rate":
                {
                    string? v = inline ?? Value(a);
                    if (v is null)
                    {
                        return null;
                    }

                    if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double hz) || !(hz >= 1 && hz <= 100_000))
                    {
                        Terminal.Error($"bad sampling rate '{v}': give samples per second between 1 and 100000");
                        return null;
                    }

                    options.Rate = hz;
                    break;
                }

                case "--wall":
                    options.Wall = true;
                    break;
                case "--json":
                    options.Json = true;
                    break;
                case "--timeout":
                {
                    string? v = inline ?? Value(a);
                    if (v is null)
                    {
                        return null;
                    }

                    if (!LanternCommand.TryParseTimeout(v, out double s))
                    {
                        Terminal.Error(LanternCommand.TimeoutError(v));
                        return null;
                    }

                    options.Timeout = s;
                    break;
                }

                case "--engine":
                {
                    string? v = inline ?? Value(a);
                    options.Engine = v switch
                    {
                        "perf" => SamplingEngine.PerfEvent,
                        "timer" => SamplingEngine.ThreadCpuTimer,
                        "auto" => SamplingEngine.Auto,
                        "none" => SamplingEngine.None,
                        _ => (SamplingEngine)(-1),
                    };
                    if ((int)options.Engine < 0)
                    {
                        Terminal.Error($"unknown engine '{v}': valid engines are perf, timer, auto");
                        return null;
                    }

                    break;
                }

                case "-I":
                case "-D":
                case "-U":
                {
                    string? v = Value(a);
                    if (v is null)
                    {
                        return null;
                    }

                    (a == "-I" ? includes : a == "-D" ? defines : undefines).Add(v);
                    break;
                }

                default:
                    if (a.Length > 2 && (a.StartsWith("-I", StringComparison.Ordinal) || a.StartsWith("-D", StringComparison.Ordinal) || a.StartsWith("-U", StringComparison.Ordinal)))
                    {
                        (a[1] == 'I' ? includes : a[1] == 'D' ? defines : undefines).Add(a[2..]);
                        break;
                    }

                    if (a == "--")
                    {
                        i++;
                    }
                    else if (a.StartsWith('-') && a.Length > 1)
                    {
                        Terminal.Error($"unrecognized option '{args[i]}'");
                        return null;
                    }

                    if (i >= args.Length)
                    {
                        Terminal.Error("no program file given");
                        return null;
                    }

                    var run = new RunOptions { File = args[i], ProgramArgs = args[(i + 1)..], Timeout = options.Timeout };
                    run.IncludePaths.AddRange(includes);
                    run.Defines.AddRange(defines);
                    run.Undefines.AddRange(undefines);
                    options.Run = run;
                    return options;
            }
        }

        Terminal.Error("no program file given");
        return null;
    }

    private static int Execute(ProfOptions options)
    {
        RunOptions run = options.Run!;
        int compileStatus = ProgramCompiler.Compile(run.File, run.CompileOptions(), out IrModule? compiled);
        if (compileStatus != 0)
        {
            return compileStatus;
        }

        IrModule module = compiled!;
        Terminal.FlushOut();
        int status = 0;
        ExceptionDispatchInfo? failure = null;
        Sampler? sampler = null;
        byte[]? symfile = null;
        var written = new object();
        using var started = new ManualResetEventSlim();
        bool profileWritten = false;
        void WriteProfileOnce(int programStatus)
        {
            lock (written)
            {
                if (profileWritten || sampler is null || symfile is null)
                {
                    return;
                }

                profileWritten = true;
                sampler.Stop();
                WriteProfile(options, sampler.Collect(), symfile, programStatus);
            }
        }

        Thread thread = ProgramThread.Start(
            () =>
            {
                try
                {
                    using var jit = new JitModule(module);
                    using IDisposable published = JitPublishers.Publish(jit);
                    CompilationUnitInfo unit = CodeInfoBuilder.Build(jit);
                    symfile = ElfWriter.WriteSymfile(unit);
                    sampler = new Sampler(unit.Functions, new SamplerOptions
                    {
                        Hz = options.Rate,
                        Engine = options.Wall ? SamplingEngine.Wall : options.Engine,
                    });
                    jit.ProgramStarting = () =>
                    {
                        if (!sampler.StartCurrentThread())
                        {
                            Terminal.WriteError("lantern prof: warning: no sampling engine could be started\n");
                        }

                        started.Set();
                    };
                    jit.ProgramFinished = sampler.Stop;
                    CrashReporter.BeforeExit = WriteProfileOnce;
                    CrashReporter.SetThreadHooks(Sampler.ThreadStartingHook, Sampler.ThreadFinishedHook);
                    status = jit.RunMainOnCurrentThread(run.File, run.ProgramArgs);
                    WriteProfileOnce(status);
                    sampler.Dispose();
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
                finally
                {
                    started.Set();
                }
            });
        if (options.Timeout is double seconds)
        {
            // the time limit counts from main's start (linking, debug info and sampler set-up are not the program's)
            started.Wait();
            if (!thread.Join(TimeSpan.FromSeconds(seconds)))
            {
                // the crash watcher prints where the program was, writes the profile (BeforeExit) and exits with 124
                if (CrashReporter.InterruptForTimeout(seconds))
                {
                    thread.Join(TimeSpan.FromSeconds(60));
                }

                WriteProfileOnce(LanternCommand.ExitTimeout);
                Terminal.WriteError($"lantern: timeout after {seconds.ToString(CultureInfo.InvariantCulture)} s\n");
                Terminal.FlushOut();
                Environment.Exit(LanternCommand.ExitTimeout);
            }
        }
        else
        {
            thread.Join();
        }

        if (failure?.SourceException is JitLinkException link)
        {
            Terminal.Error(link.Message);
            return LanternCommand.ExitCompileError;
        }

        if (failure is not null)
        {
            return InternalError.Report(failure.SourceException, "internal error while profiling the program");
        }

        return status;
    }

    private static void WriteProfile(ProfOptions options, RawProfile raw, byte[] symfile, int programStatus)
    {
        Profile profile = new Symbolizer([symfile]).BuildProfile(raw, options.Run!.File);
        string prefix = options.Output ?? Path.GetFileNameWithoutExtension(options.Run.File) + ".prof";
        List<string> formats = options.Formats.Count > 0 ? options.Formats : ["text", "flamegraph"];
        var files = new List<string>();
        foreach (string format in formats)
        {
            if (format == "text" && options.Output is null)
            {
                if (!options.Json)
                {
                    Terminal.WriteOut(ProfOutputs.Text(profile));
                }

                continue;
            }

            string path = prefix + ProfOutputs.Extension(format);
            try
            {
                using (FileStream stream = File.Create(path))
                {
                    ProfOutputs.Write(format, profile, stream, Path.GetDirectoryName(Path.GetFullPath(options.Run.File)));
                }

                files.Add(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Terminal.Error($"cannot write '{path}': {e.Message}");
            }
        }

        if (options.Json)
        {
            Terminal.WriteOut(Json(profile, files, programStatus, raw.CpuSeconds, raw.Outside) + "\n");
        }

        ProfileMetadata m = profile.Metadata;
        Terminal.WriteError(string.Format(
            CultureInfo.InvariantCulture,
            "lantern prof: {0} samples ({1} expected, {2} dropped{7}) by {3} at {4} Hz in {5:F2} s{6}\n",
            m.Received,
            m.Expected,
            m.Dropped,
            m.Engine,
            m.RequestedHz,
            m.DurationSeconds,
            files.Count > 0 ? "; wrote " + string.Join(", ", files) : "",
            raw.Outside > 0 ? $", {raw.Outside} outside the program" : ""));
        Terminal.FlushOut();
    }

    /// <summary>The <c>--json</c> summary: metadata, files written, and per function its self and total samples.</summary>
    private static string Json(Profile profile, List<string> files, int status, double cpuSeconds, long outside)
    {
        var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            ProfileMetadata m = profile.Metadata;
            w.WriteStartObject();
            w.WriteString("program", m.Program);
            w.WriteNumber("status", status);
            w.WriteString("engine", m.Engine);
            w.WriteNumber("rate", m.RequestedHz);
            w.WriteBoolean("wall", m.Wall);
            w.WriteNumber("expected", m.Expected);
            w.WriteNumber("received", m.Received);
            w.WriteNumber("dropped", m.Dropped);
            w.WriteNumber("outside", outside);
            w.WriteNumber("samples", profile.TotalSamples);
            w.WriteNumber("seconds", Math.Round(m.DurationSeconds, 6));
            w.WriteNumber("cpu_seconds", Math.Round(cpuSeconds, 6));
            w.WriteStartArray("files");
            foreach (string f in files)
            {
                w.WriteStringValue(f);
            }

            w.WriteEndArray();
            w.WriteStartArray("functions");
            foreach (FunctionCount f in ProfOutputs.Functions(profile))
            {
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                w.WriteString("module", f.Module);
                w.WriteNumber("self", f.Self);
                w.WriteNumber("total", f.Total);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("stacks");
            foreach (ProfileStack s in profile.Stacks.OrderByDescending(s => s.Count).Take(200))
            {
                w.WriteStartObject();
                w.WriteNumber("count", s.Count);
                w.WriteStartArray("frames");
                foreach (ProfileFrame f in s.Frames)
                {
                    w.WriteStringValue(f.Function);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>Self and total samples of one function.</summary>
internal sealed record FunctionCount(string Name, string Module, long Self, long Total);

/// <summary>The output formats: <see cref="ProfileWriters"/>, plus the per-function counts of the --json summary.</summary>
internal static class ProfOutputs
{
    public static string Extension(string format) => ProfileWriters.DefaultExtension(format);

    public static void Write(string format, Profile profile, Stream output, string? sourceDirectory)
        => ProfileWriters.Write(format, profile, output, new ProfileWriteOptions { SourceDirectory = sourceDirectory });

    public static string Text(Profile profile)
    {
        var stream = new MemoryStream();
        ProfileWriters.Write("text", profile, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static List<FunctionCount> Functions(Profile profile)
    {
        var self = new Dictionary<(string, string), long>();
        var total = new Dictionary<(string, string), long>();
        foreach (ProfileStack s in profile.Stacks)
        {
            var seen = new HashSet<(string, string)>();
            for (int i = 0; i < s.Frames.Count; i++)
            {
                var k = (s.Frames[i].Function, s.Frames[i].Module);
                if (seen.Add(k))
                {
                    total[k] = total.GetValueOrDefault(k) + s.Count;
                }

                if (i == s.Frames.Count - 1)
                {
                    self[k] = self.GetValueOrDefault(k) + s.Count;
                }
            }
        }

        return total.Keys
            .Select(k => new FunctionCount(k.Item1, k.Item2, self.GetValueOrDefault(k), total[k]))
            .OrderByDescending(f => f.Self).ThenByDescending(f => f.Total).ThenBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }
}
