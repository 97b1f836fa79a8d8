using System.Runtime.InteropServices;
using Lantern.Observability.Dwarf.Write;

namespace Lantern.Observability.Publish;

/// <summary>
/// Registers the call frame information of JIT code with libgcc's unwinder (<c>__register_frame</c> of
/// libgcc_s.so.1, the copy glibc's <c>backtrace()</c> and C++ exceptions use), so that <c>_Unwind_Backtrace</c>
/// walks through JIT frames. The .eh_frame is encoded for its native buffer with 8-byte pc-relative pointers: they
/// reach code anywhere in the address space, and libgcc's pitfall (an FDE whose 4-byte pc_begin has its low 32 bits
/// zero is taken for a discarded function) cannot occur. Disposing deregisters and frees it.
/// </summary>
public sealed unsafe class UnwindRegistration : IDisposable
{
    private static readonly object s_lock = new();
    private static nint s_register;
    private static nint s_deregister;

    private byte* _ehFrame;

    private UnwindRegistration(byte* ehFrame)
    {
        _ehFrame = ehFrame;
    }

    /// <summary>Registers the CFI of every function of <paramref name="unit"/> (at their <see cref="CodeInfo.Address"/>).</summary>
    public static UnwindRegistration Register(CompilationUnitInfo unit)
    {
        Resolve();
        var functions = unit.Functions.Select(f => new EhFrameFunction(f.Address, f.Size, f.Cfi)).ToList();
        // The size does not depend on the section address: encode once to size the buffer, then for the buffer.
        int size = EhFrameWriter.Write(functions, 0x1000, widePointers: true).Bytes.Length;
        byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)size, 8);
        byte[] bytes = EhFrameWriter.Write(functions, (ulong)buffer, widePointers: true).Bytes;
        bytes.CopyTo(new Span<byte>(buffer, size));
        ((delegate* unmanaged<void*, void>)s_register)(buffer);
        return new UnwindRegistration(buffer);
    }

    /// <summary>Loads libgcc_s and finds <c>__register_frame</c> ahead of the first <see cref="Register"/> (start-up work that can run early on another thread).</summary>
    public static void Preload() => Resolve();

    private static void Resolve()
    {
        lock (s_lock)
        {
            if (s_register == 0)
            {
                nint libgcc = NativeLibrary.Load("libgcc_s.so.1");
                s_deregister = NativeLibrary.GetExport(libgcc, "__deregister_frame");
                s_register = NativeLibrary.GetExport(libgcc, "__register_frame");
            }
        }
    }

    /// <summary>Deregisters the frames and frees the .eh_frame buffer.</summary>
    public void Dispose()
    {
        if (_ehFrame is not null)
        {
            ((delegate* unmanaged<void*, void>)s_deregister)(_ehFrame);
            NativeMemory.AlignedFree(_ehFrame);
            _ehFrame = null;
        }
    }
}
