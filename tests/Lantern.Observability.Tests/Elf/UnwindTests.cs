using Lantern.Observability.Dwarf.Write;
using Lantern.Observability.Elf;

namespace Lantern.Observability.Tests.Elf;

/// <summary>
/// Our .eh_frame through the system unwinder (libgcc, behind glibc's backtrace()): found through the shared
/// object's PT_GNU_EH_FRAME/.eh_frame_hdr, and registered at run time with <c>__register_frame</c>. Either way the
/// backtrace taken in a C callback walks through the JIT frame of <c>call</c> back to main.
/// </summary>
public class UnwindTests
{
    /// <summary><c>int call(int (*fn)(void))</c>: push rbp; mov rbp,rsp; call rdi; add eax,1; pop rbp; ret.</summary>
    private static readonly byte[] CallCode = [0x55, 0x48, 0x89, 0xe5, 0xff, 0xd7, 0x83, 0xc0, 0x01, 0x5d, 0xc3];

    private static CompilationUnitInfo Unit(ulong address)
    {
        var unit = new CompilationUnitInfo("call.c", "/tmp", "Lantern test", 0x1d);
        FileId file = unit.AddFile("call.c");
        var call = new CodeInfo("call", address, (uint)CallCode.Length) { DeclFile = file, DeclLine = 1 };
        call.AddLine(0, file, 1);
        call.AddLine(4, file, 2, 5, LineFlags.IsStatement | LineFlags.PrologueEnd);
        call.AddLine(9, file, 3, 1, LineFlags.IsStatement | LineFlags.EpilogueBegin);
        call.AddCfi(Cfi.StandardFramePointer(0, 1, 9));
        unit.AddFunction(call);
        return unit;
    }

    private static string BuildHarness(TempDirectory directory)
    {
        string harness = Path.Combine(directory.Path, "unwind-harness");
        string source = Path.Combine(AppContext.BaseDirectory, "Elf", "Data", "unwind-harness.c");
        (int exit, _, string errors) = ToolRunner.Run("gcc", "gcc", "-g", "-O0", "-rdynamic", "-o", harness, source, "-ldl");
        Assert.True(exit == 0, errors);
        return harness;
    }

    [Fact]
    public void GlibcBacktrace_WalksThroughTheSharedObjectToMain()
    {
        using TempDirectory directory = TempDirectory.Create(prefix: "lantern-unwind-");
        string harness = BuildHarness(directory);
        using TempFile so = ToolRunner.WriteTemp(ElfWriter.WriteSharedObject(Unit(0), _ => CallCode, "libcall.so").Bytes, ".so");

        (int exit, string stdout, string stderr) = ToolRunner.Run(harness, "gcc", "so", so.Path);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Matches(@"unwind-harness\(callback\+0x[0-9a-f]+\)", stdout);
        Assert.Matches(@"lantern-dwarf-\w+\.so\(call\+0x6\)", stdout);
        Assert.Matches(@"unwind-harness\(main\+0x[0-9a-f]+\)", stdout);
        Assert.Contains("call returned 42", stdout);
    }

    /// <summary>
    /// At 0x20_0000_0000 the code starts on a 4 GiB boundary, where libgcc ignores 4-byte FDE pointers: the writer
    /// must pick 8-byte ones (automatically, or when asked).
    /// </summary>
    [Theory]
    [InlineData(0x20_0000_0000UL, null)]
    [InlineData(0x20_0000_0000UL, true)]
    [InlineData(0x20_0010_0000UL, null)]
    [InlineData(0x20_0010_0000UL, true)]
    public void GlibcBacktrace_WalksThroughCodeRegisteredWithRegisterFrame(ulong codeAddress, bool? widePointers)
    {
        using TempDirectory directory = TempDirectory.Create(prefix: "lantern-unwind-");
        string harness = BuildHarness(directory);
        CompilationUnitInfo unit = Unit(codeAddress);
        EhFrame ehFrame = EhFrameWriter.Write(unit.Functions.Select(f => new EhFrameFunction(f.Address, f.Size, f.Cfi)), codeAddress + 0x800, widePointers);
        var image = new byte[0x800 + ehFrame.Bytes.Length];
        CallCode.CopyTo(image, 0);
        ehFrame.Bytes.CopyTo(image, 0x800);
        using TempFile file = ToolRunner.WriteTemp(image, ".bin");

        (int exit, string stdout, string stderr) = ToolRunner.Run(harness, "gcc", "register", file.Path, codeAddress.ToString("x"));

        Assert.True(exit == 0, stdout + stderr);
        string[] lines = stdout.Split('\n');
        int callback = Array.FindIndex(lines, l => l.Contains("(callback+"));
        Assert.True(callback >= 0, stdout);
        Assert.Equal($"[0x{codeAddress + 6:x}]", lines[callback + 1]);
        Assert.Matches(@"unwind-harness\(main\+0x[0-9a-f]+\)", lines[callback + 2]);
        Assert.Contains("call returned 42", stdout);
    }

    [Fact]
    public void Valgrind_ReadsTheSharedObjectAndCallgrindNamesItsFunction()
    {
        using TempDirectory directory = TempDirectory.Create(prefix: "lantern-unwind-");
        string harness = BuildHarness(directory);
        string so = Path.Combine(directory.Path, "libcall.so");
        File.WriteAllBytes(so, ElfWriter.WriteSharedObject(Unit(0), _ => CallCode, "libcall.so").Bytes);
        string output = Path.Combine(directory.Path, "callgrind.out");

        (int exit, string stdout, string stderr) = ToolRunner.Run("valgrind", "valgrind", "--tool=callgrind", "--read-var-info=yes",
            "--callgrind-out-file=" + output, harness, "so", so);
        (int annotateExit, string annotated, string annotateErrors) = ToolRunner.Run("callgrind_annotate", "valgrind", "--inclusive=yes", output);

        Assert.True(exit == 0, stdout + stderr);
        Assert.DoesNotMatch(@"(?i)warning.*libcall|libcall.*warning|DWARF", stderr);
        Assert.Matches(@"\(call\+0x6\)", stdout);
        Assert.True(annotateExit == 0, annotateErrors);
        Assert.Matches(@"/tmp/call\.c:call \[.*libcall\.so\]", annotated);
    }
}
