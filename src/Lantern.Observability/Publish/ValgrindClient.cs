using System.Runtime.InteropServices;
using Lantern.Observability.Interop;

namespace Lantern.Observability.Publish;

/// <summary>
/// Valgrind client requests from managed code. A client request is a magic instruction sequence that does nothing
/// natively and that valgrind's JIT recognises (valgrind.h, amd64): <c>rax</c> points at
/// <c>{request, arg1..arg5}</c>, <c>rdx</c> holds the default result, then
/// <c>rol rdi,3; rol rdi,13; rol rdi,61; rol rdi,51; xchg rbx,rbx</c>; the result comes back in <c>rdx</c>.
/// The sequence is emitted once as a tiny stub <c>long request(long* args, long default)</c> in its own page.
/// </summary>
public static unsafe class ValgrindClient
{
    /// <summary>VG_USERREQ__RUNNING_ON_VALGRIND.</summary>
    private const long RunningOnValgrindRequest = 0x1001;

    /// <summary>VG_USERREQ__DISCARD_TRANSLATIONS.</summary>
    private const long DiscardTranslationsRequest = 0x1002;

    private static readonly byte[] s_stub =
    [
        0x48, 0x89, 0xF8,             // mov rax, rdi        (the argument block)
        0x48, 0x89, 0xF2,             // mov rdx, rsi        (the default result)
        0x48, 0xC1, 0xC7, 0x03,       // rol rdi, 3
        0x48, 0xC1, 0xC7, 0x0D,       // rol rdi, 13
        0x48, 0xC1, 0xC7, 0x3D,       // rol rdi, 61
        0x48, 0xC1, 0xC7, 0x33,       // rol rdi, 51
        0x48, 0x87, 0xDB,             // xchg rbx, rbx       (the request)
        0x48, 0x89, 0xD0,             // mov rax, rdx
        0xC3,                         // ret
    ];

    private static readonly Lazy<nint> s_request = new(CreateStub);

    /// <summary>True when the process runs under valgrind (RUNNING_ON_VALGRIND).</summary>
    public static bool RunningOnValgrind => Request(RunningOnValgrindRequest, 0, 0) != 0;

    /// <summary>
    /// VALGRIND_DISCARD_TRANSLATIONS(<paramref name="address"/>, <paramref name="length"/>): valgrind drops what it
    /// translated from that code, which must be done whenever code is patched or freed. A no-op natively.
    /// </summary>
    public static void DiscardTranslations(ulong address, ulong length) => Request(DiscardTranslationsRequest, (long)address, (long)length);

    private static long Request(long request, long a1, long a2)
    {
        long* args = stackalloc long[6];
        args[0] = request;
        args[1] = a1;
        args[2] = a2;
        args[3] = 0;
        args[4] = 0;
        args[5] = 0;
        return ((delegate* unmanaged<long*, long, long>)s_request.Value)(args, 0);
    }

    private static nint CreateStub()
    {
        const int PageSize = 4096;
        nint page = LibC.Mmap(0, PageSize, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        if (page == LibC.MapFailed)
        {
            throw new InvalidOperationException($"mmap for the valgrind stub failed (errno {Marshal.GetLastPInvokeError()})");
        }

        Marshal.Copy(s_stub, 0, page, s_stub.Length);
        // Written once, then made executable (never writable and executable at once).
        if (LibC.Mprotect(page, PageSize, LibC.ProtRead | LibC.ProtExec) != 0)
        {
            throw new InvalidOperationException($"mprotect of the valgrind stub failed (errno {Marshal.GetLastPInvokeError()})");
        }

        return page;
    }
}
