using Lantern.Observability.Interop;

namespace Lantern.Observability.Debugging;

/// <summary>
/// The debugger host layer's helpers over <see cref="LibC"/>: futex wait and wake, and memory access that cannot fault
/// (process_vm_readv/process_vm_writev on this process: an unmapped or protected address makes the call fail with
/// EFAULT instead of raising SIGSEGV in managed code). The interpreter's debug target uses the memory access too.
/// </summary>
public static unsafe class HostNative
{
    private static readonly int s_pid = LibC.GetPid();

    /// <summary>Blocks while *<paramref name="address"/> == <paramref name="expected"/> (or until woken, or the timeout in ms passes; -1 = none).</summary>
    internal static void FutexWait(int* address, int expected, int timeoutMs = -1)
    {
        if (timeoutMs < 0)
        {
            LibC.Syscall(LibC.SysFutex, (nint)address, LibC.FutexWaitPrivate, expected, 0, 0, 0);
            return;
        }

        long* ts = stackalloc long[2];
        ts[0] = timeoutMs / 1000;
        ts[1] = (timeoutMs % 1000) * 1_000_000L;
        LibC.Syscall(LibC.SysFutex, (nint)address, LibC.FutexWaitPrivate, expected, (nint)ts, 0, 0);
    }

    /// <summary>Wakes every thread waiting on <paramref name="address"/>.</summary>
    internal static void FutexWake(int* address) => LibC.Syscall(LibC.SysFutex, (nint)address, LibC.FutexWakePrivate, int.MaxValue, 0, 0, 0);

    /// <summary>Reads this process's memory without faulting (false if any byte is unmapped or unreadable).</summary>
    public static bool ReadMemory(ulong address, Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return true;
        }

        fixed (byte* p = buffer)
        {
            var local = new LibC.IoVec { Base = (nint)p, Length = (nuint)buffer.Length };
            var remote = new LibC.IoVec { Base = (nint)address, Length = (nuint)buffer.Length };
            return LibC.ProcessVmReadv(s_pid, &local, 1, &remote, 1, 0) == buffer.Length;
        }
    }

    /// <summary>Writes this process's memory without faulting (false if any byte is not writable).</summary>
    public static bool WriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return true;
        }

        // a range that crosses into a read-only page is written up to that page and reported as a short count
        fixed (byte* p = data)
        {
            var local = new LibC.IoVec { Base = (nint)p, Length = (nuint)data.Length };
            var remote = new LibC.IoVec { Base = (nint)address, Length = (nuint)data.Length };
            return LibC.ProcessVmWritev(s_pid, &local, 1, &remote, 1, 0) == data.Length;
        }
    }
}
