namespace Lantern.C.Ir;

/// <summary>
/// The IR's value types. Pointers are <see cref="I64"/>. Signedness lives in the opcodes
/// (SDiv/UDiv, SExt/ZExt, SLt/ULt ...), not in the types.
/// </summary>
public enum IrType : byte
{
    Void,
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
}

public static class IrTypeExtensions
{
    public static int SizeOf(this IrType t) => t switch
    {
        IrType.I8 => 1,
        IrType.I16 => 2,
        IrType.I32 => 4,
        IrType.I64 => 8,
        IrType.F32 => 4,
        IrType.F64 => 8,
        _ => 0,
    };

    public static bool IsFloat(this IrType t) => t is IrType.F32 or IrType.F64;

    public static bool IsInt(this IrType t) => t is IrType.I8 or IrType.I16 or IrType.I32 or IrType.I64;

    public static string Name(this IrType t) => t switch
    {
        IrType.Void => "void",
        IrType.I8 => "i8",
        IrType.I16 => "i16",
        IrType.I32 => "i32",
        IrType.I64 => "i64",
        IrType.F32 => "f32",
        IrType.F64 => "f64",
        _ => "?",
    };
}

/// <summary>System V x86-64 classification of one eightbyte of an aggregate.</summary>
public enum ArgClass : byte
{
    /// <summary>Goes in a general-purpose register.</summary>
    Integer,

    /// <summary>Goes in an SSE register.</summary>
    Sse,

    /// <summary>Passed in memory (on the stack, or via hidden pointer for returns).</summary>
    Memory,
}

/// <summary>
/// Layout of a struct/union passed or returned by value, with its System V classification already
/// computed by the front end (which knows the member types). Aggregates larger than 16 bytes, or
/// containing unaligned fields, are <see cref="ArgClass.Memory"/> in both eightbytes.
/// </summary>
public sealed record AggregateInfo(int Size, int Align, ArgClass Lo, ArgClass Hi)
{
    public bool IsMemory => Lo == ArgClass.Memory;

    /// <summary>Number of eightbytes (1 or 2) when passed in registers.</summary>
    public int EightBytes => Size <= 8 ? 1 : 2;
}

/// <summary>
/// Type of one parameter or return value in a signature: a scalar <see cref="IrType"/>, or an aggregate
/// (then <see cref="Type"/> is <see cref="IrType.I64"/>, the IR value is the aggregate's address, and
/// <see cref="Aggregate"/> gives the layout).
/// </summary>
public readonly record struct IrParamType(IrType Type, AggregateInfo? Aggregate = null)
{
    public bool IsAggregate => Aggregate is not null;

    public override string ToString() => Aggregate is null ? Type.Name() : $"agg{Aggregate.Size}";
}

/// <summary>A function signature as the ABI sees it.</summary>
public sealed record IrSignature(IrParamType Return, IReadOnlyList<IrParamType> Parameters, bool IsVariadic)
{
    public override string ToString() =>
        $"{Return}({string.Join(", ", Parameters)}{(IsVariadic ? (Parameters.Count > 0 ? ", ..." : "...") : "")})";
}
