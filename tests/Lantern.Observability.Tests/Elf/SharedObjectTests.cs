using System.Runtime.InteropServices;
using Lantern.Observability.Elf;
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
}
