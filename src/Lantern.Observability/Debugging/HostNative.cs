using System.Runtime.InteropServices;

namespace Lantern.Observability.Debugging;

/// <summary>The few libc calls the debugger's host layer needs (futex, signals, safe memory access).</summary>
internal static unsafe partial class HostNative
{
    public const int SysFutex = 202;
    public const int SysGettid = 186;
    public const int FutexWaitPrivate = 128;
    public const int FutexWakePrivate = 129;
    public const int SigIll = 4;
    public const int SigTrap = 5;
    public const int SigAbrt = 6;
    public const int SigBus = 7;
    public const int SigFpe = 8;
    public const int SigSegv = 11;
    public const int SaSigInfo = 4;
    public const int SaOnStack = 0x08000000;
    public const int SaRestart = 0x10000000;
    public const int SigactionSize = 152;

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall6(long number, nint a1, long a2, long a3, nint a4, long a5, long a6);

    [LibraryImport("libc", EntryPoint = "sigaction")]
    public static partial int Sigaction(int sig, nint act, nint oldact);

    [LibraryImport("libc", EntryPoint = "sigaltstack")]
    public static partial int Sigaltstack(nint ss, nint oldss);

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "tgkill")]
    public static partial int Tgkill(int tgid, int tid, int sig);

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    public static partial int Munmap(nint addr, nuint length);

    [LibraryImport("libc", EntryPoint = "process_vm_readv")]
    private static partial nint ProcessVmReadv(int pid, IoVec* local, ulong liovcnt, IoVec* remote, ulong riovcnt, ulong flags);

    [LibraryImport("libc", EntryPoint = "process_vm_writev")]
    private static partial nint ProcessVmWritev(int pid, IoVec* local, ulong liovcnt, IoVec* remote, ulong riovcnt, ulong flags);

    [LibraryImport("libc", EntryPoint = "dlsym", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Dlsym(nint handle, string name);

    private struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    private static readonly int s_pid = GetPid();

    /// <summary>Blocks while *<paramref name="address"/> == <paramref name="expected"/> (or until woken, or the timeout in ms passes; -1 = none).</summary>
    public static void FutexWait(int* address, int expected, int timeoutMs = -1)
    {
        if (timeoutMs < 0)
        {
            Syscall6(SysFutex, (nint)address, FutexWaitPrivate, expected, 0, 0, 0);
            return;
        }

        long* ts = stackalloc long[2];
        ts[0] = timeoutMs / 1000;
        ts[1] = (timeoutMs % 1000) * 1_000_000L;
        Syscall6(SysFutex, (nint)address, FutexWaitPrivate, expected, (nint)ts, 0, 0);
    }

    /// <summary>Wakes every thread waiting on <paramref name="address"/>.</summary>
    public static void FutexWake(int* address) => Syscall6(SysFutex, (nint)address, FutexWakePrivate, int.MaxValue, 0, 0, 0);

    /// <summary>Reads this process's memory without faulting (false if any byte is unmapped or unreadable).</summary>
    public static bool ReadMemory(ulong address, Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return true;
        }

        fixed (byte* p = buffer)
        {
            var local = new IoVec { Base = (nint)p, Length = (nuint)buffer.Length };
            var remote = new IoVec { Base = (nint)address, Length = (nuint)buffer.Length };
            return ProcessVmReadv(s_pid, &local, 1, &remote, 1, 0) == buffer.Length;
        }
    }

    /// <summary>Writes this process's memory without faulting (false if any byte is not writable).</summary>
    public static bool WriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return true;
        }

        fixed (byte* p = data)
        {
            var local = new IoVec { Base = (nint)p, Length = (nuint)data.Length };
            var remote = new IoVec { Base = (nint)address, Length = (nuint)data.Length };
            return ProcessVmWritev(s_pid, &local, 1, &remote, 1, 0) == data.Length;
        }
    }

    /// <summary>A zero-filled private read/write mapping.</summary>
    public static nint MapRw(nuint size)
    {
        nint p = Mmap(0, size, 3 /* PROT_READ|PROT_WRITE */, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
        if (p == -1)
        {
            throw new InvalidOperationException($"mmap failed (errno {Marshal.GetLastPInvokeError()})");
        }

        return p;
    }
}
