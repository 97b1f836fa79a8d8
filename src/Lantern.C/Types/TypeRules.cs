using Lantern.C.Abi;
using Lantern.C.Ir;

namespace Lantern.C.Types;

/// <summary>
/// C type rules the front end needs besides the <see cref="CType"/> contract: compatibility, the usual
/// arithmetic conversions, struct/union layout (System V, with bit-fields) and ABI classification.
/// </summary>
public static class TypeRules
{
    /// <summary>Makes a function type.</summary>
    public static CType FunctionOf(CType ret, List<Parameter> parameters, bool variadic, bool oldStyle) =>
        new(TypeKind.Function, 0, 1) { Base = ret, Parameters = parameters, IsVariadic = variadic, IsOldStyle = oldStyle };

    /// <summary>The IR type a value of type <paramref name="t"/> lives in (aggregates, arrays and functions are addresses).</summary>
    public static IrType ToIr(CType t)
    {
        switch (t.Kind)
        {
            case TypeKind.Void:
                return IrType.Void;
            case TypeKind.Bool:
            case TypeKind.Char:
                return IrType.I8;
            case TypeKind.Short:
                return IrType.I16;
            case TypeKind.Int:
            case TypeKind.Enum:
                return IrType.I32;
            case TypeKind.Float:
                return IrType.F32;
            case TypeKind.Double:
            case TypeKind.LongDouble:
                return IrType.F64;
            default:
                return IrType.I64;
        }
    }

    /// <summary>True for integer types treated as unsigned by the arithmetic (pointers and _Bool included).</summary>
    public static bool IsUnsignedType(CType t) => t.Kind == TypeKind.Pointer || t.Kind == TypeKind.Bool || (t.IsUnsigned && t.Kind != TypeKind.Enum);

    /// <summary>Integer promotion (C11 6.3.1.1): types of rank below int become int.</summary>
    public static CType Promote(CType t)
    {
        if (t.Kind is TypeKind.Bool or TypeKind.Char or TypeKind.Short or TypeKind.Enum)
        {
            return CType.Int;
        }

        return t;
    }

    /// <summary>Default argument promotion: integer promotion, float becomes double.</summary>
    public static CType DefaultArgumentPromotion(CType t)
    {
        if (t.Kind == TypeKind.Float)
        {
            return CType.Double;
        }

        return t.IsInteger ? Promote(t) : t;
    }

    /// <summary>The common real type of the usual arithmetic conversions (C11 6.3.1.8), for arithmetic operands.</summary>
    public static CType CommonType(CType a, CType b)
    {
        if (a.Kind == TypeKind.LongDouble || b.Kind == TypeKind.LongDouble)
        {
            return CType.LongDouble;
        }

        if (a.Kind == TypeKind.Double || b.Kind == TypeKind.Double)
        {
            return CType.Double;
        }

        if (a.Kind == TypeKind.Float || b.Kind == TypeKind.Float)
        {
            return CType.Float;
        }

        a = Promote(a);
        b = Promote(b);
        if (a.Size != b.Size)
        {
            return Primary(a.Size < b.Size ? b : a);
        }

        if (IsUnsignedType(b) && !IsUnsignedType(a))
        {
            return Primary(b);
        }

        if (IsUnsignedType(a) && !IsUnsignedType(b))
        {
            return Primary(a);
        }

        // same size and signedness: long long and long are interchangeable; keep the "bigger" kind
        return Primary(a.Kind >= b.Kind ? a : b);
    }

    private static CType Primary(CType t) => t.Unqualified;

    /// <summary>Type compatibility (C11 6.2.7), ignoring qualifiers at the top level.</summary>
    public static bool IsCompatible(CType a, CType b) => IsCompatible(a, b, false);

    /// <summary>Type compatibility; with <paramref name="strictQualifiers"/>, pointed-to types must have the same qualifiers.</summary>
    public static bool IsCompatible(CType a, CType b, bool strictQualifiers)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        CType ua = a.Unqualified;
        CType ub = b.Unqualified;
        if (ReferenceEquals(ua, ub))
        {
            return true;
        }

        if (ua.Kind != ub.Kind)
        {
            // enum and int are compatible
            return (ua.Kind == TypeKind.Enum && ub.Kind == TypeKind.Int)
                || (ub.Kind == TypeKind.Enum && ua.Kind == TypeKind.Int);
        }

        switch (ua.Kind)
        {
            case TypeKind.Char:
            case TypeKind.Short:
            case TypeKind.Int:
            case TypeKind.Long:
            case TypeKind.LongLong:
                return ua.IsUnsigned == ub.IsUnsigned && (ua.Kind != TypeKind.Char || ReferenceEquals(ua, CType.SChar) == ReferenceEquals(ub, CType.SChar));
            case TypeKind.Float:
            case TypeKind.Double:
            case TypeKind.LongDouble:
            case TypeKind.Void:
            case TypeKind.Bool:
                return true;
            case TypeKind.Pointer:
                if (strictQualifiers && (ua.Base!.Qualifiers & ~TypeQualifiers.Restrict) != (ub.Base!.Qualifiers & ~TypeQualifiers.Restrict))
                {
                    return false;
                }

                return IsCompatible(ua.Base!, ub.Base!, strictQualifiers);
            case TypeKind.Function:
            {
                if (!IsCompatible(ua.Base!, ub.Base!))
                {
                    return false;
                }

                if (ua.IsOldStyle || ub.IsOldStyle)
                {
                    return true;
                }

                if (ua.Parameters.Count != ub.Parameters.Count || ua.IsVariadic != ub.IsVariadic)
                {
                    return false;
                }

                for (int i = 0; i < ua.Parameters.Count; i++)
                {
                    if (!IsCompatible(ua.Parameters[i].Type, ub.Parameters[i].Type))
                    {
                        return false;
                    }
                }

                return true;
            }

            case TypeKind.Array:
                if (!IsCompatible(ua.Base!, ub.Base!))
                {
                    return false;
                }

                return ua.ArrayLength < 0 || ub.ArrayLength < 0 || ua.ArrayLength == ub.ArrayLength || ua.IsVla || ub.IsVla;
            case TypeKind.Struct:
            case TypeKind.Union:
            case TypeKind.Enum:
                return false;
        }

        return false;
    }

    /// <summary>
    /// Lays out a struct or union in place (System V x86-64): member offsets, bit-field storage units,
    /// size and alignment. <paramref name="packed"/> gives every member alignment 1.
    /// </summary>
    public static void Layout(CType t, List<Member> members, bool packed, int minAlign)
    {
        long bits = 0;
        int align = Math.Max(1, minAlign);
        int size = 0;
        bool union = t.Kind == TypeKind.Union;
        for (int i = 0; i < members.Count; i++)
        {
            Member m = members[i];
            CType mt = m.Type;
            int msize = mt.Kind == TypeKind.Array && mt.ArrayLength < 0 ? 0 : mt.Unqualified.Size;
            int malign = packed ? 1 : Math.Max(1, mt.Unqualified.Align);
            if (m.Alignas > malign)
            {
                malign = m.Alignas;
            }

            if (m.IsBitField)
            {
                int unitBits = mt.Size * 8;
                if (union)
                {
                    m.Offset = 0;
                    m.BitOffset = 0;
                    size = Math.Max(size, (m.BitWidth + 7) / 8);
                    if (m.Name is not null)
                    {
                        align = Math.Max(align, malign);
                    }

                    continue;
                }

                if (m.BitWidth == 0)
                {
                    bits = AlignUp(bits, unitBits);
                    continue;
                }

                if (!packed && bits / unitBits != (bits + m.BitWidth - 1) / unitBits)
                {
                    bits = AlignUp(bits, unitBits);
                }

                int byteOff = (int)(bits / 8);
                int unitStart = packed ? byteOff : byteOff / mt.Size * mt.Size;
                m.Offset = unitStart;
                m.BitOffset = (int)(bits - unitStart * 8L);
                bits += m.BitWidth;
                if (m.Name is not null)
                {
                    align = Math.Max(align, malign);
                }

                continue;
            }

            align = Math.Max(align, malign);
            if (union)
            {
                m.Offset = 0;
                size = Math.Max(size, msize);
                continue;
            }

            bits = AlignUp(bits, malign * 8L);
            m.Offset = (int)(bits / 8);
            bits += msize * 8L;
        }

        if (!union)
        {
            size = (int)((bits + 7) / 8);
        }

        t.Size = (int)AlignUp(size, align);
        t.Align = align;
        t.Members = members;
        t.IsIncomplete = false;
    }

    public static long AlignUp(long n, long align) => align <= 1 ? n : (n + align - 1) / align * align;

    /// <summary>System V classification of a struct/union passed or returned by value (the rules: <see cref="EightbyteMerge"/>).</summary>
    public static AggregateInfo Classify(CType t)
    {
        CType u = t.Unqualified;
        var merge = new EightbyteMerge();
        if (!EightbyteMerge.IsMemoryBySize(u.Size))
        {
            ClassifyInto(u, 0, ref merge);
        }

        return merge.Finish(u.Size, u.Align);
    }

    /// <summary>Reports the scalar fields of <paramref name="t"/> at byte <paramref name="offset"/> to <paramref name="merge"/>.</summary>
    private static void ClassifyInto(CType t, int offset, ref EightbyteMerge merge)
    {
        CType u = t.Unqualified;
        switch (u.Kind)
        {
            case TypeKind.Struct:
            case TypeKind.Union:
                foreach (Member m in u.Members)
                {
                    if (m.IsBitField)
                    {
                        if (m.BitWidth > 0)
                        {
                            merge.AddInteger(offset + m.Offset);
                        }

                        continue;
                    }

                    merge.CheckAligned(offset + m.Offset, m.Type.Unqualified.Align);
                    ClassifyInto(m.Type, offset + m.Offset, ref merge);
                }

                return;
            case TypeKind.Array:
                if (u.ArrayLength <= 0)
                {
                    return;
                }

                for (int i = 0; i < u.ArrayLength; i++)
                {
                    ClassifyInto(u.Base!, offset + i * u.Base!.Unqualified.Size, ref merge);
                }

                return;
            case TypeKind.LongDouble:
                merge.AddMemory();
                return;
            case TypeKind.Float:
            case TypeKind.Double:
                merge.AddSse(offset);
                return;
            default:
                merge.AddInteger(offset);
                return;
        }
    }
}
