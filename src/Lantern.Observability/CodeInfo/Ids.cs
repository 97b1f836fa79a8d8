namespace Lantern.Observability;

/// <summary>A type in a <see cref="TypeTable"/>, handed out by its <c>Add*</c> methods.</summary>
public readonly record struct TypeId(int Index)
{
    public override string ToString() => "t" + Index;
}

/// <summary>A source file of a <see cref="CompilationUnitInfo"/>, handed out by <see cref="CompilationUnitInfo.AddFile"/>.</summary>
public readonly record struct FileId(int Index)
{
    public override string ToString() => "f" + Index;
}

/// <summary>A lexical scope of a <see cref="CodeInfo"/>, handed out by <see cref="CodeInfo.AddScope"/>.</summary>
public readonly record struct ScopeId(int Index)
{
    public override string ToString() => "s" + Index;
}
