namespace Lantern.Observability;

/// <summary>The kind of a <see cref="VariableLocation"/>.</summary>
public enum VariableLocationKind
{
    /// <summary>In memory at frame base + offset (DW_OP_fbreg).</summary>
    FrameOffset,
    /// <summary>In a register (DW_OP_regN).</summary>
    Register,
    /// <summary>In memory at an absolute address (DW_OP_addr), for variables with static storage.</summary>
    Address,
}

/// <summary>Where a variable lives.</summary>
public readonly record struct VariableLocation(VariableLocationKind Kind, long Value)
{
    /// <summary>In memory at frame base + <paramref name="offset"/>.</summary>
    public static VariableLocation FrameOffset(long offset) => new(VariableLocationKind.FrameOffset, offset);

    /// <summary>In DWARF register <paramref name="dwarfRegister"/> (see <see cref="X64Registers"/>).</summary>
    public static VariableLocation InRegister(int dwarfRegister) => new(VariableLocationKind.Register, dwarfRegister);

    /// <summary>In memory at absolute address <paramref name="address"/>.</summary>
    public static VariableLocation Absolute(ulong address) => new(VariableLocationKind.Address, unchecked((long)address));

    public override string ToString() => Kind switch
    {
        VariableLocationKind.FrameOffset => $"fbreg({Value})",
        VariableLocationKind.Register => $"reg({Value})",
        _ => $"addr(0x{(ulong)Value:x})",
    };
}

/// <summary>
/// A variable or parameter. <see cref="ValidFrom"/>/<see cref="ValidTo"/> (offsets relative to the function start)
/// restrict where the location is valid; when both are null it is valid in the whole enclosing scope.
/// </summary>
public sealed record VariableInfo(string Name, TypeId Type, VariableLocation Location)
{
    /// <summary>Whether this is a formal parameter (DW_TAG_formal_parameter) rather than a variable.</summary>
    public bool IsParameter { get; init; }

    /// <summary>The declaring file (DW_AT_decl_file), if known.</summary>
    public FileId? DeclFile { get; init; }

    /// <summary>The declaring line (DW_AT_decl_line); 0 if unknown.</summary>
    public int DeclLine { get; init; }

    /// <summary>For globals: whether visible outside the unit (DW_AT_external).</summary>
    public bool IsExternal { get; init; }

    /// <summary>First code offset where the location is valid, or null.</summary>
    public uint? ValidFrom { get; init; }

    /// <summary>One past the last code offset where the location is valid, or null.</summary>
    public uint? ValidTo { get; init; }
}
