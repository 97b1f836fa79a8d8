using System.Text.RegularExpressions;
using Lantern.Observability;

namespace Lantern.Cli.Tests.Tools;

/// <summary>
/// <c>--emit-so DIR</c>: the module's code is linked into DIR/NAME.so, dlopen'ed and run from there, so glibc's
/// <c>backtrace_symbols_fd</c> names the frames as library frames; <c>addr2line</c> and <c>llvm-symbolizer</c>
/// resolve addresses of the .so to function and <c>file:line</c>.
/// </summary>
public class SharedObjectTests
{
    private const string Program = """
        #include <stdio.h>
        int backtrace(void **buffer, int size);
        void backtrace_symbols_fd(void *const *buffer, int size, int fd);
        int inner(int x)
        {
            void *frames[16];
            int n = backtrace(frames, 16);
            fflush(stdout);
            backtrace_symbols_fd(frames, n, 1);
            return x + n;
        }
        int outer(int x)
        {
            return inner(x * 2) + 1;
        }
        int main(void)
        {
            return outer(1) > 0 ? 0 : 1;
        }
        """;

    private static (string So, string Stdout) Emit(TempDirectory dir)
    {
        string file = dir.WriteFile("frames.c", Program);
        string soDir = Path.Combine(dir.Path, "so");
        ProcessResult r = LanternProcess.Run("run", "--emit-so", soDir, file);
        Assert.True(r.ExitCode == 0, r.ToString());
        string so = Path.Combine(soDir, "frames.so");
        Assert.True(File.Exists(so), r.ToString());
        return (so, r.Stdout);
    }

    /// <summary>
    /// The object is written 0600 with O_EXCL into a directory only the user can write (created 0700, last component
    /// only), so nobody can swap it before the dlopen; a second run replaces it.
    /// </summary>
    [Fact]
    public void EmittedObject_IsTheUsersAlone_InADirectoryTheUserAloneWrites()
    {
        using TempDirectory dir = TempDirectory.Create("lantern-so-test-");
        (string so, _) = Emit(dir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(so));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(so)!));
        DateTime first = File.GetLastWriteTimeUtc(so);
        Thread.Sleep(20);
        ProcessResult again = LanternProcess.Run("run", "--emit-so", Path.GetDirectoryName(so)!, Path.Combine(dir.Path, "frames.c"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.NotEqual(first, File.GetLastWriteTimeUtc(so));
    }

    /// <summary>Where the object cannot be written safely, a one-line error and status 1 (was an internal error, 70).</summary>
    [Theory]
    [InlineData("so-is-a-directory", "'{so}/hello.so' exists and is not a regular file")]
    [InlineData("dir-is-a-file", "'{so}' is not a directory")]
    [InlineData("group-writable", "'{so}' must be owned by you and writable by you alone (another user could replace what Lantern writes there)")]
    [InlineData("missing-parent", "'{dir}/missing' does not exist (only the last component of the directory is created)")]
    public void UnsafeOrImpossibleTarget_IsAClearError(string setup, string message)
    {
        using TempDirectory dir = TempDirectory.Create("lantern-so-test-");
        string file = dir.WriteFile("hello.c", "int main(void) { return 0; }\n");
        string so = Path.Combine(dir.Path, "so");
        switch (setup)
        {
            case "so-is-a-directory":
                Directory.CreateDirectory(Path.Combine(so, "hello.so"));
                break;
            case "dir-is-a-file":
                File.WriteAllText(so, "");
                break;
            case "group-writable":
                Directory.CreateDirectory(so);
                File.SetUnixFileMode(so, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
                break;
            case "missing-parent":
                so = Path.Combine(dir.Path, "missing", "so");
                break;
        }

        ProcessResult r = LanternProcess.Run("run", "--emit-so", so, file);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("lantern: error: --emit-so: " + message.Replace("{so}", so).Replace("{dir}", dir.Path) + "\n", r.Stderr);
    }

    /// <summary>The file offset (= virtual address) of the return address in <paramref name="function"/> minus one (inside the call).</summary>
    private static string CallSite(string so, string stdout, string function)
    {
        Match frame = Regex.Match(stdout, $@"frames\.so\({function}\+0x([0-9a-f]+)\)");
        Assert.True(frame.Success, stdout);
        ProcessResult nm = LanternProcess.RunProcess(ToolCheck.Require("nm", "binutils"), ["-D", so]);
        Match symbol = Regex.Match(nm.Stdout, $@"([0-9a-f]+) T {function}\n");
        Assert.True(symbol.Success, nm.ToString());
        ulong address = Convert.ToUInt64(symbol.Groups[1].Value, 16) + Convert.ToUInt64(frame.Groups[1].Value, 16) - 1;
        return "0x" + address.ToString("x");
    }

    [Fact]
    public void BacktraceSymbols_RunsFromTheEmittedSharedObject()
    {
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-so-");
        (_, string stdout) = Emit(dir);
        ToolCheck.Has(stdout, @"frames\.so\(inner\+0x[0-9a-f]+\)\[0x[0-9a-f]+\]\n[^\n]*frames\.so\(outer\+0x[0-9a-f]+\)\[0x[0-9a-f]+\]\n[^\n]*frames\.so\(main\+0x[0-9a-f]+\)");
    }

    [Fact]
    public void Addr2line_ResolvesSharedObjectAddressesToFileAndLine()
    {
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-so-");
        (string so, string stdout) = Emit(dir);
        string inner = CallSite(so, stdout, "inner");
        string outer = CallSite(so, stdout, "outer");
        ProcessResult r = LanternProcess.RunProcess(ToolCheck.Require("addr2line", "binutils"), ["-f", "-e", so, inner, outer]);
        Assert.True(r.ExitCode == 0, r.ToString());
        ToolCheck.Has(r.Stdout, @"^inner\n.*frames\.c:7\nouter\n.*frames\.c:14\n");
    }

    [Fact]
    public void LlvmSymbolizer_ResolvesSharedObjectAddressesToFileAndLine()
    {
        using TempDirectory dir = TempDirectory.Create(prefix: "lantern-so-");
        (string so, string stdout) = Emit(dir);
        string inner = CallSite(so, stdout, "inner");
        ProcessResult r = LanternProcess.RunProcess(ToolCheck.Require("llvm-symbolizer-14", "llvm-14"), ["--obj=" + so, inner]);
        Assert.True(r.ExitCode == 0, r.ToString());
        ToolCheck.Has(r.Stdout, @"^inner\n.*frames\.c:7:\d+\n");
    }
}
