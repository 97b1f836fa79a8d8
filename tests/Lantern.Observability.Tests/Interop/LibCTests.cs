using System.Reflection;
using System.Runtime.InteropServices;
using Lantern.Observability.Interop;

namespace Lantern.Observability.Tests.Interop;

/// <summary>The one declaration of each libc function: every entry point exists in the C library, and the helpers work.</summary>
public unsafe class LibCTests
{
    public static TheoryData<string> EntryPoints()
    {
        var data = new TheoryData<string>();
        foreach (string name in typeof(LibC).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                     .Select(m => (Method: m, Import: m.GetCustomAttribute<LibraryImportAttribute>()))
                     .Where(x => x.Import is not null)
                     .Select(x => x.Import!.EntryPoint ?? x.Method.Name)
                     .Distinct()
                     .Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void EveryDeclaration_IsALibraryImportOfLibc()
    {
        var imports = typeof(LibC).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LibraryImportAttribute>())
            .Where(a => a is not null)
            .ToList();
        Assert.True(imports.Count >= 40, $"only {imports.Count} declarations found");
        Assert.All(imports, a => Assert.Equal("libc", a!.LibraryName));
    }

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void EntryPoint_ExistsInTheCLibrary(string entryPoint)
    {
        // a misspelt EntryPoint would fail only at its first call: look every one up now, as the loader would
        nint libc = NativeLibrary.Load("libc.so.6");
        Assert.True(NativeLibrary.TryGetExport(libc, entryPoint, out nint address), $"libc has no '{entryPoint}'");
        Assert.NotEqual(0, address);
    }

    [Fact]
    public void MapAnonymousMemory_IsZeroedAndWritable_ThenUnmapped()
    {
        const int size = 2 * 4096;
        byte* p = LibC.MapAnonymousMemory(size, LibC.ProtRead | LibC.ProtWrite);
        Assert.True(new ReadOnlySpan<byte>(p, size).IndexOfAnyExcept((byte)0) < 0);
        p[size - 1] = 42;
        Assert.Equal(42, p[size - 1]);
        Assert.Equal(0, LibC.Munmap((nint)p, size));
    }

    [Fact]
    public void MemfdCreate_GivesADescriptor()
    {
        int fd = LibC.MemfdCreate("lantern-libc-test", 0);
        Assert.True(fd >= 0, $"memfd_create failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.Equal(0, LibC.Close(fd));
    }
}
