using Lantern.C.Ir;

namespace Lantern.C.Describe;

/// <summary>
/// The addresses of a loaded module's data, as <see cref="CodeInfoBuilder"/> needs them for globals and static
/// locals. Implemented by the JIT's linker (<c>JitModule</c>) and by the interpreter's debug target.
/// </summary>
public interface IDataSymbols
{
    /// <summary>The address of global data <paramref name="name"/>, or false when it is not defined anywhere.</summary>
    bool TryGetDataAddress(string name, out nint address);
}

/// <summary>
/// A module whose functions have been placed in memory, seen from <see cref="CodeInfoBuilder.Build"/>: the IR it was
/// compiled from, the <see cref="FunctionLayout"/> of each compiled function and the addresses of its data.
/// </summary>
public interface ILoadedModule : IDataSymbols
{
    /// <summary>The IR the module was compiled from (scopes, variables, C types).</summary>
    IrModule Module { get; }

    /// <summary>The layout of every compiled function, by name.</summary>
    IReadOnlyDictionary<string, FunctionLayout> Functions { get; }
}
