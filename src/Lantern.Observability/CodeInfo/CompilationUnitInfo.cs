namespace Lantern.Observability;

/// <summary>
/// The compilation-unit-level description of a batch of JIT-compiled functions: what a DWARF
/// <c>DW_TAG_compile_unit</c> says (producer, language, name, compilation directory), the source file table the line
/// tables refer to, the type graph shared by the functions, the functions themselves and static variables.
/// Nothing here is specific to one source language: the language is a DWARF language code.
/// </summary>
/// <param name="name">The primary source file (DW_AT_name), usually relative to <paramref name="compDir"/>.</param>
/// <param name="compDir">The compilation directory (DW_AT_comp_dir).</param>
/// <param name="producer">The producer string (DW_AT_producer), e.g. "Lantern 0.1".</param>
/// <param name="language">A DWARF language code (DW_AT_language), e.g. <see cref="Dwarf.DwLang.C11"/>.</param>
public sealed class CompilationUnitInfo(string name, string compDir, string producer, ushort language)
{
    private readonly List<string> _files = new();
    private readonly List<CodeInfo> _functions = new();
    private readonly List<VariableInfo> _globals = new();

    /// <summary>The primary source file name (DW_AT_name).</summary>
    public string Name { get; } = name;

    /// <summary>The compilation directory (DW_AT_comp_dir).</summary>
    public string CompDir { get; } = compDir;

    /// <summary>The producer (DW_AT_producer).</summary>
    public string Producer { get; } = producer;

    /// <summary>The DWARF language code (DW_AT_language).</summary>
    public ushort Language { get; } = language;

    /// <summary>The types the functions and variables refer to.</summary>
    public TypeTable Types { get; } = new();

    /// <summary>The source files, indexed by <see cref="FileId.Index"/>.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>The functions, in the order they were added.</summary>
    public IReadOnlyList<CodeInfo> Functions => _functions;

    /// <summary>Variables with static storage (absolute address locations).</summary>
    public IReadOnlyList<VariableInfo> Globals => _globals;

    /// <summary>Adds a source file (or returns the existing id of the same path).</summary>
    public FileId AddFile(string path)
    {
        int index = _files.IndexOf(path);
        if (index < 0)
        {
            index = _files.Count;
            _files.Add(path);
        }

        return new FileId(index);
    }

    /// <summary>Adds a function. Its <see cref="CodeInfo.Address"/> ranges must not overlap those of other functions.</summary>
    public CodeInfo AddFunction(CodeInfo function)
    {
        ArgumentNullException.ThrowIfNull(function);
        _functions.Add(function);
        return function;
    }

    /// <summary>Adds a variable with static storage; its location must be <see cref="VariableLocation.Absolute"/>.</summary>
    public VariableInfo AddGlobal(VariableInfo variable)
    {
        if (variable.Location.Kind != VariableLocationKind.Address)
        {
            throw new ArgumentException("a global variable needs an absolute address location", nameof(variable));
        }

        _globals.Add(variable);
        return variable;
    }

    /// <summary>The path of <paramref name="file"/>.</summary>
    public string GetFile(FileId file) => _files[file.Index];
}
