namespace Lantern.C.Jit;

/// <summary>How the backend sees the module's symbols (provided by the linker, <see cref="JitModule"/>).</summary>
public interface IJitSymbols
{
    /// <summary>True if <paramref name="name"/> is a function (defined in the module or in the host C library).</summary>
    bool IsFunction(string name);

    /// <summary>Address of the 8-byte indirection cell holding the function's current entry point.</summary>
    nint GetFunctionCell(string name);

    /// <summary>Address of global data (defined in the module or a host C library data symbol such as stdout).</summary>
    nint GetDataAddress(string name);
}
