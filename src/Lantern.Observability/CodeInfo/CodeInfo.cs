namespace Lantern.Observability;

/// <summary>Flags of a line table row (the DWARF line state machine's boolean registers).</summary>
[Flags]
public enum LineFlags
{
    /// <summary>Not a recommended breakpoint location.</summary>
    None = 0,
    /// <summary>The row starts a statement: a recommended breakpoint location (is_stmt).</summary>
    IsStatement = 1,
    /// <summary>The first address after the function's prologue (prologue_end).</summary>
    PrologueEnd = 2,
    /// <summary>The first address of an epilogue (epilogue_begin).</summary>
    EpilogueBegin = 4,
}

/// <summary>
/// One row of a function's line table: from <see cref="Offset"/> (relative to the function start) up to the next
/// row, the code belongs to <see cref="File"/>:<see cref="Line"/>:<see cref="Column"/>.
/// </summary>
public readonly record struct LineRow(uint Offset, FileId File, int Line, int Column, LineFlags Flags = LineFlags.IsStatement);

/// <summary>A patch site of debug code: a 5-byte NOP at <see cref="Offset"/> (relative to the function start).</summary>
public readonly record struct PatchSiteInfo(uint Offset, Debugging.PatchSiteKind Kind);

/// <summary>How the frame base (DW_AT_frame_base) of a function is computed.</summary>
public enum FrameBaseKind
{
    /// <summary>The canonical frame address computed by the CFI (DW_OP_call_frame_cfa).</summary>
    CallFrameCfa,
    /// <summary>The value of a register (DW_OP_regN), usually rbp.</summary>
    Register,
}

/// <summary>The frame base of a function: variables located <see cref="VariableLocation.FrameOffset"/> are relative to it.</summary>
public readonly record struct FrameBase(FrameBaseKind Kind, int Register)
{
    /// <summary>The frame base is the CFA (for <c>push rbp; mov rbp,rsp</c> frames, CFA = rbp + 16).</summary>
    public static FrameBase CallFrameCfa => new(FrameBaseKind.CallFrameCfa, 0);

    /// <summary>The frame base is the value of rbp (DWARF register 6).</summary>
    public static FrameBase Rbp => new(FrameBaseKind.Register, X64Registers.Rbp);

    /// <summary>The frame base is the value of DWARF register <paramref name="dwarfRegister"/>.</summary>
    public static FrameBase InRegister(int dwarfRegister) => new(FrameBaseKind.Register, dwarfRegister);
}

/// <summary>A lexical scope: an address range (relative to the function start) with the variables declared in it.</summary>
public sealed class ScopeInfo
{
    internal ScopeInfo(ScopeId id, ScopeId? parent, uint startOffset, uint endOffset)
    {
        Id = id;
        Parent = parent;
        StartOffset = startOffset;
        EndOffset = endOffset;
    }

    /// <summary>This scope's id.</summary>
    public ScopeId Id { get; }

    /// <summary>The enclosing scope; null for the function's own scope.</summary>
    public ScopeId? Parent { get; }

    /// <summary>First byte of the scope, relative to the function start.</summary>
    public uint StartOffset { get; }

    /// <summary>One past the last byte of the scope, relative to the function start.</summary>
    public uint EndOffset { get; }

    /// <summary>Variables (and, in the function scope, parameters) declared in the scope, in declaration order.</summary>
    public List<VariableInfo> Variables { get; } = new();

    /// <summary>Nested scopes in address order.</summary>
    public List<ScopeId> Children { get; } = new();
}

/// <summary>
/// Everything a debugger, profiler or unwinder needs to know about one JIT-compiled function, independent of the
/// source language: its name, code range, line table, scopes with variables and parameters, and frame description.
/// A JIT builds one per function and adds it to a <see cref="CompilationUnitInfo"/>. All offsets are relative to
/// <see cref="Address"/>, so the same description serves wherever the code is copied (e.g. into a shared object).
/// </summary>
public sealed class CodeInfo
{
    private readonly List<ScopeInfo> _scopes = new();
    private readonly List<LineRow> _lines = new();
    private readonly List<CfiRow> _cfi = new();
    private readonly List<PatchSiteInfo> _patchSites = new();

    /// <summary>Creates the description of a function whose code is at [<paramref name="address"/>, +<paramref name="size"/>).</summary>
    public CodeInfo(string name, ulong address, uint size)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Address = address;
        Size = size;
        _scopes.Add(new ScopeInfo(new ScopeId(0), null, 0, size));
    }

    /// <summary>The source-level name (DW_AT_name).</summary>
    public string Name { get; }

    /// <summary>The symbol name if it differs from <see cref="Name"/> (DW_AT_linkage_name); null otherwise.</summary>
    public string? LinkageName { get; set; }

    /// <summary>The symbol name used in symbol tables: <see cref="LinkageName"/> if set, else <see cref="Name"/>.</summary>
    public string SymbolName => LinkageName ?? Name;

    /// <summary>
    /// The absolute address of the first byte of code. A JIT that builds the description before it places the
    /// code may set it once the address is known (everything else is relative to it).
    /// </summary>
    public ulong Address { get; set; }

    /// <summary>The code size in bytes.</summary>
    public uint Size { get; }

    /// <summary>The file the function is declared in (DW_AT_decl_file), if known.</summary>
    public FileId? DeclFile { get; set; }

    /// <summary>The line the function is declared on (DW_AT_decl_line); 0 if unknown.</summary>
    public int DeclLine { get; set; }

    /// <summary>The return type; null for a function returning nothing (void).</summary>
    public TypeId? ReturnType { get; set; }

    /// <summary>Whether the function is visible outside its unit (DW_AT_external).</summary>
    public bool IsExternal { get; set; } = true;

    /// <summary>Whether the function has a prototype (DW_AT_prototyped); languages without the distinction say true.</summary>
    public bool IsPrototyped { get; set; } = true;

    /// <summary>How the frame base is computed; variables with frame offsets are relative to it.</summary>
    public FrameBase FrameBase { get; set; } = FrameBase.CallFrameCfa;

    /// <summary>The function's own scope (covering the whole function); parameters go here.</summary>
    public ScopeId RootScope => new(0);

    /// <summary>All scopes, indexed by <see cref="ScopeId.Index"/>; index 0 is <see cref="RootScope"/>.</summary>
    public IReadOnlyList<ScopeInfo> Scopes => _scopes;

    /// <summary>The line table rows in address order.</summary>
    public IReadOnlyList<LineRow> Lines => _lines;

    /// <summary>
    /// The call frame information: rule changes at code offsets, in offset order, starting from the state at
    /// function entry (CFA = rsp + 8, return address at CFA - 8).
    /// </summary>
    public IReadOnlyList<CfiRow> Cfi => _cfi;

    /// <summary>The patch sites of debug code (5-byte NOPs a debugger patches into calls), in offset order; empty for other code.</summary>
    public IReadOnlyList<PatchSiteInfo> PatchSites => _patchSites;

    /// <summary>Records a patch site at <paramref name="offset"/> (relative to the function start).</summary>
    public void AddPatchSite(uint offset, Debugging.PatchSiteKind kind)
    {
        if (offset + 5 > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"patch site at {offset} is outside the function (size {Size})");
        }

        _patchSites.Add(new PatchSiteInfo(offset, kind));
    }

    /// <summary>The scope with the given id.</summary>
    public ScopeInfo GetScope(ScopeId id) => _scopes[id.Index];

    /// <summary>Adds a lexical scope [<paramref name="startOffset"/>, <paramref name="endOffset"/>) nested in <paramref name="parent"/>.</summary>
    public ScopeId AddScope(ScopeId parent, uint startOffset, uint endOffset)
    {
        ScopeInfo parentScope = GetScope(parent);
        if (startOffset > endOffset || startOffset < parentScope.StartOffset || endOffset > parentScope.EndOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(startOffset), $"scope [{startOffset}, {endOffset}) is not inside its parent [{parentScope.StartOffset}, {parentScope.EndOffset})");
        }

        var id = new ScopeId(_scopes.Count);
        _scopes.Add(new ScopeInfo(id, parent, startOffset, endOffset));
        parentScope.Children.Add(id);
        return id;
    }

    /// <summary>Adds a parameter (to the function's scope); parameters keep their order.</summary>
    public VariableInfo AddParameter(VariableInfo parameter)
    {
        if (!parameter.IsParameter)
        {
            parameter = parameter with { IsParameter = true };
        }

        _scopes[0].Variables.Add(parameter);
        return parameter;
    }

    /// <summary>Adds a local variable to <paramref name="scope"/>.</summary>
    public VariableInfo AddVariable(ScopeId scope, VariableInfo variable)
    {
        GetScope(scope).Variables.Add(variable);
        return variable;
    }

    /// <summary>Appends a line table row; rows must come in non-decreasing offset order.</summary>
    public void AddLine(LineRow row)
    {
        if (_lines.Count > 0 && row.Offset < _lines[^1].Offset)
        {
            throw new ArgumentException($"line rows must be in address order: {row.Offset} after {_lines[^1].Offset}", nameof(row));
        }

        if (row.Line < 0 || row.Column < 0 || row.File.Index < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"line {row.Line}, column {row.Column} and file {row.File} must not be negative");
        }

        if (row.Offset >= Size && Size > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"line row offset {row.Offset} is outside the function (size {Size})");
        }

        _lines.Add(row);
    }

    /// <summary>Appends a line table row.</summary>
    public void AddLine(uint offset, FileId file, int line, int column = 0, LineFlags flags = LineFlags.IsStatement)
        => AddLine(new LineRow(offset, file, line, column, flags));

    /// <summary>Appends CFI rows; rows must come in non-decreasing offset order.</summary>
    public void AddCfi(IEnumerable<CfiRow> rows)
    {
        foreach (CfiRow row in rows)
        {
            if (_cfi.Count > 0 && row.Offset < _cfi[^1].Offset)
            {
                throw new ArgumentException($"CFI rows must be in address order: {row.Offset} after {_cfi[^1].Offset}", nameof(rows));
            }

            _cfi.Add(row);
        }
    }

    /// <summary>Every parameter and variable of the function, depth first, with its scope.</summary>
    public IEnumerable<(ScopeInfo Scope, VariableInfo Variable)> AllVariables()
    {
        foreach (ScopeInfo scope in _scopes)
        {
            foreach (VariableInfo variable in scope.Variables)
            {
                yield return (scope, variable);
            }
        }
    }
}

/// <summary>DWARF register numbers of x86-64 (System V AMD64 ABI, figure 3.36), for locations and CFI.</summary>
public static class X64Registers
{
    public const int Rax = 0;
    public const int Rdx = 1;
    public const int Rcx = 2;
    public const int Rbx = 3;
    public const int Rsi = 4;
    public const int Rdi = 5;
    public const int Rbp = 6;
    public const int Rsp = 7;
    public const int R8 = 8;
    public const int R9 = 9;
    public const int R10 = 10;
    public const int R11 = 11;
    public const int R12 = 12;
    public const int R13 = 13;
    public const int R14 = 14;
    public const int R15 = 15;
    /// <summary>The return address column (RIP).</summary>
    public const int ReturnAddress = 16;
    /// <summary>xmm0; xmmN is <c>Xmm0 + N</c>.</summary>
    public const int Xmm0 = 17;
}
