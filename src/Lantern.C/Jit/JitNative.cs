using System.Runtime.InteropServices;

namespace Lantern.C.Jit;

/// <summary>The few libc entry points the JIT runtime needs (memory mappings, memfd, symbol lookup).</summary>
internal static unsafe partial class JitNative
{
    public const int ProtNone = 0;
    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int ProtExec = 4;
    public const int MapShared = 0x01;
    public const int MapPrivate = 0x02;
    public const int MapAnonymous = 0x20;
    public const uint MfdCloexec = 1;

    public static readonly nint MapFailed = -1;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint addr, nuint length);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(nint addr, nuint length, int prot);

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    private static readonly nint[] s_libraries = LoadLibraries();

    private static nint[] LoadLibraries()
    {
        var list = new List<nint>();
        foreach (string name in new[] { "libc.so.6", "libm.so.6" })
        {
            if (NativeLibrary.TryLoad(name, out nint h))
            {
                list.Add(h);
            }
        }

        return list.ToArray();
    }

    [LibraryImport("libc", EntryPoint = "dlsym", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint Dlsym(nint handle, string name);

    /// <summary>
    /// Looks a symbol up with dlsym: in the host C library (libc.so.6, then libm.so.6), then in the process's global
    /// scope (RTLD_DEFAULT: e.g. a library given with LD_PRELOAD); 0 if absent.
    /// </summary>
    public static nint LookupLibcSymbol(string name)
    {
        foreach (nint h in s_libraries)
        {
            if (NativeLibrary.TryGetExport(h, name, out nint address))
            {
                return address;
            }
        }

        return Dlsym(0, name);
    }

    /// <summary>Maps <paramref name="size"/> bytes of zeroed read-write anonymous memory.</summary>
    public static nint MapAnonymousRw(nuint size)
    {
        nint p = Mmap(0, size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (p == MapFailed)
        {
            throw new InvalidOperationException($"mmap of {size} bytes failed (errno {Marshal.GetLastPInvokeError()})");
        }

        return p;
    }
}
