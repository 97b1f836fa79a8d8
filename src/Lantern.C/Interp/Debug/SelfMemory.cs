using System.Runtime.InteropServices;

namespace Lantern.C.Interp.Debug;

/// <summary>
/// Reads and writes this process's memory through process_vm_readv/process_vm_writev on itself: an unmapped or
/// protected address makes the call fail (EFAULT) instead of raising SIGSEGV in managed code.
/// </summary>
internal static unsafe partial class SelfMemory
{
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [LibraryImport("libc", EntryPoint = "process_vm_readv", SetLastError = true)]
    private static partial nint ProcessVmReadv(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);

    [LibraryImport("libc", EntryPoint = "process_vm_writev", SetLastError = true)]
    private static partial nint ProcessVmWritev(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);

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
            var local = new IoVec { Base = p, Length = (nuint)buffer.Length };
            var remote = new IoVec { Base = (void*)address, Length = (nuint)buffer.Length };
            return ProcessVmReadv(s_pid, &local, 1, &remote, 1, 0) == buffer.Length;
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
            var local = new IoVec { Base = p, Length = (nuint)data.Length };
            var remote = new IoVec { Base = (void*)address, Length = (nuint)data.Length };
            return ProcessVmWritev(s_pid, &local, 1, &remote, 1, 0) == data.Length;
        }
    }
}
