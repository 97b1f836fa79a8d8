using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using Lantern.C;
using Lantern.C.Diagnostics;
using Lantern.C.Interp;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.C.Lex;
using Lantern.C.Preprocess;
using Lantern.C.Runtime;

namespace Lantern.Cli;

/// <summary>What the user asked <c>lantern run</c>/<c>lantern compile</c> to do.</summary>
internal sealed class RunOptions
{
    public required string File { get; init; }

    public IReadOnlyList<string> ProgramArgs { get; init; } = Array.Empty<string>();

    public List<string> IncludePaths { get; } = new();

    /// <summary>-D values as written: NAME or NAME=VALUE.</summary>
    public List<string> Defines { get; } = new();

    public List<string> Undefines { get; } = new();

    public bool DumpTokens { get; init; }

    public bool DumpIr { get; init; }

    public bool Interpret { get; init; }

    public double? Timeout { get; init; }
}

/// <summary>
/// The pipeline behind the commands, written out literally: check the file, compile (or only preprocess),
/// print diagnostics, dump what was asked, run on a worker thread with a big stack.
/// </summary>
internal static class Driver
{
    /// <summary>Stack of the thread that runs the C program: C code may recurse deeply.</summary>
    public const int ProgramStackSize = 256 * 1024 * 1024;

    public static int Run(RunOptions options)
    {
        if (!CheckReadable(options.File))
        {
            return LanternCommand.ExitCompileError;
        }

        if (options.DumpTokens)
        {
            int status = DumpTokens(options);
            if (status != 0 || !options.DumpIr)
            {
                return status;
            }
        }

        // The program's thread starts now and prepares the runtime while this thread compiles (start-up time).
        ProgramThread? program = options.DumpIr ? null : ProgramThread.Start(options);
        int compileStatus = CompileAndReport(options, out CompileResult? result);
        if (compileStatus != 0)
        {
            program?.Run(null);
            return compileStatus;
        }

        IrModule module = result!.Module!;
        if (options.DumpIr)
        {
            WriteStdout(IrPrinter.Print(module));
            return 0;
        }

        // The x64 JIT by default; --interp runs the reference interpreter.
        return Execute(program!, module, options);
    }

    public static int Compile(RunOptions options)
    {
        if (!CheckReadable(options.File))
        {
            return LanternCommand.ExitCompileError;
        }

        return CompileAndReport(options, out _);
    }

    /// <summary>
    /// <c>lantern compile --bench-frontend N file.c</c>: compiles the file N times in this process (the first
    /// run also warms up the .NET JIT) and prints the best run's front-end throughput: wall-clock time, and the
    /// process CPU time (all threads, GC included), which is steadier on a busy machine.
    /// </summary>
    public static int BenchFrontEnd(RunOptions options, int runs)
    {
        if (!CheckReadable(options.File))
        {
            return LanternCommand.ExitCompileError;
        }

        int lines = CountLines(System.IO.File.ReadAllText(options.File));
        double best = double.MaxValue;
        double bestCpu = double.MaxValue;
        double total = 0;
        using var process = Process.GetCurrentProcess();
        for (int i = 0; i <= runs; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            process.Refresh();
            TimeSpan cpuStart = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            CompileResult result;
            try
            {
                result = CCompiler.CompileFile(options.File, MakeCompileOptions(options));
            }
            catch (Exception e)
            {
                return ReportInternalError(e, "internal compiler error");
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            double cpuSeconds = (process.TotalProcessorTime - cpuStart).TotalSeconds;
            if (!result.Success)
            {
                PrintDiagnostics(result.Diagnostics);
                return LanternCommand.ExitCompileError;
            }

            if (i == 0)
            {
                continue; // warm-up
            }

            best = Math.Min(best, seconds);
            bestCpu = Math.Min(bestCpu, cpuSeconds);
            total += seconds;
        }

        WriteStdout(string.Format(
            CultureInfo.InvariantCulture,
            "lines={0} runs={1} best_seconds={2:F4} mean_seconds={3:F4} lines_per_second={4:F0} best_cpu_seconds={5:F4}\n",
            lines,
            runs,
            best,
            total / runs,
            lines / best,
            bestCpu));
        return 0;
    }

    /// <summary>Prints <c>lantern: internal ... error: message</c> and "please report"; the stack trace only with LANTERN_DEBUG=1.</summary>
    public static int ReportInternalError(Exception e, string what)
    {
        Terminal.WriteError(FormatInternalError(e, what, Terminal.Debug));
        return LanternCommand.ExitInternalError;
    }

    /// <summary>The text of an internal-error report: one line, then either the exception or "please report".</summary>
    internal static string FormatInternalError(Exception e, string what, bool debug)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            e = aggregate.InnerExceptions[0];
        }

        string message = e.Message.Trim();
        int newline = message.IndexOf('\n');
        string firstLine = newline < 0 ? message : message[..newline].TrimEnd();
        var sb = new StringBuilder();
        sb.Append("lantern: ").Append(what).Append(": ").Append(firstLine).Append(" (").Append(e.GetType().Name).Append(")\n");
        if (debug)
        {
            sb.Append(e).Append('\n');
        }
        else
        {
            sb.Append("lantern: please report this bug with the program that triggers it; set LANTERN_DEBUG=1 for details\n");
        }

        return sb.ToString();
    }

    /// <summary>Reports an unreadable input like a C compiler: <c>lantern: error: cannot open 'x.c': No such file or directory</c>.</summary>
    internal static bool CheckReadable(string path)
    {
        string? problem = null;
        if (Directory.Exists(path))
        {
            problem = "Is a directory";
        }
        else if (!System.IO.File.Exists(path))
        {
            problem = "No such file or directory";
        }
        else
        {
            try
            {
                using FileStream s = System.IO.File.OpenRead(path);
            }
            catch (UnauthorizedAccessException)
            {
                problem = "Permission denied";
            }
            catch (IOException e)
            {
                problem = e.Message;
            }
        }

        if (problem is not null)
        {
            Terminal.Error($"cannot open '{path}': {problem}");
            return false;
        }

        return true;
    }

    private static CompileOptions MakeCompileOptions(RunOptions options)
    {
        var compile = new CompileOptions();
        PreprocessorOptions pp = compile.Preprocessor;
        pp.IncludePaths.AddRange(options.IncludePaths);
        foreach (string d in options.Defines)
        {
            int eq = d.IndexOf('=');
            pp.Defines.Add(eq < 0 ? (d, null) : (d[..eq], d[(eq + 1)..]));
        }

        pp.Undefines.AddRange(options.Undefines);
        return compile;
    }

    /// <summary>Compiles and prints all diagnostics; returns 0, 1 (errors in the program) or 70 (compiler bug).</summary>
    internal static int CompileAndReport(RunOptions options, out CompileResult? result)
    {
        result = null;
        try
        {
            result = CCompiler.CompileFile(options.File, MakeCompileOptions(options));
            StartupTrace.Mark("compiled to IR");
        }
        catch (Exception e)
        {
            return ReportInternalError(e, "internal compiler error");
        }

        PrintDiagnostics(result.Diagnostics);
        return result.Success ? 0 : LanternCommand.ExitCompileError;
    }

    private static void PrintDiagnostics(DiagnosticBag diagnostics)
    {
        if (diagnostics.Items.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        foreach (Diagnostic d in diagnostics.Items)
        {
            sb.Append(Terminal.ColorDiagnostic(d.Format()));
        }

        Terminal.WriteError(sb.ToString());
    }

    /// <summary><c>--dump-tokens</c>: preprocess only and print the result as C text (like <c>cc -E</c>).</summary>
    private static int DumpTokens(RunOptions options)
    {
        var diagnostics = new DiagnosticBag();
        PreprocessorOptions ppOptions = MakeCompileOptions(options).Preprocessor;
        ppOptions.SystemIncludeDirectory ??= CCompiler.DefaultIncludeDirectory;
        List<Token>? tokens = null;
        try
        {
            tokens = new Preprocessor(ppOptions, diagnostics).PreprocessFile(options.File);
        }
        catch (TooManyErrorsException)
        {
            diagnostics.Note(SourceLocation.None, "too many errors; stopping");
        }
        catch (CompilationAbortedException)
        {
        }
        catch (Exception e)
        {
            return ReportInternalError(e, "internal compiler error");
        }

        PrintDiagnostics(diagnostics);
        if (diagnostics.HasErrors || tokens is null)
        {
            return LanternCommand.ExitCompileError;
        }

        WriteStdout(TokenPrinter.Print(tokens));
        return 0;
    }

    /// <summary>
    /// Runs main() (JIT or interpreter) on the program's thread (a big stack); enforces the timeout, counted from here.
    /// </summary>
    private static int Execute(ProgramThread program, IrModule module, RunOptions options)
    {
        Terminal.FlushOut();
        program.Run(module);
        Thread thread = program.Thread;
        if (options.Timeout is double seconds)
        {
            if (!thread.Join(TimeSpan.FromSeconds(seconds)))
            {
                // JIT: the crash watcher prints where the program was and exits with 124 itself
                if (!options.Interpret && CrashReporter.InterruptForTimeout(seconds))
                {
                    thread.Join(TimeSpan.FromSeconds(5));
                }

                Terminal.WriteError($"lantern: timeout after {seconds.ToString(CultureInfo.InvariantCulture)} s\n");
                Environment.Exit(LanternCommand.ExitTimeout);
            }
        }
        else
        {
            thread.Join();
        }

        StartupTrace.Mark("program finished");

        ExceptionDispatchInfo? failure = program.Failure;
        if (failure?.SourceException is JitLinkException link)
        {
            Terminal.Error(link.Message);
            return LanternCommand.ExitCompileError;
        }

        if (failure is not null)
        {
            return ReportInternalError(failure.SourceException, "internal error while running the program");
        }

        return program.Status;
    }

    private static void WriteStdout(string text) => Terminal.WriteOut(text);

    private static int CountLines(string text)
    {
        int lines = 0;
        foreach (char c in text)
        {
            if (c == '\n')
            {
                lines++;
            }
        }

        return text.Length > 0 && text[^1] != '\n' ? lines + 1 : lines;
    }

    /// <summary>
    /// The thread that runs the C program, started before the front end: while the main thread compiles, it does the
    /// runtime's start-up work that does not depend on the program (<see cref="JitRunner.Prepare"/>; the interpreter's
    /// call bridge), then waits for the module.
    /// </summary>
    private sealed class ProgramThread
    {
        private readonly RunOptions _options;
        private readonly object _lock = new();
        private bool _given;
        private IrModule? _module;

        private ProgramThread(RunOptions options)
        {
            _options = options;
            Thread = new Thread(Body, ProgramStackSize) { Name = "lantern-program", IsBackground = true };
        }

        public Thread Thread { get; }

        /// <summary>main's value or exit's status, once <see cref="Thread"/> has ended.</summary>
        public int Status { get; private set; }

        /// <summary>What the run threw (a link error, an internal error), once <see cref="Thread"/> has ended.</summary>
        public ExceptionDispatchInfo? Failure { get; private set; }

        public static ProgramThread Start(RunOptions options)
        {
            var program = new ProgramThread(options);
            program.Thread.Start();
            return program;
        }

        /// <summary>Hands the compiled module to the thread, which runs it; null: nothing to run, the thread ends.</summary>
        public void Run(IrModule? module)
        {
            lock (_lock)
            {
                _module = module;
                _given = true;
                Monitor.Pulse(_lock);
            }
        }

        private void Body()
        {
            StartupTrace.Mark("program thread started");
            if (_options.Interpret)
            {
                try
                {
                    _ = CallBridge.Stub;
                }
                catch (Exception)
                {
                    // generated again, and reported, by the first call into the C library
                }
            }
            else
            {
                JitRunner.Prepare();
            }

            StartupTrace.Mark("runtime prepared");
            IrModule? module;
            lock (_lock)
            {
                while (!_given)
                {
                    Monitor.Wait(_lock);
                }

                module = _module;
            }

            if (module is null)
            {
                return;
            }

            try
            {
                Status = _options.Interpret
                    ? new Interpreter(module).Run(_options.File, _options.ProgramArgs)
                    : JitRunner.Run(module, _options.File, _options.ProgramArgs, onCurrentThread: true);
            }
            catch (Exception e)
            {
                Failure = ExceptionDispatchInfo.Capture(e);
            }
        }
    }
}
