using System.Runtime.InteropServices;
using Lantern.C.Runtime;

namespace Lantern.C.Jit;

/// <summary>
/// What the JIT needs beyond <see cref="Native"/> and <see cref="SymbolResolver"/> (shared with the interpreter):
/// memfd_create and ftruncate for the dual-mapped code cache.
/// </summary>
internal static unsafe partial class JitNative
{
    public const int MapShared = 0x01;
    public const int MapAnonymous = 0x20;
    public const int MremapMaymove = 1;
    public const uint MfdCloexec = 1;

    public static readonly nint MapFailed = -1;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "mremap", SetLastError = true)]
    public static partial nint Mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>dlsym in libc, libm, then the global scope (RTLD_DEFAULT, e.g. an LD_PRELOAD library); 0 if absent.</summary>
    public static nint LookupLibcSymbol(string name) => SymbolResolver.Resolve(name);

    /// <summary>Maps <paramref name="size"/> bytes of zeroed read-write anonymous memory.</summary>
    public static nint MapAnonymousRw(nuint size) => (nint)Native.MapAnonymousMemory(size, Native.ProtRead | Native.ProtWrite);
}
