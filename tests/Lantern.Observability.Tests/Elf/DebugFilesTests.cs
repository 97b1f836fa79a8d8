using System.Text.RegularExpressions;
using Lantern.Observability.Elf;

namespace Lantern.Observability.Tests.Elf;

/// <summary>
/// Build IDs, debug links and the detached debug files they lead to, checked against binutils: readelf's view of
/// libc (whose debug file Debian's libc6-dbg installs under /usr/lib/debug/.build-id) and a program that gcc built,
/// objcopy split into a stripped file and a debug file, and linked with <c>--add-gnu-debuglink</c> (binutils' CRC).
/// </summary>
public class DebugFilesTests
{
    private const string Libc = "/lib/x86_64-linux-gnu/libc.so.6";

    [Fact]
    public void Libc_BuildIdAndDebugLink_AreReadelfs()
    {
        ElfFile libc = ElfFile.Load(Libc);
        string notes = ToolRunner.Run("readelf", "binutils", "-n", Libc).Stdout;
        string buildId = Regex.Match(notes, @"Build ID: ([0-9a-f]+)").Groups[1].Value;
        Assert.NotEmpty(buildId);
        Assert.Equal(buildId, Convert.ToHexStringLower(libc.BuildId.Span));
        string link = ToolRunner.Run("readelf", "binutils", "-p", ".gnu_debuglink", Libc).Stdout;
        Assert.Contains(libc.DebugLink!.Value.Name, link);
    }

    [Fact]
    public void Libc_DebugFile_IsFoundByBuildId_AndHoldsItsStaticFunctions()
    {
        ElfFile libc = ElfFile.Load(Libc);
        Assert.DoesNotContain(libc.Symbols, s => s.Name == "_int_malloc"); // stripped: .dynsym only
        string? path = DebugFiles.Find(Libc, libc);
        Assert.True(path is not null, "no debug file for libc: install the Debian package libc6-dbg");
        string hex = Convert.ToHexStringLower(libc.BuildId.Span);
        Assert.Equal($"/usr/lib/debug/.build-id/{hex[..2]}/{hex[2..]}.debug", path);
        ElfSymbol intMalloc = ElfFile.Load(path!).Symbols.Single(s => s.Name == "_int_malloc");
        Assert.Equal(ElfConst.StbLocal, intMalloc.Binding);
        string nm = ToolRunner.Run("nm", "binutils", path!).Stdout;
        Assert.Matches($"(?m)^0*{intMalloc.Value:x} t _int_malloc$", nm);
    }

    [Fact]
    public void DebugLink_BesideTheFileOrInDotDebug_IsFoundWhenItsCrcMatches()
    {
        using TempDirectory dir = TempDirectory.Create("lantern-debuglink-");
        string source = Path.Combine(dir.Path, "p.c");
        File.WriteAllText(source, "static int hidden(int x) { return x * 3; }\nint main(int c, char **v) { (void)v; return hidden(c); }\n");
        string exe = Path.Combine(dir.Path, "p");
        string debug = Path.Combine(dir.Path, "p.dbg");
        Assert.Equal(0, ToolRunner.Run("gcc", "gcc", "-O0", "-Wl,--build-id=none", "-o", exe, source).ExitCode);
        Assert.Equal(0, ToolRunner.Run("objcopy", "binutils", "--only-keep-debug", exe, debug).ExitCode);
        Assert.Equal(0, ToolRunner.Run("strip", "binutils", "--strip-all", exe).ExitCode);
        Assert.Equal(0, ToolRunner.Run("objcopy", "binutils", "--add-gnu-debuglink=" + debug, exe).ExitCode);

        ElfFile stripped = ElfFile.Load(exe);
        Assert.True(stripped.BuildId.IsEmpty);
        Assert.Equal("p.dbg", stripped.DebugLink!.Value.Name);
        Assert.Equal(DebugFiles.Crc32(File.ReadAllBytes(debug)), stripped.DebugLink.Value.Crc);
        string root = Path.Combine(dir.Path, "no-root");
        Assert.Equal(debug, DebugFiles.Find(exe, stripped, root));
        Assert.Contains(ElfFile.Load(debug).Symbols, s => s.Name == "hidden");

        Directory.CreateDirectory(Path.Combine(dir.Path, ".debug"));
        string moved = Path.Combine(dir.Path, ".debug", "p.dbg");
        File.Move(debug, moved);
        Assert.Equal(moved, DebugFiles.Find(exe, stripped, root));

        File.AppendAllText(moved, "changed"); // another build's debug file: its CRC differs
        Assert.Null(DebugFiles.Find(exe, stripped, root));
    }

    [Fact]
    public void Crc32_IsTheStandardOne()
    {
        Assert.Equal(0xCBF43926u, DebugFiles.Crc32("123456789"u8)); // the CRC-32/IEEE check value
    }
}
