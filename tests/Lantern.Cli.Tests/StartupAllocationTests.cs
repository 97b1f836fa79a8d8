using System.Globalization;
using System.Text.RegularExpressions;
using Lantern.Observability;

namespace Lantern.Cli.Tests;

/// <summary>
/// Start-up cost on this VM is mostly pages first touched, and the GC heap is the bulk of them (docs/ARCHITECTURE.md
/// "Heap pre-touch"): what <c>lantern run hello.c</c> allocates on the GC heap is a budget. Measured: ~0.67 MB with
/// Lantern's own encoder; ~1.2 MB when Iced's Assembler/BlockEncoder encoded (its opcode-handler tables alone were
/// ~0.5 MB), so a regression of that size fails here.
/// </summary>
public sealed partial class StartupAllocationTests : IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create("lantern-startup-alloc-test-");

    public void Dispose() => _dir.Dispose();

    [GeneratedRegex(@"^lantern-startup: exit .* allocated=(\d+)K ", RegexOptions.Multiline)]
    private static partial Regex ExitLine();

    [Fact]
    public void RunHello_AllocatesUnderOneMegabyte()
    {
        _dir.WriteFile("hello.c", "#include <stdio.h>\nint main(void) { printf(\"hello\\n\"); return 0; }\n");
        ProcessResult r = LanternProcess.Run(["run", "hello.c"], environment: new Dictionary<string, string?> { ["LANTERN_TRACE_STARTUP"] = "1" }, workingDirectory: _dir.Path);

        Assert.True(r.ExitCode == 0 && r.Stdout == "hello\n", r.ToString());
        Match m = ExitLine().Match(r.Stderr);
        Assert.True(m.Success, r.Stderr);
        long kib = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(kib is > 100 and < 1024, $"allocated {kib} KiB on the GC heap\n{r.Stderr}");
    }
}
