namespace Lantern.Observability.Elf;

/// <summary>The symbol type <see cref="ElfWriter"/> gives a function's symbol (the STT_ value of st_info).</summary>
public enum ElfSymbolKind : byte
{
    /// <summary>STT_FUNC: code. The default.</summary>
    Function = ElfConst.SttFunc,

    /// <summary>
    /// STT_OBJECT: data placed like code, e.g. the gdb-JIT shim's <c>__jit_debug_descriptor</c> (lldb's JIT loader
    /// looks the descriptor up as a data symbol).
    /// </summary>
    Object = ElfConst.SttObject,
}
