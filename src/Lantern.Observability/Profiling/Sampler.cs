using System.Diagnostics;
using System.Runtime.InteropServices;

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

    /// <summary>timer_create(CLOCK_MONOTONIC, SIGEV_THREAD_ID): wall-clock time, blocked time included.</summary>
    Wall,
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
    bool Wall);

/// <summary>
/// The sampling engine: a signal (SIGPROF) on each profiled thread at about <see cref="SamplerOptions.Hz"/>, a
/// machine-code handler (<see cref="SamplingHandler"/>) that walks the frame-pointer chain into a pre-allocated
/// per-thread buffer, and the collection of the raw stacks once sampling stopped. One sampler runs at a time in
/// a process. Knows nothing of C: the JIT code is described by <see cref="CodeInfo"/> (ranges and CFI).
/// </summary>
public sealed unsafe partial class Sampler : IDisposable
{
    private const int SigProf = 27;
    private const int SaSigInfo = 4;
    private const int SaOnStack = 0x08000000;
    private const int SaRestart = 0x10000000;
    private const int SigactionSize = 152;
    private const int HandlerCodeSize = 4096;

    private static readonly object s_lock = new();
    private static nint s_block;
    private static Sampler? s_current;

    private readonly SamplerOptions _options;
    private readonly nint _table;
    private readonly long _tableBytes;
    private readonly List<ThreadState> _threads = new();
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
        public bool Stopped { get; set; }
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
        _tableBytes = Math.Max(1, ranges.Count) * SamplingHandler.EntrySize;
        _table = Map(_tableBytes);
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
        SamplingEngine.Wall => "wall (timer_create CLOCK_MONOTONIC)",
        _ => "none",
    };

    /// <summary>
    /// Starts sampling the calling thread (call it on the program's thread just before the program runs).
    /// Returns false if no engine could be started (the reason on stderr is the caller's business).
    /// </summary>
    public bool StartCurrentThread()
    {
        int tid = GetTid();
        nint stackLow = 0;
        nint stackHigh = 0;
        byte* attr = stackalloc byte[128];
        if (PthreadGetattrNp(PthreadSelf(), attr) == 0)
        {
            nint size = 0;
            PthreadAttrGetstack(attr, &stackLow, &size);
            PthreadAttrDestroy(attr);
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
            state = new ThreadState { Slot = slot, Buffer = buffer, Tid = tid };
            _threads.Add(state);
            Volatile.Write(ref *(long*)(block + SamplingHandler.BlockSlotCount), count + 1);
        }

        long first = Math.Max(10_000, (long)(Random.Shared.NextDouble() * *(long*)(state.Slot + SamplingHandler.SlotPeriod)));
        state.CpuStartNs = ThreadCpuNs(tid);
        if (_threads.Count == 1)
        {
            _clock.Start();
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
                Syscall(SysIoctl, fd, PerfEventIocReset, 0);
                Syscall(SysIoctl, fd, PerfEventIocEnable, 0);
                return true;
            }

            if (_engine == SamplingEngine.PerfEvent)
            {
                return false;
            }

            _engine = SamplingEngine.ThreadCpuTimer;
        }

        int clock = _engine == SamplingEngine.Wall ? ClockMonotonic : ClockThreadCpuTime;
        byte* sev = stackalloc byte[64];
        new Span<byte>(sev, 64).Clear();
        *(int*)(sev + 8) = SigProf;                // sigev_signo
        *(int*)(sev + 12) = SigevThreadId;         // sigev_notify
        *(int*)(sev + 16) = tid;                   // _sigev_un._tid
        int timerId = 0;
        if (Syscall(SysTimerCreate, clock, (long)sev, (long)&timerId) != 0)
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
        Syscall(SysTimerSettime, timerId, 0, (long)its, 0);
        return true;
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
            _clock.Stop();
            foreach (ThreadState t in _threads)
            {
                Volatile.Write(ref *(int*)(t.Slot + SamplingHandler.SlotActive), 0);
                long handle = *(long*)(t.Slot + SamplingHandler.SlotHandle);
                if (_engine == SamplingEngine.PerfEvent)
                {
                    Syscall(SysIoctl, handle, PerfEventIocDisable, 0);
                    long value = 0;
                    if (Syscall(SysRead, handle, (long)&value, 8) == 8)
                    {
                        t.Counted = value;
                    }

                    Syscall(SysClose, handle, 0, 0);
                }
                else
                {
                    Syscall(SysTimerDelete, handle, 0, 0);
                }

                long cpu = ThreadCpuNs(t.Tid);
                t.CpuNs = cpu >= 0 && t.CpuStartNs >= 0 ? cpu - t.CpuStartNs : 0;
            }

            // a signal already being handled finishes quickly; the write pointer is published last, so a record
            // still being written is simply not seen
            *(long*)(s_block + SamplingHandler.BlockSlotCount) = 0;
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
                stacks.Add(frames);
                p += 8 + n * 8;
            }

            received += *(long*)(t.Slot + SamplingHandler.SlotReceived);
            dropped += *(long*)(t.Slot + SamplingHandler.SlotDropped);
            double seconds = _engine == SamplingEngine.Wall
                ? _clock.Elapsed.TotalSeconds
                : (t.Counted >= 0 ? t.Counted : t.CpuNs) / 1e9;
            expected += seconds * _options.Hz;
        }

        return new RawProfile(stacks, EngineName, _options.Hz, (long)Math.Round(expected), received, dropped,
            _clock.Elapsed.TotalSeconds, _engine == SamplingEngine.Wall);
    }

    /// <summary>Stops sampling and frees the sample buffers (the handler stays installed and ignores signals).</summary>
    public void Dispose()
    {
        Stop();
        foreach (ThreadState t in _threads)
        {
            Munmap(t.Buffer, (nuint)_options.BufferBytes);
        }

        _threads.Clear();
        lock (s_lock)
        {
            if (s_current == this)
            {
                *(long*)(s_block + SamplingHandler.BlockTableCount) = 0;
                s_current = null;
                Munmap(_table, (nuint)_tableBytes);
            }
        }
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
        int fd = (int)Syscall(SysPerfEventOpen, (long)attr, tid, -1, -1, PerfFlagFdCloexec);
        if (fd < 0)
        {
            return -1;
        }

        int* owner = stackalloc int[2];
        owner[0] = FOwnerTid;
        owner[1] = tid;
        if (Syscall(SysFcntl, fd, FSetFl, OAsync | ONonblock) != 0
            || Syscall(SysFcntl, fd, FSetSig, SigProf) != 0
            || Syscall(SysFcntl, fd, FSetOwnEx, (long)owner) != 0)
        {
            Syscall(SysClose, fd, 0, 0);
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

        nint block = Map(SamplingHandler.BlockSize);
        nint code = Map(HandlerCodeSize);
        byte[] bytes = SamplingHandler.Emit(block, (ulong)code);
        if (bytes.Length > HandlerCodeSize)
        {
            throw new InvalidOperationException("sampling handler too large");
        }

        Marshal.Copy(bytes, 0, code, bytes.Length);
        if (Mprotect(code, HandlerCodeSize, ProtRead | ProtExec) != 0)
        {
            throw new InvalidOperationException("mprotect of the sampling handler failed");
        }

        byte* act = stackalloc byte[SigactionSize];
        new Span<byte>(act, SigactionSize).Clear();
        *(nint*)act = code;
        *(int*)(act + 8 + 128) = SaSigInfo | SaOnStack | SaRestart;
        if (Sigaction(SigProf, (nint)act, block + SamplingHandler.BlockOldAction) != 0)
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
        return ClockGettime(clock, ts) == 0 ? ts[0] * 1_000_000_000 + ts[1] : -1;
    }

    private static nint Map(long size)
    {
        nint p = Mmap(0, (nuint)size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (p == -1)
        {
            throw new OutOfMemoryException("mmap failed");
        }

        return p;
    }

    private static nint MapNoReserve(long size)
    {
        nint p = Mmap(0, (nuint)size, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoreserve, -1, 0);
        return p == -1 ? 0 : p;
    }

    private const int PerfAttrSize = 128;
    private const uint PerfTypeSoftware = 1;
    private const ulong PerfCountSwCpuClock = 0;
    private const long PerfFlagFdCloexec = 8;
    private const long PerfEventIocEnable = 0x2400;
    private const long PerfEventIocDisable = 0x2401;
    private const long PerfEventIocReset = 0x2403;
    private const long SysRead = 0;
    private const long SysClose = 3;
    private const long SysIoctl = 16;
    private const long SysFcntl = 72;
    private const long SysTimerCreate = 222;
    private const long SysTimerSettime = 223;
    private const long SysTimerDelete = 226;
    private const long SysPerfEventOpen = 298;
    private const long FSetFl = 4;
    private const long FSetSig = 10;
    private const long FSetOwnEx = 15;
    private const int FOwnerTid = 0;
    private const long OAsync = 0x2000;
    private const long ONonblock = 0x800;
    private const int SigevThreadId = 4;
    private const int ClockMonotonic = 1;
    private const int ClockThreadCpuTime = 3;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int ProtExec = 4;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MapNoreserve = 0x4000;

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, long a0, long a1, long a2);

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, long a0, long a1, long a2, long a3);

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, long a0, long a1, long a2, long a3, long a4);

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int Sigaction(int sig, nint act, nint oldact);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGettime(int clock, long* ts);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "pthread_self")]
    private static partial nint PthreadSelf();

    [LibraryImport("libc", EntryPoint = "pthread_getattr_np")]
    private static partial int PthreadGetattrNp(nint thread, byte* attr);

    [LibraryImport("libc", EntryPoint = "pthread_attr_getstack")]
    private static partial int PthreadAttrGetstack(byte* attr, nint* stackaddr, nint* stacksize);

    [LibraryImport("libc", EntryPoint = "pthread_attr_destroy")]
    private static partial int PthreadAttrDestroy(byte* attr);
}
