namespace Lantern.Observability.Debugging;

/// <summary>
/// The executable memory a debug target's code lives in, as the debugger's host layer needs it: room for its own
/// machine code (trampolines, signal handlers, displaced instructions) within rel32 reach of the program's code, and
/// a writable alias of every executable byte so that code can be patched without re-protecting pages (the JIT's code
/// cache is one memfd mapped twice: RW and RX).
/// </summary>
public interface ICodeMemory
{
    /// <summary>Reserves <paramref name="size"/> bytes of executable memory; returns their executable address.</summary>
    ulong Allocate(int size);

    /// <summary>The writable address that aliases the executable address <paramref name="address"/>.</summary>
    nint WritableAlias(ulong address);

    /// <summary>True if <paramref name="address"/> is in this memory (program code or the debugger's own).</summary>
    bool Contains(ulong address);
}
