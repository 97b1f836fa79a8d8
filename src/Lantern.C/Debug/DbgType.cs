using Lantern.Observability.Dwarf;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.C.Debug;

/// <summary>The shape of a <see cref="DbgType"/>.</summary>
public enum DbgTypeKind
{
    Void,
    Integer,
    Bool,
    Float,
    Pointer,
    Array,
    Struct,
    Union,
    Enum,
    Function,
    Typedef,
    Qualified,
}

/// <summary>A member of a struct or union: byte offset, and for a bit-field its size and bit position from the start of the aggregate.</summary>
public sealed record DbgMember(string? Name, DbgType Type, long Offset, int BitSize = 0, long BitOffset = 0)
{
    public bool IsBitField => BitSize > 0;
}

/// <summary>
/// A C type as the debugger sees it, built from a DWARF type DIE (<see cref="DbgTypes.FromDie"/>) or made up for
/// literals and casts. Typedefs and qualifiers are kept (they appear in printed type names); <see cref="Strip"/>
/// removes them.
/// </summary>
public sealed class DbgType
{
    internal DbgType(DbgTypeKind kind, string name, long size)
    {
        Kind = kind;
        TagName = name;
        Size = size;
    }

    public DbgTypeKind Kind { get; }

    /// <summary>The name of a base type, typedef, struct/union/enum tag (null if anonymous), or qualifier word.</summary>
    public string? TagName { get; }

    /// <summary>Size in bytes (arrays: count * element; functions: 1 like gdb).</summary>
    public long Size { get; internal set; }

    public bool IsSigned { get; internal init; }

    /// <summary>A character type (char, signed char, unsigned char): printed with its character.</summary>
    public bool IsChar { get; internal init; }

    /// <summary>Pointer/array element/typedef/qualified target, or function return type.</summary>
    public DbgType? Target { get; internal set; }

    /// <summary>Array element count, -1 if unknown.</summary>
    public long Count { get; internal init; } = -1;

    public List<DbgMember> Members { get; } = new();

    public List<(string Name, long Value)> Enumerators { get; } = new();

    public List<DbgType> Parameters { get; } = new();

    public bool IsVariadic { get; internal init; }

    /// <summary>Whether a function type has a prototype (else it prints as <c>()</c>).</summary>
    public bool IsPrototyped { get; internal init; } = true;

    /// <summary>Whether a struct/union/enum is only declared (no members known).</summary>
    public bool IsIncomplete { get; internal set; }

    /// <summary>This type without typedefs and qualifiers.</summary>
    public DbgType Strip()
    {
        DbgType t = this;
        while (t.Kind is DbgTypeKind.Typedef or DbgTypeKind.Qualified && t.Target is not null)
        {
            t = t.Target;
        }

        if (t.Kind is DbgTypeKind.Typedef or DbgTypeKind.Qualified)
        {
            return DbgTypes.Void;
        }

        return t;
    }

    public bool IsIntegral => Strip().Kind is DbgTypeKind.Integer or DbgTypeKind.Bool or DbgTypeKind.Enum;

    public bool IsArithmetic => IsIntegral || Strip().Kind == DbgTypeKind.Float;

    public bool IsScalar => IsArithmetic || Strip().Kind == DbgTypeKind.Pointer;

    /// <summary>The C spelling, as gdb prints it: <c>int *</c>, <c>struct P</c>, <c>int (*)[3]</c>, <c>int (int, int)</c>.</summary>
    public string Name => Declare(this, "");

    public override string ToString() => Name;

    private static string Declare(DbgType t, string inner)
    {
        switch (t.Kind)
        {
            case DbgTypeKind.Pointer:
                {
                    DbgType target = t.Target ?? DbgTypes.Void;
                    return target.Kind is DbgTypeKind.Array or DbgTypeKind.Function
                        ? Declare(target, "(*" + inner + ")")
                        : Declare(target, "*" + inner);
                }

            case DbgTypeKind.Array:
                return Declare(t.Target ?? DbgTypes.Void, inner + (t.Count >= 0 ? $"[{t.Count}]" : "[]"));
            case DbgTypeKind.Function:
                {
                    string parameters;
                    if (!t.IsPrototyped)
                    {
                        parameters = "()";
                    }
                    else
                    {
                        var list = t.Parameters.Select(p => p.Name).ToList();
                        if (t.IsVariadic)
                        {
                            list.Add("...");
                        }

                        parameters = "(" + (list.Count == 0 ? "void" : string.Join(", ", list)) + ")";
                    }

                    return Declare(t.Target ?? DbgTypes.Void, inner + parameters);
                }

            case DbgTypeKind.Qualified:
                {
                    DbgType target = t.Target ?? DbgTypes.Void;
                    if (target.Kind is DbgTypeKind.Pointer)
                    {
                        return Declare(target, inner.Length == 0 ? " " + t.TagName : " " + t.TagName + " " + inner);
                    }

                    string baseName = t.TagName + " " + Declare(target, "");
                    return inner.Length == 0 ? baseName : baseName + " " + inner.TrimStart();
                }

            default:
                {
                    string baseName = t.Kind switch
                    {
                        DbgTypeKind.Struct => "struct " + (t.TagName ?? "{...}"),
                        DbgTypeKind.Union => "union " + (t.TagName ?? "{...}"),
                        DbgTypeKind.Enum => "enum " + (t.TagName ?? "{...}"),
                        _ => t.TagName ?? "?",
                    };
                    return inner.Length == 0 ? baseName : baseName + " " + inner.TrimStart();
                }
        }
    }
}

/// <summary>Built-in C types, and the conversion of DWARF type DIEs into <see cref="DbgType"/>s (cached per DIE).</summary>
public sealed class DbgTypes
{
    public static readonly DbgType Void = new(DbgTypeKind.Void, "void", 1);
    public static readonly DbgType Bool = new(DbgTypeKind.Bool, "_Bool", 1);
    public static readonly DbgType Char = new(DbgTypeKind.Integer, "char", 1) { IsSigned = true, IsChar = true };
    public static readonly DbgType SignedChar = new(DbgTypeKind.Integer, "signed char", 1) { IsSigned = true, IsChar = true };
    public static readonly DbgType UnsignedChar = new(DbgTypeKind.Integer, "unsigned char", 1) { IsChar = true };
    public static readonly DbgType Short = new(DbgTypeKind.Integer, "short", 2) { IsSigned = true };
    public static readonly DbgType UnsignedShort = new(DbgTypeKind.Integer, "unsigned short", 2);
    public static readonly DbgType Int = new(DbgTypeKind.Integer, "int", 4) { IsSigned = true };
    public static readonly DbgType UnsignedInt = new(DbgTypeKind.Integer, "unsigned int", 4);
    public static readonly DbgType Long = new(DbgTypeKind.Integer, "long", 8) { IsSigned = true };
    public static readonly DbgType UnsignedLong = new(DbgTypeKind.Integer, "unsigned long", 8);
    public static readonly DbgType LongLong = new(DbgTypeKind.Integer, "long long", 8) { IsSigned = true };
    public static readonly DbgType UnsignedLongLong = new(DbgTypeKind.Integer, "unsigned long long", 8);
    public static readonly DbgType Float = new(DbgTypeKind.Float, "float", 4);
    public static readonly DbgType Double = new(DbgTypeKind.Float, "double", 8);
    public static readonly DbgType LongDouble = new(DbgTypeKind.Float, "long double", 16);

    /// <summary>gdb's type of <c>$pc</c>: <c>void (*)()</c>.</summary>
    public static readonly DbgType CodePointer = PointerTo(new DbgType(DbgTypeKind.Function, "", 1) { Target = Void, IsPrototyped = false });

    /// <summary>gdb's type of <c>$sp</c>/<c>$fp</c>: <c>void *</c>.</summary>
    public static readonly DbgType DataPointer = PointerTo(Void);

    private readonly DebugData _debug;
    private readonly Dictionary<ulong, DbgType> _byOffset = new();
    private Dictionary<string, DwarfDie>? _namedTypes;

    public DbgTypes(DebugData debug)
    {
        _debug = debug;
    }

    public static DbgType PointerTo(DbgType target) => new(DbgTypeKind.Pointer, "", 8) { Target = target };

    public static DbgType ArrayOf(DbgType element, long count) => new(DbgTypeKind.Array, "", element.Size * Math.Max(count, 0)) { Target = element, Count = count };

    /// <summary>The type a DWARF type DIE describes (null DIE: void).</summary>
    public DbgType FromDie(DwarfDie? die)
    {
        if (die is null)
        {
            return Void;
        }

        if (_byOffset.TryGetValue(die.Offset, out DbgType? known))
        {
            return known;
        }

        DwarfDie? targetDie = die.GetReference(DwAt.Type);
        long size = (long)(die.GetUnsigned(DwAt.ByteSize) ?? 0);
        DbgType result;
        switch (die.Tag)
        {
            case DwTag.BaseType:
                {
                    ulong encoding = die.GetUnsigned(DwAt.Encoding) ?? DwAte.Signed;
                    string name = die.Name ?? "?";
                    DbgTypeKind kind = encoding switch
                    {
                        DwAte.Boolean => DbgTypeKind.Bool,
                        DwAte.Float => DbgTypeKind.Float,
                        _ => DbgTypeKind.Integer,
                    };
                    bool isChar = encoding is DwAte.SignedChar or DwAte.UnsignedChar || (size == 1 && name.Contains("char", StringComparison.Ordinal));
                    bool signed = encoding is DwAte.Signed or DwAte.SignedChar;
                    result = new DbgType(kind, name, size) { IsSigned = signed, IsChar = isChar && kind == DbgTypeKind.Integer };
                    _byOffset[die.Offset] = result;
                    return result;
                }

            case DwTag.PointerType:
                result = new DbgType(DbgTypeKind.Pointer, "", size == 0 ? 8 : size);
                _byOffset[die.Offset] = result;
                result.Target = FromDie(targetDie);
                return result;
            case DwTag.Typedef:
            case DwTag.ConstType:
            case DwTag.VolatileType:
            case DwTag.RestrictType:
            case DwTag.AtomicType:
                {
                    bool isTypedef = die.Tag == DwTag.Typedef;
                    string name = die.Tag switch
                    {
                        DwTag.Typedef => die.Name ?? "?",
                        DwTag.ConstType => "const",
                        DwTag.VolatileType => "volatile",
                        DwTag.RestrictType => "restrict",
                        _ => "_Atomic",
                    };
                    result = new DbgType(isTypedef ? DbgTypeKind.Typedef : DbgTypeKind.Qualified, name, 0);
                    _byOffset[die.Offset] = result;
                    result.Target = FromDie(targetDie);
                    result.Size = result.Target.Size;
                    return result;
                }

            case DwTag.StructureType:
            case DwTag.UnionType:
                {
                    result = new DbgType(die.Tag == DwTag.StructureType ? DbgTypeKind.Struct : DbgTypeKind.Union, die.Name!, size)
                    {
                        IsIncomplete = die.Has(DwAt.Declaration),
                    };
                    _byOffset[die.Offset] = result;
                    if (result.IsIncomplete && die.Name is not null && FindNamedDie((result.Kind == DbgTypeKind.Struct ? "struct " : "union ") + die.Name) is DwarfDie full && full != die && !full.Has(DwAt.Declaration))
                    {
                        DbgType complete = FromDie(full);
                        _byOffset[die.Offset] = complete;
                        return complete;
                    }

                    foreach (DwarfDie member in die.Children)
                    {
                        if (member.Tag != DwTag.Member)
                        {
                            continue;
                        }

                        DbgType memberType = FromDie(member.GetReference(DwAt.Type));
                        int bitSize = (int)(member.GetUnsigned(DwAt.BitSize) ?? 0);
                        if (member.GetUnsigned(DwAt.DataBitOffset) is ulong bitOffset)
                        {
                            result.Members.Add(new DbgMember(member.Name, memberType, (long)bitOffset / 8, bitSize, (long)bitOffset));
                        }
                        else
                        {
                            long offset = (long)(member.GetUnsigned(DwAt.DataMemberLocation) ?? 0);
                            result.Members.Add(new DbgMember(member.Name, memberType, offset, bitSize, offset * 8));
                        }
                    }

                    return result;
                }

            case DwTag.EnumerationType:
                {
                    result = new DbgType(DbgTypeKind.Enum, die.Name!, size == 0 ? 4 : size) { IsSigned = true };
                    _byOffset[die.Offset] = result;
                    foreach (DwarfDie e in die.Children)
                    {
                        if (e.Tag == DwTag.Enumerator && e.Name is not null)
                        {
                            DwarfAttribute? value = e.Get(DwAt.ConstValue);
                            result.Enumerators.Add((e.Name, value?.SignedValue ?? 0));
                        }
                    }

                    result.Target = targetDie is null ? null : FromDie(targetDie);
                    return result;
                }

            case DwTag.ArrayType:
                {
                    var dims = new List<long>();
                    foreach (DwarfDie c in die.Children)
                    {
                        if (c.Tag != DwTag.SubrangeType)
                        {
                            continue;
                        }

                        if (c.GetUnsigned(DwAt.Count) is ulong count)
                        {
                            dims.Add((long)count);
                        }
                        else if (c.Get(DwAt.UpperBound) is DwarfAttribute upper)
                        {
                            dims.Add(upper.SignedValue + 1);
                        }
                        else
                        {
                            dims.Add(-1);
                        }
                    }

                    DbgType element = FromDie(targetDie);
                    if (dims.Count == 0)
                    {
                        dims.Add(-1);
                    }

                    for (int i = dims.Count - 1; i >= 0; i--)
                    {
                        element = ArrayOf(element, dims[i]);
                    }

                    _byOffset[die.Offset] = element;
                    return element;
                }

            case DwTag.SubroutineType:
            case DwTag.Subprogram:
                {
                    result = new DbgType(DbgTypeKind.Function, "", 1)
                    {
                        IsVariadic = die.Children.Any(c => c.Tag == DwTag.UnspecifiedParameters),
                        IsPrototyped = die.Has(DwAt.Prototyped) || die.Tag == DwTag.SubroutineType || die.Children.Any(c => c.Tag == DwTag.FormalParameter),
                    };
                    _byOffset[die.Offset] = result;
                    result.Target = FromDie(targetDie);
                    foreach (DwarfDie p in die.Children)
                    {
                        if (p.Tag == DwTag.FormalParameter)
                        {
                            result.Parameters.Add(FromDie(p.GetReference(DwAt.Type)));
                        }
                    }

                    return result;
                }

            default:
                result = new DbgType(DbgTypeKind.Void, die.Name ?? "void", 1);
                _byOffset[die.Offset] = result;
                return result;
        }
    }

    /// <summary>
    /// A type by name as a cast or sizeof spells it: a base type ("unsigned int"), "struct TAG", "union TAG",
    /// "enum TAG" or a typedef name; null if unknown.
    /// </summary>
    public DbgType? FindType(string name)
    {
        if (Builtin(name) is DbgType builtin)
        {
            return builtin;
        }

        return FindNamedDie(name) is DwarfDie die ? FromDie(die) : null;
    }

    /// <summary>Whether <paramref name="name"/> is a typedef name in the program.</summary>
    public bool IsTypedefName(string name) => FindNamedDie(name) is { Tag: DwTag.Typedef };

    private DwarfDie? FindNamedDie(string name)
    {
        if (_namedTypes is null)
        {
            _namedTypes = new Dictionary<string, DwarfDie>(StringComparer.Ordinal);
            foreach (DwarfUnit unit in _debug.Info.Units)
            {
                Collect(unit.Root);
            }
        }

        return _namedTypes.GetValueOrDefault(name);
    }

    private void Collect(DwarfDie parent)
    {
        foreach (DwarfDie die in parent.Children)
        {
            string? key = die.Name is null ? null : die.Tag switch
            {
                DwTag.StructureType => "struct " + die.Name,
                DwTag.UnionType => "union " + die.Name,
                DwTag.EnumerationType => "enum " + die.Name,
                DwTag.Typedef => die.Name,
                DwTag.BaseType => die.Name,
                _ => null,
            };
            if (key is not null && (!_namedTypes!.TryGetValue(key, out DwarfDie? old) || (old.Has(DwAt.Declaration) && !die.Has(DwAt.Declaration))))
            {
                _namedTypes![key] = die;
            }

            if (die.Children.Count > 0 && die.Tag is DwTag.Subprogram or DwTag.LexicalBlock)
            {
                Collect(die);
            }
        }
    }

    /// <summary>The built-in C type spelled <paramref name="name"/> (specifier words in any order), or null.</summary>
    public static DbgType? Builtin(string name)
    {
        string[] words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int longs = words.Count(w => w == "long");
        bool unsigned = words.Contains("unsigned");
        bool signed = words.Contains("signed");
        bool hasInt = words.Contains("int");
        if (words.Any(w => w is not ("long" or "unsigned" or "signed" or "int" or "short" or "char" or "float" or "double" or "void" or "_Bool")))
        {
            return null;
        }

        if (words.Contains("void"))
        {
            return words.Length == 1 ? Void : null;
        }

        if (words.Contains("_Bool"))
        {
            return words.Length == 1 ? Bool : null;
        }

        if (words.Contains("float"))
        {
            return words.Length == 1 ? Float : null;
        }

        if (words.Contains("double"))
        {
            return longs == 1 && words.Length == 2 ? LongDouble : words.Length == 1 ? Double : null;
        }

        if (words.Contains("char"))
        {
            return unsigned ? UnsignedChar : signed ? SignedChar : Char;
        }

        if (words.Contains("short"))
        {
            return unsigned ? UnsignedShort : Short;
        }

        if (longs >= 2)
        {
            return unsigned ? UnsignedLongLong : LongLong;
        }

        if (longs == 1)
        {
            return unsigned ? UnsignedLong : Long;
        }

        if (hasInt || unsigned || signed)
        {
            return unsigned ? UnsignedInt : Int;
        }

        return null;
    }
}
