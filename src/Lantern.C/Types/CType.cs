using Lantern.C.Diagnostics;

namespace Lantern.C.Types;

public enum TypeKind : byte
{
    Void,
    Bool,
    Char,
    Short,
    Int,
    Long,
    LongLong,
    Float,
    Double,
    LongDouble,
    Enum,
    Pointer,
    Function,
    Array,
    Struct,
    Union,
}

[Flags]
public enum TypeQualifiers : byte
{
    None = 0,
    Const = 1,
    Volatile = 2,
    Restrict = 4,
    Atomic = 8,
}

/// <summary>
/// A C type (after the chibicc model). Types are mostly immutable once complete; struct/union types are
/// completed in place when their definition is seen. Qualified and typedef'd variants are separate
/// <see cref="CType"/> objects whose <see cref="Origin"/> points at the unqualified type, so identity of
/// the underlying type is <c>a.Unqualified == b.Unqualified</c>.
/// Sizes follow the x86-64 System V ABI (LP64): char 1, short 2, int 4, long 8, long long 8,
/// float 4, double 8, long double 16 (we compute with double precision, stored in the low 8 bytes).
/// </summary>
public sealed class CType
{
    public CType(TypeKind kind, int size, int align)
    {
        Kind = kind;
        Size = size;
        Align = align;
    }

    public TypeKind Kind { get; init; }

    /// <summary>Size in bytes (sizeof); -1 for incomplete types, 0 for void/functions.</summary>
    public int Size { get; set; }

    public int Align { get; set; }

    public bool IsUnsigned { get; init; }

    public TypeQualifiers Qualifiers { get; init; }

    /// <summary>For a qualified or typedef'd copy, the type it was made from; null for a primary type.</summary>
    public CType? Origin { get; init; }

    /// <summary>The typedef name when this type was named through a typedef (for debug info).</summary>
    public string? TypedefName { get; init; }

    /// <summary>Pointee type (Pointer), element type (Array), return type (Function).</summary>
    public CType? Base { get; init; }

    /// <summary>Element count for arrays; -1 when unknown (<c>int a[]</c>).</summary>
    public int ArrayLength { get; set; }

    /// <summary>Variable-length array: the length is computed at run time.</summary>
    public bool IsVla { get; init; }

    /// <summary>Struct/union/enum tag, null when anonymous.</summary>
    public string? Tag { get; init; }

    /// <summary>Struct/union members in declaration order (anonymous members kept as unnamed members).</summary>
    public List<Member> Members { get; set; } = new();

    /// <summary>Struct with a flexible array member as last member.</summary>
    public bool HasFlexibleArray { get; set; }

    /// <summary>Struct/union/enum not yet defined.</summary>
    public bool IsIncomplete { get; set; }

    /// <summary>Function parameters (types and names as declared, names may be null).</summary>
    public List<Parameter> Parameters { get; init; } = new();

    public bool IsVariadic { get; init; }

    /// <summary>Function declared with an empty parameter list in old style: <c>int f()</c>.</summary>
    public bool IsOldStyle { get; init; }

    /// <summary>Enum constants (for debug info).</summary>
    public List<(string Name, long Value)> Enumerators { get; init; } = new();

    /// <summary>Where a struct/union/enum/typedef was declared (for debug info).</summary>
    public SourceLocation Location { get; init; }

    /// <summary>The type with qualifiers and typedef names stripped.</summary>
    public CType Unqualified
    {
        get
        {
            CType t = this;
            while (t.Origin is not null)
            {
                t = t.Origin;
            }

            return t;
        }
    }

    public bool IsInteger => Kind is TypeKind.Bool or TypeKind.Char or TypeKind.Short or TypeKind.Int
        or TypeKind.Long or TypeKind.LongLong or TypeKind.Enum;

    public bool IsFloating => Kind is TypeKind.Float or TypeKind.Double or TypeKind.LongDouble;

    public bool IsArithmetic => IsInteger || IsFloating;

    public bool IsScalar => IsArithmetic || Kind == TypeKind.Pointer;

    public bool IsPointerLike => Kind is TypeKind.Pointer or TypeKind.Array;

    public bool IsAggregate => Kind is TypeKind.Struct or TypeKind.Union or TypeKind.Array;

    public bool IsRecord => Kind is TypeKind.Struct or TypeKind.Union;

    public bool IsConst => (Qualifiers & TypeQualifiers.Const) != 0;

    // Primary types, shared.
    public static readonly CType Void = new(TypeKind.Void, 1, 1);
    public static readonly CType Bool = new(TypeKind.Bool, 1, 1) { IsUnsigned = true };
    public static readonly CType Char = new(TypeKind.Char, 1, 1);
    public static readonly CType SChar = new(TypeKind.Char, 1, 1);
    public static readonly CType UChar = new(TypeKind.Char, 1, 1) { IsUnsigned = true };
    public static readonly CType Short = new(TypeKind.Short, 2, 2);
    public static readonly CType UShort = new(TypeKind.Short, 2, 2) { IsUnsigned = true };
    public static readonly CType Int = new(TypeKind.Int, 4, 4);
    public static readonly CType UInt = new(TypeKind.Int, 4, 4) { IsUnsigned = true };
    public static readonly CType Long = new(TypeKind.Long, 8, 8);
    public static readonly CType ULong = new(TypeKind.Long, 8, 8) { IsUnsigned = true };
    public static readonly CType LongLong = new(TypeKind.LongLong, 8, 8);
    public static readonly CType ULongLong = new(TypeKind.LongLong, 8, 8) { IsUnsigned = true };
    public static readonly CType Float = new(TypeKind.Float, 4, 4);
    public static readonly CType Double = new(TypeKind.Double, 8, 8);
    public static readonly CType LongDouble = new(TypeKind.LongDouble, 16, 16);

    public static CType PointerTo(CType baseType) => new(TypeKind.Pointer, 8, 8) { Base = baseType, IsUnsigned = true };

    public static CType ArrayOf(CType elem, int length) =>
        new(TypeKind.Array, length < 0 ? -1 : elem.Size * length, elem.Align) { Base = elem, ArrayLength = length };

    public CType WithQualifiers(TypeQualifiers q) => q == TypeQualifiers.None && Qualifiers == TypeQualifiers.None
        ? this
        : CopyAs(q, TypedefName);

    public CType AsTypedef(string name) => CopyAs(Qualifiers, name);

    private CType CopyAs(TypeQualifiers q, string? typedefName) => new(Kind, Size, Align)
    {
        IsUnsigned = IsUnsigned,
        Qualifiers = q,
        Origin = Origin ?? this,
        TypedefName = typedefName,
        Base = Base,
        ArrayLength = ArrayLength,
        IsVla = IsVla,
        Tag = Tag,
        Members = Members,
        HasFlexibleArray = HasFlexibleArray,
        IsIncomplete = IsIncomplete,
        Parameters = Parameters,
        IsVariadic = IsVariadic,
        IsOldStyle = IsOldStyle,
        Enumerators = Enumerators,
        Location = Location,
    };

    public override string ToString() => TypePrinter.Print(this);
}

/// <summary>A struct or union member. Bit-fields have <see cref="BitWidth"/> &gt;= 0.</summary>
public sealed class Member
{
    public required string? Name { get; init; }

    public required CType Type { get; init; }

    /// <summary>Byte offset from the start of the struct (of the storage unit for bit-fields).</summary>
    public int Offset { get; set; }

    /// <summary>-1 for an ordinary member; otherwise the bit-field width.</summary>
    public int BitWidth { get; init; } = -1;

    /// <summary>Bit offset inside the storage unit at <see cref="Offset"/> (bit-fields only).</summary>
    public int BitOffset { get; set; }

    public SourceLocation Location { get; init; }

    /// <summary>Alignment requested with _Alignas on the member (0 when none).</summary>
    public int Alignas { get; init; }

    public bool IsBitField => BitWidth >= 0;
}

/// <summary>A declared function parameter.</summary>
public sealed record Parameter(string? Name, CType Type, SourceLocation Location);

/// <summary>Prints a type in C syntax, e.g. <c>int (*)[4]</c>.</summary>
public static class TypePrinter
{
    public static string Print(CType t, string inner = "")
    {
        string q = Quals(t.Qualifiers);
        if (t.TypedefName is not null)
        {
            return Join(q + t.TypedefName, inner);
        }

        switch (t.Kind)
        {
            case TypeKind.Pointer:
            {
                string ptr = "*" + (q.Length > 0 ? " " + q.TrimEnd() : "") + inner;
                CType b = t.Base!;
                if (b.Kind is TypeKind.Array or TypeKind.Function && b.TypedefName is null)
                {
                    ptr = "(" + ptr + ")";
                }

                return Print(b, ptr);
            }

            case TypeKind.Array:
                return Print(t.Base!, inner + "[" + (t.ArrayLength >= 0 ? t.ArrayLength.ToString() : "") + "]");
            case TypeKind.Function:
            {
                var ps = t.Parameters.Select(p => Print(p.Type)).ToList();
                if (t.IsVariadic)
                {
                    ps.Add("...");
                }

                if (ps.Count == 0 && !t.IsOldStyle)
                {
                    ps.Add("void");
                }

                return Print(t.Base!, inner + "(" + string.Join(", ", ps) + ")");
            }

            default:
                return Join(q + BaseName(t), inner);
        }
    }

    private static string Join(string left, string inner) =>
        inner.Length == 0 ? left : inner.StartsWith('[') || inner.StartsWith('(') && !inner.StartsWith("(*") ? left + inner : left + " " + inner;

    private static string Quals(TypeQualifiers q)
    {
        string s = "";
        if ((q & TypeQualifiers.Const) != 0) s += "const ";
        if ((q & TypeQualifiers.Volatile) != 0) s += "volatile ";
        if ((q & TypeQualifiers.Restrict) != 0) s += "restrict ";
        return s;
    }

    private static string BaseName(CType t) => t.Kind switch
    {
        TypeKind.Void => "void",
        TypeKind.Bool => "_Bool",
        TypeKind.Char => ReferenceEquals(t.Unqualified, CType.SChar) ? "signed char" : t.IsUnsigned ? "unsigned char" : "char",
        TypeKind.Short => t.IsUnsigned ? "unsigned short" : "short",
        TypeKind.Int => t.IsUnsigned ? "unsigned int" : "int",
        TypeKind.Long => t.IsUnsigned ? "unsigned long" : "long",
        TypeKind.LongLong => t.IsUnsigned ? "unsigned long long" : "long long",
        TypeKind.Float => "float",
        TypeKind.Double => "double",
        TypeKind.LongDouble => "long double",
        TypeKind.Enum => "enum " + (t.Tag ?? "<anonymous>"),
        TypeKind.Struct => "struct " + (t.Tag ?? "<anonymous>"),
        TypeKind.Union => "union " + (t.Tag ?? "<anonymous>"),
        _ => t.Kind.ToString(),
    };
}
