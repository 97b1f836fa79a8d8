namespace Lantern.Observability;

/// <summary>The encoding of a base type (DW_AT_encoding).</summary>
public enum BaseTypeEncoding
{
    Signed,
    Unsigned,
    Float,
    Boolean,
    SignedChar,
    UnsignedChar,
}

/// <summary>A type qualifier.</summary>
public enum TypeQualifier
{
    Const,
    Volatile,
    /// <summary>C99 <c>restrict</c> (DW_TAG_restrict_type).</summary>
    Restrict,
    /// <summary>C11 <c>_Atomic</c> (DW_TAG_atomic_type).</summary>
    Atomic,
}

/// <summary>A node of the type graph. Type references are <see cref="TypeId"/>s; null means void.</summary>
public abstract record DebugType;

/// <summary>A base type: a name, an encoding and a size in bytes.</summary>
public sealed record BaseType(string Name, BaseTypeEncoding Encoding, int Size) : DebugType;

/// <summary>A pointer to <see cref="Target"/> (null: void*).</summary>
public sealed record PointerType(TypeId? Target, int Size) : DebugType;

/// <summary>
/// An array of <see cref="Element"/>; <see cref="Dimensions"/> lists the element counts outermost first, null for an
/// unknown length (<c>int a[]</c>).
/// </summary>
public sealed record ArrayType(TypeId Element, IReadOnlyList<long?> Dimensions) : DebugType
{
    public bool Equals(ArrayType? other) => other is not null && Element == other.Element && Dimensions.SequenceEqual(other.Dimensions);

    public override int GetHashCode() => HashCode.Combine(Element, Dimensions.Count);
}

/// <summary>
/// A member of a struct or union at byte <see cref="Offset"/>; a bit-field has <see cref="BitSize"/> and its
/// position as <see cref="BitOffset"/> (bits from the start of the struct, DWARF 5 DW_AT_data_bit_offset; when
/// null, <c>Offset * 8</c>). For a bit-field only the bit position is emitted; a reader reports
/// <c>Offset = BitOffset / 8</c>.
/// </summary>
public sealed record MemberInfo(string? Name, TypeId Type, long Offset, int? BitSize = null, long? BitOffset = null)
{
    /// <summary>Whether this member is a bit-field.</summary>
    public bool IsBitField => BitSize is not null;
}

/// <summary>
/// A struct or union. Created by <see cref="TypeTable.DeclareStruct"/> (so members may refer back to it), completed
/// by <see cref="TypeTable.CompleteStruct"/>; an incomplete one is emitted as a declaration.
/// </summary>
public sealed record StructType : DebugType
{
    private readonly List<MemberInfo> _members = new();

    /// <summary>Structs compare by identity (they may be recursive).</summary>
    public bool Equals(StructType? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    internal StructType(string? name, bool isUnion)
    {
        Name = name;
        IsUnion = isUnion;
    }

    /// <summary>The tag name, or null for an anonymous struct.</summary>
    public string? Name { get; }

    /// <summary>Whether this is a union.</summary>
    public bool IsUnion { get; }

    /// <summary>Whether the members and size are known.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The size in bytes (0 while incomplete).</summary>
    public long Size { get; private set; }

    /// <summary>The members in declaration order.</summary>
    public IReadOnlyList<MemberInfo> Members => _members;

    internal void Complete(long size, IEnumerable<MemberInfo> members)
    {
        if (IsComplete)
        {
            throw new InvalidOperationException($"struct {Name} is already complete");
        }

        _members.AddRange(members);
        Size = size;
        IsComplete = true;
    }
}

/// <summary>An enumerator of an <see cref="EnumType"/>.</summary>
public sealed record EnumeratorInfo(string Name, long Value);

/// <summary>An enumeration with its underlying integer type (optional) and size.</summary>
public sealed record EnumType(string? Name, TypeId? Underlying, int Size, IReadOnlyList<EnumeratorInfo> Enumerators) : DebugType
{
    public bool Equals(EnumType? other) => other is not null && Name == other.Name && Underlying == other.Underlying
        && Size == other.Size && Enumerators.SequenceEqual(other.Enumerators);

    public override int GetHashCode() => HashCode.Combine(Name, Size);
}

/// <summary>A typedef: <see cref="Name"/> for <see cref="Target"/> (null: void).</summary>
public sealed record TypedefType(string Name, TypeId? Target) : DebugType;

/// <summary>A function type (for function pointers): return type (null: void), parameter types, variadic flag.</summary>
public sealed record SubroutineType(TypeId? Return, IReadOnlyList<TypeId> Parameters, bool IsVariadic, bool IsPrototyped = true) : DebugType
{
    public bool Equals(SubroutineType? other) => other is not null && Return == other.Return && IsVariadic == other.IsVariadic
        && IsPrototyped == other.IsPrototyped && Parameters.SequenceEqual(other.Parameters);

    public override int GetHashCode() => HashCode.Combine(Return, Parameters.Count, IsVariadic);
}

/// <summary>A const-, volatile-, restrict- or _Atomic-qualified <see cref="Target"/> (null: void).</summary>
public sealed record QualifiedType(TypeQualifier Qualifier, TypeId? Target) : DebugType;

/// <summary>
/// The type graph of a unit. Builders hand out <see cref="TypeId"/>s; a struct is declared first and completed
/// later so that it can contain pointers to itself.
/// </summary>
public sealed class TypeTable
{
    private readonly List<DebugType> _types = new();

    /// <summary>All types, indexed by <see cref="TypeId.Index"/>.</summary>
    public IReadOnlyList<DebugType> Types => _types;

    /// <summary>The type with the given id.</summary>
    public DebugType this[TypeId id] => _types[id.Index];

    /// <summary>Adds a base type.</summary>
    public TypeId AddBase(string name, BaseTypeEncoding encoding, int size) => Add(new BaseType(name, encoding, size));

    /// <summary>Adds a pointer to <paramref name="target"/> (null: void*).</summary>
    public TypeId AddPointer(TypeId? target, int size = 8) => Add(new PointerType(Check(target), size));

    /// <summary>Adds an array type; a null dimension is an unknown length.</summary>
    public TypeId AddArray(TypeId element, params long?[] dimensions)
    {
        if (dimensions.Length == 0)
        {
            throw new ArgumentException("an array needs at least one dimension", nameof(dimensions));
        }

        return Add(new ArrayType(Check(element), dimensions.ToArray()));
    }

    /// <summary>Declares a struct (or union) whose members are given later by <see cref="CompleteStruct"/>.</summary>
    public TypeId DeclareStruct(string? name, bool isUnion = false) => Add(new StructType(name, isUnion));

    /// <summary>Gives a declared struct its size and members.</summary>
    public void CompleteStruct(TypeId id, long size, IEnumerable<MemberInfo> members)
    {
        if (this[id] is not StructType structType)
        {
            throw new ArgumentException($"{id} is not a struct", nameof(id));
        }

        MemberInfo[] list = members.ToArray();
        foreach (MemberInfo member in list)
        {
            Check(member.Type);
        }

        structType.Complete(size, list);
    }

    /// <summary>Adds a complete struct (or union) in one step.</summary>
    public TypeId AddStruct(string? name, long size, IEnumerable<MemberInfo> members, bool isUnion = false)
    {
        TypeId id = DeclareStruct(name, isUnion);
        CompleteStruct(id, size, members);
        return id;
    }

    /// <summary>Adds an enumeration.</summary>
    public TypeId AddEnum(string? name, TypeId? underlying, int size, IEnumerable<EnumeratorInfo> enumerators)
        => Add(new EnumType(name, Check(underlying), size, enumerators.ToArray()));

    /// <summary>Adds a typedef.</summary>
    public TypeId AddTypedef(string name, TypeId? target) => Add(new TypedefType(name, Check(target)));

    /// <summary>Adds a function type.</summary>
    public TypeId AddSubroutine(TypeId? returnType, IEnumerable<TypeId> parameters, bool isVariadic = false, bool isPrototyped = true)
    {
        TypeId[] list = parameters.ToArray();
        foreach (TypeId parameter in list)
        {
            Check(parameter);
        }

        return Add(new SubroutineType(Check(returnType), list, isVariadic, isPrototyped));
    }

    /// <summary>Adds a const or volatile qualified type.</summary>
    public TypeId AddQualified(TypeQualifier qualifier, TypeId? target) => Add(new QualifiedType(qualifier, Check(target)));

    private TypeId Add(DebugType type)
    {
        _types.Add(type);
        return new TypeId(_types.Count - 1);
    }

    private TypeId? Check(TypeId? id)
    {
        if (id is { } value && (uint)value.Index >= (uint)_types.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), $"unknown type {value}");
        }

        return id;
    }

    private TypeId Check(TypeId id)
    {
        Check((TypeId?)id);
        return id;
    }
}
