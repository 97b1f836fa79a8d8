using Lantern.C.Describe;
using Lantern.C.Jit;

namespace Lantern.C.Interp.Debug;

/// <summary>
/// Where a decoded function lives in the interpreter's virtual code: [<see cref="Base"/>, Base + <see cref="Size"/>),
/// a 4-byte pretend prologue, one address per decoded instruction, and the pretend epilogue at
/// <see cref="Epilogue"/> that every return goes through; plus its line table (a row per statement marker).
/// </summary>
internal sealed class DebugFunction(DFunc function, ulong start, int size, ulong epilogue)
{
    public DFunc Function { get; } = function;

    public ulong Base { get; } = start;

    public int Size { get; } = size;

    public ulong Epilogue { get; } = epilogue;

    /// <summary>Line rows: offset from <see cref="Base"/>, statement location, IR scope.</summary>
    public List<LayoutLine> Lines { get; } = new();
}
