using Lantern.Observability.Elf;
using Lantern.Observability.Publish;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Publish;

/// <summary>The GDB JIT interface's shim shared object and a registration (no debugger attached: nothing to see, nothing may break).</summary>
public class GdbJitInterfaceTests
{
    [Fact]
    public void Shim_HasTheHookAsAFunctionAndTheDescriptorAsData()
    {
        ElfFile shim = ElfFile.Parse(GdbJitInterface.BuildShim());
        ElfSymbol hook = shim.Symbols.First(s => s.Name == "__jit_debug_register_code");
        ElfSymbol descriptor = shim.Symbols.First(s => s.Name == "__jit_debug_descriptor");
        Assert.Equal(ElfConst.SttFunc, hook.Type);
        Assert.Equal(ElfConst.SttObject, descriptor.Type);
        Assert.True(descriptor.Address - hook.Address >= 2 * 4096, "the descriptor must not share a page with the hook");
    }

    [Fact]
    public void RegisterAndDispose_WithoutADebugger()
    {
        byte[] symfile = ElfWriter.WriteSymfile(SampleUnits.Simple());
        IDisposable registration = GdbJitInterface.Instance.Register(symfile);
        registration.Dispose();
    }
}
