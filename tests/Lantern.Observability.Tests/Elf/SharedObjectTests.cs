using System.Runtime.InteropServices;
using Lantern.Observability.Elf;
using Lantern.Observability.Publish;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Elf;

public class SharedObjectTests
{
    [Fact]
    public unsafe void DlopenedSharedObject_CallsAdd()
    {
        CompilationUnitInfo unit = SampleUnits.Simple();
        SharedObjectImage image = ElfWriter.WriteSharedObject(unit, SampleUnits.CodeOf, "libsimple.so");
        using TempFile file = ToolRunner.WriteTemp(image.Bytes, ".so");
        IntPtr handle = NativeLibrary.Load(file.Path);
        try
        {
            var add = (delegate* unmanaged<int, int, int>)NativeLibrary.GetExport(handle, "add");
            var twice = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(handle, "twice");
            Assert.Equal(5, add(2, 3));
            Assert.Equal(-7, add(-10, 3));
            Assert.Equal(42, twice(21));
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [Fact]
    public void SymbolKind_GdbJitShimDescriptorIsADataObjectInBothSymbolTables()
    {
        ElfFile elf = ElfFile.Parse(GdbJitInterface.BuildShim());
        ElfSymbol[] descriptor = elf.Symbols.Where(s => s.Name == "__jit_debug_descriptor").ToArray();
        ElfSymbol[] hook = elf.Symbols.Where(s => s.Name == "__jit_debug_register_code").ToArray();
        Assert.Equal([false, true], descriptor.Select(s => s.IsDynamic).Order());
        Assert.All(descriptor, s => Assert.Equal(ElfConst.SttObject, s.Type));
        Assert.Equal([false, true], hook.Select(s => s.IsDynamic).Order());
        Assert.All(hook, s => Assert.Equal(ElfConst.SttFunc, s.Type));
    }
}
