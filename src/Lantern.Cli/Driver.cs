using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Lantern.C;
using Lantern.C.Interp;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.C.Runtime;
using Lantern.Observability.Interop;

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

    /// <summary>What <c>--dump=</c> (or <c>--dump-tokens</c>, <c>--dump-ir</c>) asked to print instead of running.</summary>
    public DumpKinds Dump { get; init; }

    public bool Interpret { get; init; }

    public double? Timeout { get; init; }

    /// <summary>The compiler's options for <see cref="IncludePaths"/>, <see cref="Defines"/>, <see cref="Undefines"/>.</summary>
    public CompileOptions CompileOptions() => ProgramCompiler.Options(IncludePaths, Defines, Undefines);
}

/// <summary>
/// <c>lantern run</c> and <c>lantern compile</c>, written out literally: compile and report
/// (<see cref="ProgramCompiler"/>), print the dumps asked for (<see cref="Dumps"/>), or run on the program's thread.
/// </summary>
internal static class Driver
{
    public static int Run(RunOptions options)
    {
        if (options.Dump != DumpKinds.None)
        {
            return Dumps.Run(options);
        }

        // The program's thread starts now and prepares the runtime while this thread compiles (start-up time).
        PreparedProgram program = PreparedProgram.Start(options);
        int compileStatus = ProgramCompiler.Compile(options.File, options.CompileOptions(), out IrModule? module);
        if (compileStatus != 0)
        {
            program.Run(null);
            return compileStatus;
        }

        // The x64 JIT by default; --interp runs the reference interpreter.
        return Execute(program, module!, options);
    }

    public static int Compile(RunOptions options)
    {
        if (options.Dump != DumpKinds.None)
        {
            return Dumps.Run(options);
        }

        return ProgramCompiler.Compile(options.File, options.CompileOptions(), out _);
    }

    /// <summary>
    /// <c>lantern compile --bench-frontend N file.c</c>: compiles the file N times in this process (the first
    /// run also warms up the .NET JIT) and prints the best run's front-end throughput: wall-clock time, and the
    /// process CPU time (all threads, GC included), which is steadier on a busy machine.
    /// </summary>
    public static int BenchFrontEnd(RunOptions options, int runs)
    {
        if (!ProgramCompiler.CheckReadable(options.File))
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
                result = CCompiler.CompileFile(options.File, options.CompileOptions());
            }
            catch (Exception e)
            {
                return InternalError.Report(e, "internal compiler error");
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            double cpuSeconds = (process.TotalProcessorTime - cpuStart).TotalSeconds;
            if (!result.Success)
            {
                ProgramCompiler.PrintDiagnostics(result.Diagnostics);
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

    /// <summary>
    /// Runs main() (JIT or interpreter) on the program's thread (a big stack); enforces the timeout, counted from here.
    /// </summary>
    private static int Execute(PreparedProgram program, IrModule module, RunOptions options)
    {
        Terminal.FlushOut();

        // The .NET runtime ignores SIGPIPE; a C program expects the default action, which ends `prog | head -1` at
        // its first write after head exited (and children it execs inherit an ignored SIGPIPE otherwise).
        LibC.SetDefaultAction(Signals.SigPipe);
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
            return InternalError.Report(failure.SourceException, "internal error while running the program");
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
    /// The program's thread (<see cref="ProgramThread"/>) of <c>lantern run</c>, started before the front end: while
    /// the main thread compiles, it does the runtime's start-up work that does not depend on the program
    /// (<see cref="JitRunner.Prepare"/>; the interpreter's call bridge), then waits for the module and runs it.
    /// </summary>
    private sealed class PreparedProgram
    {
        private readonly RunOptions _options;
        private readonly object _lock = new();
        private bool _given;
        private IrModule? _module;

        private PreparedProgram(RunOptions options)
        {
            _options = options;
        }

        public Thread Thread { get; private set; } = null!;

        /// <summary>main's value or exit's status, once <see cref="Thread"/> has ended.</summary>
        public int Status { get; private set; }

        /// <summary>What the run threw (a link error, an internal error), once <see cref="Thread"/> has ended.</summary>
        public ExceptionDispatchInfo? Failure { get; private set; }

        public static PreparedProgram Start(RunOptions options)
        {
            var program = new PreparedProgram(options);
            program.Thread = ProgramThread.Start(program.Body);
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
