using Xunit;

namespace Lantern.C.Tests.Jit;

/// <summary>
/// Fatal signals of a JIT-compiled program become a report: the signal, the source file:line and a backtrace of C
/// function names, then exit status 128 + signal (programs under Jit/crash/, run by <c>./lantern run</c>).
/// </summary>
public sealed class CrashReportTests
{
    [Theory]
    [InlineData("null_deref.c", 11, "SIGSEGV", new[] { "deref at null_deref.c:2", "middle at null_deref.c:3", "main at null_deref.c:4" })]
    [InlineData("divide_by_zero.c", 8, "SIGFPE", new[] { "divide at divide_by_zero.c:1", "main at divide_by_zero.c:2" })]
    [InlineData("abort.c", 6, "SIGABRT", new[] { "fail at abort.c:2", "main at abort.c:3" })]
    [InlineData("stack_overflow.c", 11, "stack overflow", new[] { "down at stack_overflow.c:1", "frames omitted", "main at stack_overflow.c:2" })]
    [InlineData("trap.c", 4, "SIGILL", new[] { "check at trap.c:2", "middle at trap.c:3", "main at trap.c:4" })]
    [InlineData("bus_error.c", 7, "SIGBUS", new[] { "touch at bus_error.c:5", "map_truncated at bus_error.c:15", "main at bus_error.c:17" })]
    [InlineData("fault_in_libc.c", 11, "SIGSEGV", new[] { "(libc.so.6)", "measure at fault_in_libc.c:2", "main at fault_in_libc.c:3" })]
    [InlineData("thread_null_deref.c", 11, "in thread", new[] { "deref at thread_null_deref.c:2", "worker at thread_null_deref.c:3" })]
    [InlineData("thread_abort.c", 6, "in thread", new[] { "(libc.so.6)", "fail at thread_abort.c:3", "worker at thread_abort.c:4" })]
    [InlineData("thread_stack_overflow.c", 11, "stack overflow", new[] { "down at thread_stack_overflow.c:2", "frames omitted", "worker at thread_stack_overflow.c:3" })]
    public void ReportsSignalLineAndBacktrace(string file, int signal, string title, string[] frames)
    {
        (int exit, string stdout, string stderr) = Run(Path.Combine(TestTools.RepositoryRoot, "tests", "Lantern.C.Tests", "Jit", "crash", file));
        Assert.True(exit == 128 + signal, $"exit {exit}\n{stderr}");
        Assert.Contains("lantern: program terminated by", stderr);
        Assert.Contains(title, stderr);
        int at = 0;
        foreach (string frame in frames)
        {
            int k = stderr.IndexOf(frame, at, StringComparison.Ordinal);
            Assert.True(k >= 0, $"'{frame}' missing or out of order in:\n{stderr}");
            at = k;
        }

        Assert.DoesNotContain("Unhandled exception", stderr);
        Assert.DoesNotContain("core dumped", stderr);
        Assert.Equal(file.StartsWith("thread_", StringComparison.Ordinal), stderr.Contains("(created by the program)"));
    }

    [Fact]
    public void InterpreterReportsTrapWithSigillStatus()
    {
        (int exit, string stdout, string stderr) = Run(Path.Combine(TestTools.RepositoryRoot, "tests", "Lantern.C.Tests", "Jit", "crash", "trap.c"), "--interp");
        Assert.True(exit == 132, $"exit {exit}\n{stderr}");
        Assert.Equal("before\n", stdout);
        Assert.Contains("illegal instruction", stderr);
        Assert.Contains("in function 'check' at trap.c:2", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }

    [Fact]
    public void TimeoutPrintsWhereTheProgramWas()
    {
        (int exit, _, string stderr) = Run(Path.Combine(TestTools.RepositoryRoot, "tests", "Lantern.C.Tests", "Jit", "crash", "timeout_spin.c"), "--timeout", "3");
        Assert.True(exit == 124, $"exit {exit}\n{stderr}");
        Assert.StartsWith("lantern: timeout after 3 s\n", stderr);
        int spin = stderr.IndexOf("spin at timeout_spin.c:6", StringComparison.Ordinal);
        Assert.True(spin >= 0 && stderr.IndexOf("main at timeout_spin.c:11", spin, StringComparison.Ordinal) > spin, stderr);
    }

    private static (int Exit, string Stdout, string Stderr) Run(string source, params string[] options) =>
        TestTools.Run(
            Path.Combine(TestTools.RepositoryRoot, "lantern"),
            ["run", .. options, Path.GetFileName(source)],
            new Dictionary<string, string?> { ["NO_COLOR"] = null },
            Path.GetDirectoryName(source)!);
}
