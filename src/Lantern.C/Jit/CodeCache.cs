using System.Runtime.InteropServices;
using Lantern.C.Runtime;
using Lantern.Observability.Interop;

namespace Lantern.C.Jit;

/// <summary>
/// Executable memory for JIT code, never writable and executable at once (W^X).
/// <para>
/// Mechanism: one memfd mapped twice — a read+write view used only to write code, and a read+execute view
/// that is the only one ever executed. Pages are mapped once and never re-protected, which perf and gdb
/// prefer (re-protected code pages make perf drop injected JIT symbols). Code is placed with a bump
/// allocator; the memfd is sparse, so the reservation costs address space only.
/// </para>
/// </summary>
public sealed unsafe class CodeCache : IDisposable
{
    private readonly nint _rw;
    private readonly nint _rx;
    private readonly nuint _capacity;
    private int _fd;
    private long _used;
    private bool _disposed;

    public CodeCache(long capacity = 64L << 20)
    {
        _capacity = (nuint)capacity;
        bool debugger = JitPublishers.IsOn("LANTERN_GDB") || JitPublishers.IsOn("LANTERN_LLDB");
        if (!debugger && JitPublishers.IsOn("LANTERN_PERF_MAP"))
        {
            // perf applies /tmp/perf-PID.map only to anonymous memory: a shared anonymous mapping (perf sees
            // "/dev/zero") aliased by mremap(old_size = 0) gives the same two views without a named file.
            _fd = -1;
            _rw = LibC.Mmap(0, _capacity, LibC.ProtRead | LibC.ProtWrite, LibC.MapShared | LibC.MapAnonymous, -1, 0);
            _rx = _rw == LibC.MapFailed ? LibC.MapFailed : LibC.Mremap(_rw, 0, _capacity, LibC.MremapMayMove);
            if (_rw == LibC.MapFailed || _rx == LibC.MapFailed || LibC.Mprotect(_rx, _capacity, LibC.ProtRead | LibC.ProtExec) != 0)
            {
                throw new InvalidOperationException($"mapping the shared code memory failed (errno {Marshal.GetLastPInvokeError()})");
            }

            return;
        }

        _fd = LibC.MemfdCreate("lantern-jit", LibC.MfdCloexec);
        if (_fd < 0)
        {
            throw new InvalidOperationException($"memfd_create failed (errno {Marshal.GetLastPInvokeError()})");
        }

        if (LibC.Ftruncate(_fd, capacity) != 0)
        {
            throw new InvalidOperationException($"ftruncate of the code memfd failed (errno {Marshal.GetLastPInvokeError()})");
        }

        _rw = LibC.Mmap(0, _capacity, LibC.ProtRead | LibC.ProtWrite, LibC.MapShared, _fd, 0);
        // Under a debugger (LANTERN_GDB/LANTERN_LLDB) the executable view is a private mapping: the kernel refuses
        // ptrace writes (breakpoints) to a read-only shared mapping, but copies a private page on write. Pages not
        // yet written by the debugger still show what is written through the shared view.
        int rxFlags = debugger ? LibC.MapPrivate : LibC.MapShared;
        _rx = LibC.Mmap(0, _capacity, LibC.ProtRead | LibC.ProtExec, rxFlags, _fd, 0);
        if (_rw == LibC.MapFailed || _rx == LibC.MapFailed)
        {
            throw new InvalidOperationException($"mapping the code memfd failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>Start of the executable (read+execute) view.</summary>
    public nint ExecutableBase => _rx;

    /// <summary>Size of each view in bytes.</summary>
    public long Capacity => (long)_capacity;

    /// <summary>Bytes in use.</summary>
    public long Used => _used;

    /// <summary>Address (in the executable view) where the next allocation of the given alignment will start.</summary>
    public nint NextAddress(int align = 16) => _rx + (nint)Align(_used, align);

    /// <summary>Copies <paramref name="code"/> into the cache through the writable view; returns its executable address.</summary>
    public nint Add(ReadOnlySpan<byte> code, int align = 16)
    {
        long start = Align(_used, align);
        if (start + code.Length > (long)_capacity)
        {
            throw new InvalidOperationException("JIT code cache is full");
        }

        code.CopyTo(new Span<byte>((void*)(_rw + (nint)start), code.Length));
        _used = start + code.Length;
        return _rx + (nint)start;
    }

    /// <summary>Reserves <paramref name="size"/> bytes of code (zero-filled) and returns their executable address; write them through <see cref="WritableAlias"/>.</summary>
    public nint Allocate(int size, int align = 16)
    {
        long start = Align(_used, align);
        if (start + size > (long)_capacity)
        {
            throw new InvalidOperationException("JIT code cache is full");
        }

        _used = start + size;
        return _rx + (nint)start;
    }

    /// <summary>The address in the writable view of the executable address <paramref name="address"/> (code patching).</summary>
    public nint WritableAlias(nint address)
    {
        if (address < _rx || address >= _rx + (nint)_capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(address), "not in the code cache");
        }

        return _rw + (address - _rx);
    }

    /// <summary>True if <paramref name="address"/> lies in code written to this cache.</summary>
    public bool Contains(nint address) => address >= _rx && address < _rx + (nint)_used;

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            LibC.Munmap(_rw, _capacity);
            LibC.Munmap(_rx, _capacity);
            if (_fd >= 0)
            {
                LibC.Close(_fd);
                _fd = -1;
            }
        }
    }

    private static long Align(long v, int a) => (v + a - 1) & ~(long)(a - 1);
}
