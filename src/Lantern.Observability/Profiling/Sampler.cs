using System.Diagnostics;
using System.Runtime.InteropServices;
using Lantern.Observability.Interop;

namespace Lantern.Observability.Profiling;

/// <summary>Which clock drives the samples.</summary>
public enum SamplingEngine
{
    /// <summary>perf_event software cpu-clock per thread, when available, else the CPU-time timer.</summary>
    Auto,

    /// <summary>perf_event_open(PERF_COUNT_SW_CPU_CLOCK) per thread, signal delivery by O_ASYNC/F_SETSIG/F_SETOWN_EX.</summary>
    PerfEvent,

    /// <summary>timer_create(CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID): tick-limited on most kernels.</summary>
    ThreadCpuTimer,

    /// <summary>
    /// Wall-clock time, blocked time included: a ticker thread wakes at the rate; a thread that runs (or waits for a
    /// CPU) gets SIGPROF, a thread blocked in a system call is not interrupted (that would cut a sleep short with
    /// EINTR) but walked from the ticker, from the sp and pc that /proc/self/task/TID/syscall shows; so is a thread
    /// waiting for a CPU.
    /// </summary>
    Wall,

    /// <summary>No signals: only the threads' CPU time is measured (the baseline of the overhead benchmark).</summary>
    None,
}

/// <summary>What the sampler is asked to do.</summary>
public sealed record SamplerOptions
{
    /// <summary>Samples per second of thread CPU time (or of wall time).</summary>
    public double Hz { get; init; } = 1000;

    /// <summary>The engine; <see cref="SamplingEngine.Auto"/> picks perf_event, then the CPU-time timer.</summary>
    public SamplingEngine Engine { get; init; } = SamplingEngine.Auto;

    /// <summary>Jitter of each period, as a fraction of the period (0.2: each period is uniform in ±10%).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Bytes of sample buffer per thread (reserved, touched as used).</summary>
    public long BufferBytes { get; init; } = 512L << 20;

    /// <summary>The first expiry in ns of CPU time (tests); by default it is random in (0, period].</summary>
    internal long? FirstExpiryNs { get; init; }
}

/// <summary>The raw result of a sampling run: stacks of return addresses (leaf first) and the bookkeeping.</summary>
public sealed record RawProfile(
    IReadOnlyList<ulong[]> Stacks,
    string Engine,
    double RequestedHz,
    long Expected,
    long Received,
    long Dropped,
    double DurationSeconds,
    bool Wall,
    double CpuSeconds,
    long Outside = 0);

/// <summary>
/// The sampling engine: a signal (SIGPROF) on each profiled thread at about <see cref="SamplerOptions.Hz"/>, a
/// machine-code handler (<see cref="SamplingHandler"/>) that walks the frame-pointer chain into a pre-allocated
/// per-thread buffer, and the collection of the raw stacks once sampling stopped. One sampler runs at a time in
/// a process. Knows nothing of C: the JIT code is described by <see cref="CodeInfo"/> (ranges and CFI).
/// </summary>
public sealed unsafe class Sampler : IDisposable
{
    private const int HandlerCodeSize = 4096;

    private static readonly object s_lock = new();
    private static nint s_block;
    private static Sampler? s_current;

    private readonly SamplerOptions _options;
    private readonly nint _table;
    private readonly long _tableBytes;
    private readonly List<ThreadState> _threads = new();
    private readonly List<CodeRange> _ranges;
    private Thread? _ticker;
    private readonly Stopwatch _clock = new();
    private SamplingEngine _engine;
    private bool _stopped;

    private sealed class ThreadState
    {
        public required nint Slot { get; init; }
        public required nint Buffer { get; init; }
        public required int Tid { get; init; }
        public long CpuStartNs { get; set; }
        public long CpuNs { get; set; }
        public long Counted { get; set; } = -1;
        public long StackLow { get; init; }
        public long StackHigh { get; init; }
        public List<ulong[]> Blocked { get; } = new();
        public bool Stopped { get; set; }
        public double WallStart { get; set; }
        public double WallSeconds { get; set; }
    }

    /// <summary>Prepares a sampler for the JIT functions <paramref name="functions"/> (ranges and CFI).</summary>
    public Sampler(IEnumerable<CodeInfo> functions, SamplerOptions options)
    {
        if (!(options.Hz >= 1 && options.Hz <= 100_000))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"sampling rate {options.Hz} Hz is outside 1..100000");
        }

        _options = options;
        List<CodeRange> ranges = CodeRanges.Build(functions);
        _ranges = ranges;
        _tableBytes = Math.Max(1, ranges.Count) * SamplingHandler.EntrySize;
        _table = (nint)LibC.MapAnonymousMemory((nuint)_tableBytes, LibC.ProtRead | LibC.ProtWrite);
        for (int i = 0; i < ranges.Count; i++)
        {
            long* e = (long*)(_table + i * SamplingHandler.EntrySize);
            e[0] = (long)ranges[i].Low;
            e[1] = (long)ranges[i].High;
            e[2] = ranges[i].Kind;
        }

        lock (s_lock)
        {
            InstallOnce();
            if (s_current is { _stopped: false })
            {
                throw new InvalidOperationException("another sampler is running");
            }

            s_current = this;
            nint b = s_block;
            *(long*)(b + SamplingHandler.BlockSlotCount) = 0;
            *(long*)(b + SamplingHandler.BlockTableCount) = 0;
            *(nint*)(b + SamplingHandler.BlockTable) = _table;
            *(long*)(b + SamplingHandler.BlockCodeLow) = ranges.Count > 0 ? (long)ranges[0].Low : 0;
            *(long*)(b + SamplingHandler.BlockCodeHigh) = ranges.Count > 0 ? (long)ranges.Max(r => r.High) : 0;
            Volatile.Write(ref *(long*)(b + SamplingHandler.BlockTableCount), ranges.Count);
        }

        _engine = options.Engine;
    }

    /// <summary>The engine that runs (known once the first thread started).</summary>
    public SamplingEngine Engine => _engine;

    /// <summary>A human-readable name of the engine, as profiles state it.</summary>
    public string EngineName => _engine switch
    {
        SamplingEngine.PerfEvent => "perf_event cpu-clock",
        SamplingEngine.ThreadCpuTimer => "timer_create CLOCK_THREAD_CPUTIME_ID",
        SamplingEngine.Wall => "wall-clock ticker (SIGPROF to running threads, blocked threads walked)",
        SamplingEngine.None => "none (no sampling)",
        _ => "none",
    };

    /// <summary>
    /// Starts sampling the calling thread (call it on the program's thread just before the program runs).
    /// Returns false if no engine could be started (the reason on stderr is the caller's business).
    /// </summary>
    public bool StartCurrentThread()
    {
        int tid = LibC.GetTid();
        nint stackLow = 0;
        nint stackHigh = 0;
        byte* attr = stackalloc byte[128];
        if (LibC.PthreadGetattrNp(LibC.PthreadSelf(), attr) == 0)
        {
            nint size = 0;
            LibC.PthreadAttrGetstack(attr, &stackLow, &size);
            LibC.PthreadAttrDestroy(attr);
            stackHigh = stackLow + size;
        }

        nint block = s_block;
        ThreadState state;
        lock (s_lock)
        {
            long count = *(long*)(block + SamplingHandler.BlockSlotCount);
            if (count >= SamplingHandler.MaxSlots || _stopped)
            {
                return false;
            }

            nint slot = block + SamplingHandler.BlockSlots + (nint)(count * SamplingHandler.SlotSize);
            new Span<byte>((void*)slot, SamplingHandler.SlotSize).Clear();
            nint buffer = MapNoReserve(_options.BufferBytes);
            if (buffer == 0)
            {
                return false;
            }

            long period = (long)(1e9 / _options.Hz);
            long jitter = (long)(period * Math.Clamp(_options.Jitter, 0, 1));
            *(long*)(slot + SamplingHandler.SlotTid) = tid;
            *(long*)(slot + SamplingHandler.SlotStackLow) = stackLow;
            *(long*)(slot + SamplingHandler.SlotStackHigh) = stackHigh;
            *(long*)(slot + SamplingHandler.SlotWrite) = buffer;
            *(long*)(slot + SamplingHandler.SlotLimit) = buffer + (nint)_options.BufferBytes;
            *(long*)(slot + SamplingHandler.SlotPeriod) = period;
            *(long*)(slot + SamplingHandler.SlotJitter) = jitter;
            *(ulong*)(slot + SamplingHandler.SlotRandom) = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
            *(long*)(slot + SamplingHandler.SlotInterval) = period / 1_000_000_000;
            *(long*)(slot + SamplingHandler.SlotInterval + 8) = period % 1_000_000_000;
            state = new ThreadState { Slot = slot, Buffer = buffer, Tid = tid, StackLow = stackLow, StackHigh = stackHigh };
            _threads.Add(state);
            Volatile.Write(ref *(long*)(block + SamplingHandler.BlockSlotCount), count + 1);
        }

        long first = _options.FirstExpiryNs
            ?? Math.Max(10_000, (long)(Random.Shared.NextDouble() * *(long*)(state.Slot + SamplingHandler.SlotPeriod)));
        state.CpuStartNs = ThreadCpuNs(tid);
        lock (s_lock)
        {
            if (!_clock.IsRunning && _threads.Count == 1)
            {
                _clock.Start();
            }

            state.WallStart = _clock.Elapsed.TotalSeconds;
        }

        if (_engine == SamplingEngine.None)
        {
            return true;
        }

        if (_engine is SamplingEngine.Auto or SamplingEngine.PerfEvent)
        {
            int fd = OpenPerfEvent(tid, first);
            if (fd >= 0)
            {
                _engine = SamplingEngine.PerfEvent;
                *(long*)(block + SamplingHandler.BlockEngine) = 0;
                *(long*)(state.Slot + SamplingHandler.SlotHandle) = fd;
                Volatile.Write(ref *(int*)(state.Slot + SamplingHandler.SlotActive), 1);
                LibC.Syscall(LibC.SysIoctl, fd, PerfEventIocReset, 0);
                LibC.Syscall(LibC.SysIoctl, fd, PerfEventIocEnable, 0);
                return true;
            }

            if (_engine == SamplingEngine.PerfEvent)
            {
                return false;
            }

            _engine = SamplingEngine.ThreadCpuTimer;
        }

        if (_engine == SamplingEngine.Wall)
        {
            *(long*)(block + SamplingHandler.BlockEngine) = 2; // the ticker drives the rate: no re-arm
            Volatile.Write(ref *(int*)(state.Slot + SamplingHandler.SlotActive), 1);
            lock (s_lock)
            {
                if (_ticker is null)
                {
                    _ticker = new Thread(Tick) { IsBackground = true, Name = "lantern-prof-wall" };
                    _ticker.Start();
                }
            }

            return true;
        }

        int clock = LibC.ClockThreadCpuTime;
        byte* sev = stackalloc byte[64];
        new Span<byte>(sev, 64).Clear();
        *(int*)(sev + 8) = Signals.SigProf;        // sigev_signo
        *(int*)(sev + 12) = SigevThreadId;         // sigev_notify
        *(int*)(sev + 16) = tid;                   // _sigev_un._tid
        int timerId = 0;
        if (LibC.Syscall(LibC.SysTimerCreate, clock, (long)sev, (long)&timerId) != 0)
        {
            return false;
        }

        *(long*)(block + SamplingHandler.BlockEngine) = 1;
        *(long*)(state.Slot + SamplingHandler.SlotHandle) = timerId;
        Volatile.Write(ref *(int*)(state.Slot + SamplingHandler.SlotActive), 1);
        long* its = stackalloc long[4];
        its[0] = *(long*)(state.Slot + SamplingHandler.SlotInterval);
        its[1] = *(long*)(state.Slot + SamplingHandler.SlotInterval + 8);
        its[2] = first / 1_000_000_000;
        its[3] = first % 1_000_000_000;
        LibC.Syscall(LibC.SysTimerSettime, timerId, 0, (long)its, 0);
        return true;
    }

    /// <summary>
    /// <c>void hook(void)</c> for a thread the program creates to call on itself when it starts: samples it with the
    /// running sampler, if any.
    /// </summary>
    public static nint ThreadStartingHook => (nint)(delegate* unmanaged<void>)&OnThreadStarting;

    /// <summary><c>void hook(void)</c> for a thread the program creates to call when its start routine returned.</summary>
    public static nint ThreadFinishedHook => (nint)(delegate* unmanaged<void>)&OnThreadFinished;

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static void OnThreadStarting()
    {
        try
        {
            s_current?.StartCurrentThread();
        }
        catch (Exception)
        {
            // never let an exception cross into the program's frames
        }
    }

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static void OnThreadFinished()
    {
        try
        {
            s_current?.StopThread(LibC.GetTid());
        }
        catch (Exception)
        {
        }
    }

    /// <summary>Stops sampling thread <paramref name="tid"/> (it is about to end).</summary>
    private void StopThread(int tid)
    {
        lock (s_lock)
        {
            if (_stopped)
            {
                return;
            }

            foreach (ThreadState t in _threads)
            {
                if (t.Tid == tid && !t.Stopped)
                {
                    StopOne(t);
                }
            }
        }
    }

    private void StopOne(ThreadState t)
    {
        t.Stopped = true;
        Volatile.Write(ref *(int*)(t.Slot + SamplingHandler.SlotActive), 0);
        long handle = *(long*)(t.Slot + SamplingHandler.SlotHandle);
        if (_engine is SamplingEngine.None or SamplingEngine.Wall)
        {
        }
        else if (_engine == SamplingEngine.PerfEvent)
        {
            LibC.Syscall(LibC.SysIoctl, handle, PerfEventIocDisable, 0);
            long value = 0;
            if (LibC.Syscall(LibC.SysRead, handle, (long)&value, 8) == 8)
            {
                t.Counted = value;
            }

            LibC.Syscall(LibC.SysClose, handle, 0, 0);
        }
        else
        {
            LibC.Syscall(LibC.SysTimerDelete, handle, 0, 0);
        }

        long cpu = ThreadCpuNs(t.Tid);
        t.CpuNs = cpu >= 0 && t.CpuStartNs >= 0 ? cpu - t.CpuStartNs : 0;
        if (_engine == SamplingEngine.Wall)
        {
            t.WallSeconds = _clock.Elapsed.TotalSeconds - t.WallStart;
        }
    }

    /// <summary>
    /// Stops sampling on every thread; safe to call from any thread and more than once (the crash watcher calls it
    /// while the program's thread is parked).
    /// </summary>
    public void Stop()
    {
        lock (s_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            foreach (ThreadState t in _threads)
            {
                if (!t.Stopped)
                {
                    StopOne(t);
                }
            }

            // a signal already being handled finishes quickly; the write pointer is published last, so a record
            // still being written is simply not seen
            *(long*)(s_block + SamplingHandler.BlockSlotCount) = 0;
            _clock.Stop();
        }
    }

    /// <summary>Stops sampling if needed and returns the stacks and the bookkeeping.</summary>
    public RawProfile Collect()
    {
        Stop();
        var stacks = new List<ulong[]>();
        long received = 0;
        long dropped = 0;
        double expected = 0;
        double cpuSeconds = 0;
        long outside = 0;
        foreach (ThreadState t in _threads)
        {
            long end = *(long*)(t.Slot + SamplingHandler.SlotWrite);
            long p = t.Buffer;
            while (p < end)
            {
                long n = *(long*)p;
                if (n < 0 || n > SamplingHandler.MaxDepth || p + 8 + n * 8 > end)
                {
                    break;
                }

                var frames = new ulong[n];
                new ReadOnlySpan<ulong>((void*)(p + 8), (int)n).CopyTo(frames);
                p += 8 + n * 8;
                if (_ranges.Count > 0 && !HasJitFrame(frames))
                {
                    outside++; // the runtime around the program (before main, after it), not the program
                    continue;
                }

                stacks.Add(frames);
            }

            lock (t.Blocked)
            {
                foreach (ulong[] frames in t.Blocked)
                {
                    if (_ranges.Count > 0 && !HasJitFrame(frames))
                    {
                        outside++;
                        continue;
                    }

                    stacks.Add(frames);
                }

                received += t.Blocked.Count;
            }

            received += *(long*)(t.Slot + SamplingHandler.SlotReceived);
            dropped += *(long*)(t.Slot + SamplingHandler.SlotDropped);
            double seconds = _engine == SamplingEngine.Wall
                ? t.WallSeconds
                : (t.Counted >= 0 ? t.Counted : t.CpuNs) / 1e9;
            expected += _engine == SamplingEngine.None ? 0 : seconds * _options.Hz;
            cpuSeconds += t.CpuNs / 1e9;
        }

        return new RawProfile(stacks, EngineName, _options.Hz, (long)Math.Round(expected), received - outside, dropped,
            _clock.Elapsed.TotalSeconds, _engine == SamplingEngine.Wall, cpuSeconds, outside);
    }

    /// <summary>Stops sampling and frees the sample buffers (the handler stays installed and ignores signals).</summary>
    public void Dispose()
    {
        Stop();
        foreach (ThreadState t in _threads)
        {
            LibC.Munmap(t.Buffer, (nuint)_options.BufferBytes);
        }

        _threads.Clear();
        lock (s_lock)
        {
            if (s_current == this)
            {
                *(long*)(s_block + SamplingHandler.BlockTableCount) = 0;
                s_current = null;
                LibC.Munmap(_table, (nuint)_tableBytes);
            }
        }
    }

    /// <summary>The wall-clock ticker: at each (jittered) tick, signal the running threads, walk the blocked ones.</summary>
    private void Tick()
    {
        long period = (long)(1e9 / _options.Hz);
        long jitter = (long)(period * Math.Clamp(_options.Jitter, 0, 1));
        long* ts = stackalloc long[2];
        LibC.ClockGettime(LibC.ClockMonotonic, ts);
        long next = ts[0] * 1_000_000_000 + ts[1] + (long)(Random.Shared.NextDouble() * period);
        int pid = Environment.ProcessId;
        byte[] buffer = new byte[512];
        while (!Volatile.Read(ref _stopped))
        {
            ts[0] = next / 1_000_000_000;
            ts[1] = next % 1_000_000_000;
            LibC.ClockNanosleep(LibC.ClockMonotonic, LibC.TimerAbstime, ts, null);
            next += period - (jitter / 2) + (jitter > 0 ? Random.Shared.NextInt64(jitter) : 0);
            ThreadState[] threads;
            lock (s_lock)
            {
                if (_stopped)
                {
                    return;
                }

                threads = _threads.ToArray();
            }

            foreach (ThreadState t in threads)
            {
                if (t.Stopped)
                {
                    continue;
                }

                string? state = ReadSyscallState(t.Tid, buffer);
                if (state is null)
                {
                    continue; // the thread is gone
                }

                string[] fields = state.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 3 && fields[0] != "running"
                    && ulong.TryParse(fields[^2].AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out ulong sp)
                    && ulong.TryParse(fields[^1].AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out ulong pc))
                {
                    // blocked in a system call ("nr args sp pc") or waiting for a CPU ("-1 sp pc"): its stack stands
                    // still, walk it from here rather than interrupt a call (EINTR) or queue signals that coalesce
                    ulong[] frames = WalkBlocked(t, sp, pc);
                    lock (t.Blocked)
                    {
                        t.Blocked.Add(frames);
                    }
                }
                else
                {
                    LibC.Tgkill(pid, t.Tid, Signals.SigProf);
                }
            }
        }
    }

    private static string? ReadSyscallState(int tid, byte[] buffer)
    {
        try
        {
            using var f = new FileStream($"/proc/self/task/{tid}/syscall", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            int n = f.Read(buffer, 0, buffer.Length);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, n).Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The stack of a thread blocked in a system call or preempted, read from another thread: the pc, the first return
    /// address into JIT code above sp (after a call instruction), then the frame-pointer chain of that JIT function,
    /// whose frame is the first word pair above it that holds a saved rbp and a return address into JIT code (if
    /// none, the function is the outermost one). Reads stay within the thread's stack and the JIT's code.
    /// </summary>
    private ulong[] WalkBlocked(ThreadState t, ulong sp, ulong pc)
    {
        var frames = new List<ulong> { pc };
        ulong low = (ulong)t.StackLow, high = (ulong)t.StackHigh;
        bool OnStack(ulong a) => a >= low && a + 16 <= high && (a & 7) == 0;
        ulong p = sp & ~7UL;
        for (int k = 0; k < SamplingHandler.ScanWords && OnStack(p); k++, p += 8)
        {
            ulong w = *(ulong*)p;
            if (!IsReturnIntoJit(w))
            {
                continue;
            }

            frames.Add(w);
            ulong rbp = 0;
            for (ulong q = p + 8; q < p + (64 << 10) && OnStack(q); q += 8)
            {
                ulong saved = *(ulong*)q;
                if (saved > q && saved < high && IsReturnIntoJit(*(ulong*)(q + 8)))
                {
                    rbp = q;
                    break;
                }
            }

            while (rbp != 0 && OnStack(rbp) && frames.Count < SamplingHandler.MaxDepth)
            {
                ulong ret = *(ulong*)(rbp + 8);
                if (FindRange(ret - 1) < 0)
                {
                    break;
                }

                frames.Add(ret);
                ulong next = *(ulong*)rbp;
                if (next <= rbp)
                {
                    break;
                }

                rbp = next;
            }

            break;
        }

        return frames.ToArray();
    }

    private bool HasJitFrame(ulong[] frames)
    {
        for (int i = 0; i < frames.Length; i++)
        {
            if (FindRange(i == 0 ? frames[i] : frames[i] - 1) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="w"/> is a return address into JIT code: just after a call instruction inside a JIT range.</summary>
    private bool IsReturnIntoJit(ulong w)
    {
        int i = FindRange(w - 1);
        if (i < 0 || w - 6 < _ranges[i].Low)
        {
            return false;
        }

        byte* code = (byte*)w;
        return code[-5] == 0xE8 || (code[-6] == 0xFF && code[-5] == 0x15) || (code[-2] == 0xFF && (code[-1] & 0x38) == 0x10);
    }

    private int FindRange(ulong address)
    {
        int lo = 0, hi = _ranges.Count - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) / 2);
            if (address < _ranges[mid].Low)
            {
                hi = mid - 1;
            }
            else if (address >= _ranges[mid].High)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }

        return -1;
    }

    private int OpenPerfEvent(int tid, long firstPeriod)
    {
        byte* attr = stackalloc byte[PerfAttrSize];
        new Span<byte>(attr, PerfAttrSize).Clear();
        *(uint*)(attr + 0) = PerfTypeSoftware;          // type
        *(uint*)(attr + 4) = PerfAttrSize;              // size
        *(ulong*)(attr + 8) = PerfCountSwCpuClock;      // config
        *(ulong*)(attr + 16) = (ulong)firstPeriod;      // sample_period (ns): a random first expiry
        *(ulong*)(attr + 40) = 1UL | (1UL << 5) | (1UL << 6); // disabled, exclude_kernel, exclude_hv
        *(uint*)(attr + 48) = 1;                        // wakeup_events: a signal at every overflow
        int fd = (int)LibC.Syscall(LibC.SysPerfEventOpen, (long)attr, tid, -1, -1, PerfFlagFdCloexec);
        if (fd < 0)
        {
            return -1;
        }

        int* owner = stackalloc int[2];
        owner[0] = FOwnerTid;
        owner[1] = tid;
        if (LibC.Syscall(LibC.SysFcntl, fd, FSetFl, LibC.OAsync | LibC.ONonblock) != 0
            || LibC.Syscall(LibC.SysFcntl, fd, FSetSig, Signals.SigProf) != 0
            || LibC.Syscall(LibC.SysFcntl, fd, FSetOwnEx, (long)owner) != 0)
        {
            LibC.Syscall(LibC.SysClose, fd, 0, 0);
            return -1;
        }

        return fd;
    }

    private static void InstallOnce()
    {
        if (s_block != 0)
        {
            return;
        }

        nint block = (nint)LibC.MapAnonymousMemory(SamplingHandler.BlockSize, LibC.ProtRead | LibC.ProtWrite);
        nint code = (nint)LibC.MapAnonymousMemory(HandlerCodeSize, LibC.ProtRead | LibC.ProtWrite);
        byte[] bytes = SamplingHandler.Emit(block, (ulong)code);
        if (bytes.Length > HandlerCodeSize)
        {
            throw new InvalidOperationException("sampling handler too large");
        }

        Marshal.Copy(bytes, 0, code, bytes.Length);
        if (LibC.Mprotect(code, HandlerCodeSize, LibC.ProtRead | LibC.ProtExec) != 0)
        {
            throw new InvalidOperationException("mprotect of the sampling handler failed");
        }

        byte* act = stackalloc byte[LibC.SigactionSize];
        new Span<byte>(act, LibC.SigactionSize).Clear();
        *(nint*)act = code;
        *(int*)(act + 8 + 128) = LibC.SaSigInfo | LibC.SaOnStack | LibC.SaRestart;
        if (LibC.Sigaction(Signals.SigProf, (nint)act, block + SamplingHandler.BlockOldAction) != 0)
        {
            throw new InvalidOperationException("sigaction(SIGPROF) failed");
        }

        s_block = block;
    }

    /// <summary>CPU time of thread <paramref name="tid"/> of this process in ns (its per-thread CPU clock), or -1.</summary>
    private static long ThreadCpuNs(int tid)
    {
        long* ts = stackalloc long[2];
        int clock = (~tid << 3) | 6; // MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)
        return LibC.ClockGettime(clock, ts) == 0 ? ts[0] * 1_000_000_000 + ts[1] : -1;
    }

    private static nint MapNoReserve(long size)
    {
        nint p = LibC.Mmap(0, (nuint)size, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous | LibC.MapNoReserve, -1, 0);
        return p == LibC.MapFailed ? 0 : p;
    }

    private const int PerfAttrSize = 128;
    private const uint PerfTypeSoftware = 1;
    private const ulong PerfCountSwCpuClock = 0;
    private const long PerfFlagFdCloexec = 8;
    private const long PerfEventIocEnable = 0x2400;
    private const long PerfEventIocDisable = 0x2401;
    private const long PerfEventIocReset = 0x2403;
    private const long FSetFl = 4;
    private const long FSetSig = 10;
    private const long FSetOwnEx = 15;
    private const int FOwnerTid = 0;
    private const int SigevThreadId = 4;
}
