using System.Diagnostics;
using Lantern.C;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.C.Jit.Debug;
using Lantern.Observability.Debugging;

// bench/dbg/run's driver. Figures go to stderr (the C programs write to stdout).
//   hits FILE N       breakpoint on f with an always-false condition, then with an ignore count: ns per hit + resume
//   steps FILE N      N source-level `step`s: steps per second
//   idle FILE RUNS ARGS...  the program run with and without patch sites: best CPU time of its thread for each
string mode = args[0];
string file = args[1];
CompileResult compiled = CCompiler.CompileFile(file, new CompileOptions());
if (!compiled.Success)
{
    Console.Error.WriteLine(string.Join("\n", compiled.Diagnostics));
    return 2;
}

IrModule module = compiled.Module!;
switch (mode)
{
    case "hits":
    {
        int n = int.Parse(args[2]);
        double Measure(Action<DebugSession> setup)
        {
            using var target = JitDebugTarget.Create(module);
            using var session = new DebugSession(target, "hits", [n.ToString()]);
            setup(session);
            var sw = Stopwatch.StartNew();
            StopEvent e = session.Run();
            sw.Stop();
            if (e.Kind != StopKind.Exited)
            {
                throw new InvalidOperationException($"unexpected stop {e.Kind}");
            }

            return sw.Elapsed.TotalSeconds;
        }

        Measure(_ => { });                                      // warm-up
        double none = Math.Min(Measure(_ => { }), Measure(_ => { }));
        double cond = Math.Min(Measure(s => s.SetCondition(s.Break("f").Number, "0", _ => false)), Measure(s => s.SetCondition(s.Break("f").Number, "0", _ => false)));
        double ignore = Math.Min(Measure(s => s.SetIgnoreCount(s.Break("f").Number, n)), Measure(s => s.SetIgnoreCount(s.Break("f").Number, n)));
        Console.Error.WriteLine($"run {none:F4} s; with condition {cond:F4} s; with ignore {ignore:F4} s");
        Console.Error.WriteLine($"hit_condition_ns {(cond - none) / n * 1e9:F0}");
        Console.Error.WriteLine($"hit_ignore_ns {(ignore - none) / n * 1e9:F0}");
        return 0;
    }

    case "steps":
    {
        int n = int.Parse(args[2]);
        using var target = JitDebugTarget.Create(module);
        using var session = new DebugSession(target, "steps", [(n * 10).ToString()]);
        session.Break("main");
        session.Run();
        for (int i = 0; i < 1000; i++)
        {
            session.Step();                                     // warm-up
        }

        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            StopEvent e = session.Step();
            if (e.Kind != StopKind.EndSteppingRange)
            {
                throw new InvalidOperationException($"unexpected stop {e.Kind}");
            }
        }

        sw.Stop();
        Console.Error.WriteLine($"steps_per_s {n / sw.Elapsed.TotalSeconds:F0}");
        sw.Restart();
        StopEvent last = session.Step(n);                      // `step N`: every step decided, only the last reported
        sw.Stop();
        if (last.Kind != StopKind.EndSteppingRange)
        {
            throw new InvalidOperationException($"unexpected stop {last.Kind}");
        }

        Console.Error.WriteLine($"step_n_per_s {n / sw.Elapsed.TotalSeconds:F0}");
        session.Kill();
        return 0;
    }

    case "idle":
    {
        int runs = int.Parse(args[2]);
        string[] programArgs = args[3..];
        double Time(bool debug)
        {
            // CPU time of the program's thread (the machine may be shared: wall-clock time is noisier, and the
            // process's CPU time includes .NET's background threads)
            using var jit = new JitModule(module, debug);
            double seconds = 0;
            var thread = new Thread(
                () =>
                {
                    double before = ThreadCpuSeconds();
                    jit.RunMainOnCurrentThread(file, programArgs);
                    seconds = ThreadCpuSeconds() - before;
                },
                256 << 20);
            thread.Start();
            thread.Join();
            return seconds;
        }

        double plain = double.MaxValue, withSites = double.MaxValue;
        Time(false);                                            // warm-up (first-touch page faults, .NET tiering)
        Time(true);
        for (int r = 0; r < runs; r++)
        {
            // alternate which goes first
            if (r % 2 == 0)
            {
                plain = Math.Min(plain, Time(false));
                withSites = Math.Min(withSites, Time(true));
            }
            else
            {
                withSites = Math.Min(withSites, Time(true));
                plain = Math.Min(plain, Time(false));
            }
        }

        Console.Error.WriteLine($"idle {Path.GetFileNameWithoutExtension(file)} {plain:F4} {withSites:F4}");
        return 0;
    }
}

Console.Error.WriteLine("usage: DbgBench hits|steps|idle FILE ...");
return 2;

static unsafe double ThreadCpuSeconds()
{
    long* ts = stackalloc long[2];
    ClockGettime(3 /* CLOCK_THREAD_CPUTIME_ID */, ts);
    return ts[0] + (ts[1] / 1e9);
}

[System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
static extern unsafe int ClockGettime(int clock, long* ts);
