using Lantern.Observability.Elf;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Elf;

/// <summary>
/// The symfile through the real gdb's and lldb's JIT interface: a small C host (Elf/Data/jit-harness.c) maps the hand-written
/// code at the address the CodeInfo names, registers our symfile through <c>__jit_debug_descriptor</c> and calls
/// the code; gdb breaks in the JIT function by name, shows its arguments and unwinds through it to main.
/// </summary>
public class SymfileGdbJitTests
{
    private const ulong CodeAddress = 0x10_0000_0000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gdb_BreaksInJitCodeShowsArgumentsAndBacktraceToMain(bool rbpFrameBase)
    {
        using var harness = new Harness(rbpFrameBase);
        (int exit, string stdout, string stderr) = ToolRunner.Run("gdb", "gdb", [
            "-nx", "-batch",
            "-ex", "set breakpoint pending on",
            "-ex", "break add",
            "-ex", "run",
            "-ex", "bt",
            "-ex", "info args",
            "-ex", "print a * 10 + b",
            "-ex", "info line *$pc",
            "-ex", "finish",
            "-ex", "continue",
            "--args", .. harness.CommandLine]);

        string transcript = stdout + stderr;
        Assert.True(exit == 0, transcript);
        Assert.Matches(@"Breakpoint 1, add \(a=2, b=3\) at simple\.c:3", transcript);
        Assert.Matches(@"#0 +add \(a=2, b=3\) at simple\.c:3", transcript);
        Assert.Matches(@"#1 +0x[0-9a-f]+ in call_jit \(fn=0x1000000000 <add>, a=2, b=3\) at .*jit-harness\.c:\d+", transcript);
        Assert.Matches(@"#2 +0x[0-9a-f]+ in main \(argc=4, argv=0x[0-9a-f]+\) at .*jit-harness\.c:\d+", transcript);
        Assert.Contains("a = 2\nb = 3", transcript);
        Assert.Contains("$1 = 23", transcript);
        Assert.Matches($@"Line 3 of ""simple\.c"" starts at address 0x{CodeAddress + 0xa:x} <add\+10>", transcript);
        Assert.Matches(@"Value returned is \$2 = 5", transcript);
        Assert.Contains("add(2, 3) = 5", transcript);
    }

    /// <summary>The same symfile through lldb's GDB JIT loader (plugin.jit-loader.gdb.enable on).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lldb_BreaksInJitCodeShowsVariablesAndBacktraceToMain(bool rbpFrameBase)
    {
        using var harness = new Harness(rbpFrameBase);
        (int exit, string stdout, string stderr) = ToolRunner.Run("lldb", "lldb", [
            "--no-lldbinit", "-b",
            "-o", "settings set plugin.jit-loader.gdb.enable on",
            "-o", "breakpoint set -n add",
            "-o", "run",
            "-o", "bt 3",
            "-o", "frame variable",
            "-o", "finish",
            "--", .. harness.CommandLine]);

        string transcript = stdout + stderr;
        Assert.True(exit == 0, transcript);
        Assert.Matches(@"stop reason = breakpoint 1\.1", transcript);
        Assert.Matches($@"frame #0: 0x0*{CodeAddress + 0xa:x} JIT\(0x[0-9a-f]+\)`add\(a=2, b=3\) at simple\.c:3:14", transcript);
        Assert.Matches(@"frame #1: 0x[0-9a-f]+ jit-harness`call_jit\(.*a=2, b=3\) at jit-harness\.c:\d+", transcript);
        Assert.Matches(@"frame #2: 0x[0-9a-f]+ jit-harness`main\(argc=4, .*\) at jit-harness\.c:\d+", transcript);
        Assert.Contains("(int) a = 2\n(int) b = 3", transcript);
        Assert.Contains("Return value: (int) $0 = 5", transcript);
    }

    /// <summary>
    /// The hand-written code and our symfile of it in temporary files, and <c>Elf/Data/jit-harness.c</c> compiled by
    /// gcc into a private temporary directory (gcc creates it there; it must not stay open for writing).
    /// </summary>
    private sealed class Harness : IDisposable
    {
        private readonly TempFile _code;
        private readonly TempFile _symfile;
        private readonly TempDirectory _directory;
        private readonly string _executable;

        public Harness(bool rbpFrameBase)
        {
            CompilationUnitInfo unit = SampleUnits.Simple(CodeAddress, rbpFrameBase);
            var code = new byte[0x40 + SampleUnits.TwiceCode.Length];
            SampleUnits.AddCode.CopyTo(code, 0);
            SampleUnits.TwiceCode.CopyTo(code, 0x40);
            _code = ToolRunner.WriteTemp(code, ".bin");
            _symfile = ToolRunner.WriteTemp(ElfWriter.WriteSymfile(unit), ".o");
            _directory = TempDirectory.Create(prefix: "lantern-jit-");
            _executable = Path.Combine(_directory.Path, "jit-harness");
            string source = Path.Combine(AppContext.BaseDirectory, "Elf", "Data", "jit-harness.c");
            (int gccExit, _, string gccErrors) = ToolRunner.Run("gcc", "gcc", "-g", "-O0", "-o", _executable, source);
            if (gccExit != 0)
            {
                Dispose();
                Assert.Fail(gccErrors);
            }
        }

        /// <summary>The harness's command line: the executable, the code, the symfile and the code's address.</summary>
        public string[] CommandLine => [_executable, _code.Path, _symfile.Path, CodeAddress.ToString("x")];

        public void Dispose()
        {
            _directory.Dispose();
            _symfile.Dispose();
            _code.Dispose();
        }
    }
}
