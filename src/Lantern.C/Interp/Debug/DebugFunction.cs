using Lantern.C.Describe;
using Lantern.C.Jit;

namespace Lantern.C.Interp.Debug;

/// <summary>
/// Where a decoded function lives in the interpreter's virtual code: [<see cref="Base"/>, Base + <see cref="Size"/>),
/// a 4-byte pretend prologue, one address per decoded instruction, and the pretend epilogue at
/// <see cref="Epilogue"/> that every return goes through; plus its line table (a row per statement marker).
/// </summary>
internal sealed class DebugFunction
{
    public DebugFunction(DFunc function, ulong start, int size, ulong epilogue)
    {
        Function = function;
        Base = start;
        Size = size;
        Epilogue = epilogue;
    }

    public DFunc Function { get; }

    public ulong Base { get; }

    public int Size { get; }

    public ulong Epilogue { get; }

    /// <summary>Line rows: offset from <see cref="Base"/>, statement location, IR scope.</summary>
    public List<LayoutLine> Lines { get; } = new();
}
