using Lantern.C.Ir;

namespace Lantern.C.Abi;

/// <summary>
/// The System V x86-64 classification of a struct or union passed or returned by value (psABI 3.2.3), from a neutral
/// description of its fields: the caller walks its own type representation (<c>CType</c> in <c>TypeRules.Classify</c>,
/// <c>DbgType</c> in the debugger's expression evaluator), reports every scalar field with its offset and class and
/// every field's alignment, and <see cref="Finish"/> gives the class of each eightbyte.
/// </summary>
/// <remarks>
/// The rules: an aggregate larger than two eightbytes (or of size 0) is MEMORY, and so is one with an unaligned field
/// or a long double (class X87, which is passed in memory). Otherwise each eightbyte's class is the merge of the
/// classes of the fields that start in it (NO_CLASS &lt; SSE &lt; INTEGER &lt; MEMORY, the larger wins); an eightbyte
/// with no field is INTEGER. Vector types (__m128, SSEUP) are not modelled.
/// </remarks>
public struct EightbyteMerge
{
    // per eightbyte: 0 = NO_CLASS, 1 = SSE, 2 = INTEGER (the merge order of the psABI)
    private int _lo;
    private int _hi;
    private bool _memory;

    /// <summary>True if an aggregate of <paramref name="size"/> bytes is MEMORY whatever its fields (more than two eightbytes, or empty).</summary>
    public static bool IsMemoryBySize(long size) => size > 16 || size <= 0;

    /// <summary>A scalar field of class INTEGER (integer, pointer, bit-field) starting at byte <paramref name="offset"/>.</summary>
    public void AddInteger(long offset) => Merge(offset, 2);

    /// <summary>A scalar field of class SSE (float, double) starting at byte <paramref name="offset"/>.</summary>
    public void AddSse(long offset) => Merge(offset, 1);

    /// <summary>A field that puts the whole aggregate in memory (a long double: class X87).</summary>
    public void AddMemory() => _memory = true;

    /// <summary>A field at byte <paramref name="offset"/> whose type wants <paramref name="align"/>: unaligned, the aggregate is MEMORY.</summary>
    public void CheckAligned(long offset, long align)
    {
        if (offset % Math.Max(1, align) != 0)
        {
            _memory = true;
        }
    }

    /// <summary>The classification of the aggregate of <paramref name="size"/> bytes and alignment <paramref name="align"/> whose fields were added.</summary>
    public readonly AggregateInfo Finish(int size, int align)
    {
        if (IsMemoryBySize(size) || _memory)
        {
            return new AggregateInfo(Math.Max(size, 0), align, ArgClass.Memory, ArgClass.Memory);
        }

        return new AggregateInfo(size, align, Class(_lo), size > 8 ? Class(_hi) : ArgClass.Integer);
    }

    private static ArgClass Class(int c) => c == 1 ? ArgClass.Sse : ArgClass.Integer;

    private void Merge(long offset, int cls)
    {
        if (offset < 8)
        {
            _lo = Math.Max(_lo, cls);
        }
        else
        {
            _hi = Math.Max(_hi, cls);
        }
    }
}
