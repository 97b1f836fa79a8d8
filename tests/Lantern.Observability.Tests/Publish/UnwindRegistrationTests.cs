using System.Runtime.InteropServices;
using Lantern.Observability.Publish;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Publish;

/// <summary><c>__register_frame</c>: while registered, libgcc's unwinder finds each function's FDE; after Dispose it does not.</summary>
public unsafe class UnwindRegistrationTests
{
    [Fact]
    public void RegisteredFunctions_AreFoundByLibgcc_UntilDisposed()
    {
        var findFde = (delegate* unmanaged<nint, nint*, nint>)NativeLibrary.GetExport(NativeLibrary.Load("libgcc_s.so.1"), "_Unwind_Find_FDE");
        const ulong address = 0x7e00_1234_0000;
        CompilationUnitInfo unit = SampleUnits.Simple(address);
        nint* bases = stackalloc nint[3]; // struct dwarf_eh_bases { tbase, dbase, func }
        Assert.Equal(0, findFde((nint)(address + 4), bases));

        UnwindRegistration registration = UnwindRegistration.Register(unit);
        Assert.NotEqual(0, findFde((nint)(address + 4), bases));
        Assert.Equal((nint)address, bases[2]);
        Assert.NotEqual(0, findFde((nint)(address + 0x40 + 4), bases));
        Assert.Equal((nint)(address + 0x40), bases[2]);

        registration.Dispose();
        Assert.Equal(0, findFde((nint)(address + 4), bases));
    }
}
