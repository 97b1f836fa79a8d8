using Lantern.Observability.Interop;

namespace Lantern.C.Interp.Debug;

/// <summary>
/// Reads and writes this process's memory through process_vm_readv/process_vm_writev on itself: an unmapped or
/// protected address makes the call fail (EFAULT) instead of raising SIGSEGV in managed code.
/// </summary>
internal static unsafe class SelfMemory
{
    private static readonly int s_pid = Environment.ProcessId;

    /// <summary>Copies <paramref name="buffer"/>.Length bytes from <paramref name="address"/>; false if any is unreadable.</summary>
    public static bool Read(ulong address, Span<byte> buffer)
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

    /// <summary>Copies <paramref name="data"/> to <paramref name="address"/>; false if any byte is not writable.</summary>
    public static bool Write(ulong address, ReadOnlySpan<byte> data)
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
