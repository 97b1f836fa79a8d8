using System.Runtime.InteropServices;

namespace Lantern.C.Runtime;

/// <summary>P/Invoke declarations for the few libc functions the runtime needs (memory mapping, dynamic linking).</summary>
public static unsafe partial class Native
{
    public const int ProtNone = 0;
    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int ProtExec = 4;
    public const int MapPrivate = 0x02;
    public const int MapAnonymous = 0x20;
    public const int MapNoReserve = 0x4000;
    public const int RtldNow = 2;
    public const int RtldGlobal = 0x100;

    [LibraryImport("libc", EntryPoint = "mmap")]
    public static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    public static partial int Munmap(nint addr, nuint length);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    public static partial int Mprotect(nint addr, nuint length, int prot);

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Dlopen(string? file, int mode);

    [LibraryImport("libc", EntryPoint = "dlsym", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Dlsym(nint handle, string name);

    /// <summary>Maps <paramref name="size"/> bytes of zeroed anonymous memory with the given protection; throws on failure.</summary>
    public static byte* MapAnonymousMemory(nuint size, int prot, bool noReserve = false)
    {
        int flags = MapPrivate | MapAnonymous | (noReserve ? MapNoReserve : 0);
        nint p = Mmap(0, size, prot, flags, -1, 0);
        if (p == -1)
        {
            throw new OutOfMemoryException($"mmap of {size} bytes failed (errno {Marshal.GetLastPInvokeError()})");
        }

        return (byte*)p;
    }
}
