using System.Globalization;
using System.Text.RegularExpressions;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Elf;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Dwarf;

/// <summary>
/// The objects we write, checked by the system's tools (llvm-dwarfdump --verify, readelf, llvm-readelf, addr2line,
/// llvm-symbolizer), and our reader checked against llvm-dwarfdump on gcc's output.
/// </summary>
public class ExternalVerificationTests
{
    public static TheoryData<string, string> Objects()
    {
        var data = new TheoryData<string, string>();
        foreach (string unit in new[] { "simple", "rich", "many", "multi" })
        {
            data.Add(unit, "symfile");
            data.Add(unit, "so");
        }

        return data;
    }

    private static byte[] Produce(string unit, string kind)
    {
        if (unit == "multi")
        {
            CompilationUnitInfo[] units = [SampleUnits.Simple(0x10_0000), SampleUnits.Rich(0x20_0000), RoundTripTests.Make("many", 0x80_0000)];
            return kind == "symfile"
                ? ElfWriter.WriteSymfile(units)
                : ElfWriter.WriteSharedObject(units, f => new byte[f.Size], "libmulti.so").Bytes;
        }

        CompilationUnitInfo info = RoundTripTests.Make(unit, unit == "simple" ? 0x7f12_3456_0000UL : 0x5555_0000_1000UL);
        return kind == "symfile"
            ? ElfWriter.WriteSymfile(info)
            : ElfWriter.WriteSharedObject(info, f => unit == "simple" ? SampleUnits.CodeOf(f) : new byte[f.Size], "lib" + unit + ".so").Bytes;
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void LlvmDwarfdumpVerify_ReportsNoErrors(string unit, string kind)
    {
        using TempFile file = ToolRunner.WriteTemp(Produce(unit, kind), kind == "so" ? ".so" : ".o");

        (int exit, string stdout, string stderr) = ToolRunner.Run("llvm-dwarfdump-14", "llvm-14", "--verify", file.Path);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("No errors.", stdout);
        Assert.DoesNotContain("error", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("warning", stdout + stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void ReadelfDebugDump_HasNoWarnings(string unit, string kind)
    {
        using TempFile file = ToolRunner.WriteTemp(Produce(unit, kind), kind == "so" ? ".so" : ".o");

        (int exit, string stdout, string stderr) = ToolRunner.Run("readelf", "binutils", "-W",
            "--debug-dump=info,abbrev,rawline,decodedline,frames,frames-interp,aranges,Ranges,loc,str", file.Path);

        Assert.True(exit == 0, stderr);
        Assert.Equal("", stderr);
        Assert.DoesNotContain("Warning", stdout);
        Assert.Contains("DW_TAG_compile_unit", stdout);
        Assert.Contains("Contents of the .debug_frame section", stdout);
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void ReadelfAll_HasNoWarnings(string unit, string kind)
    {
        using TempFile file = ToolRunner.WriteTemp(Produce(unit, kind), kind == "so" ? ".so" : ".o");

        (int exit, string stdout, string stderr) = ToolRunner.Run("readelf", "binutils", "-a", "-W", file.Path);
        (int llvmExit, string llvmStdout, string llvmStderr) = ToolRunner.Run("llvm-readelf-14", "llvm-14", "-a", file.Path);

        Assert.True(exit == 0, stderr);
        Assert.Equal("", stderr);
        Assert.DoesNotContain("Warning", stdout);
        Assert.True(llvmExit == 0, llvmStderr);
        Assert.Equal("", llvmStderr);
        Assert.DoesNotContain("warning", llvmStdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(kind == "so" ? "DYN (Shared object file)" : "REL (Relocatable file)", stdout);
        Assert.Matches(kind == "so" ? @"FUNC +GLOBAL +DEFAULT +\d+ (add|walk|f1)" : @"FUNC +GLOBAL +DEFAULT +1 (add|walk|f1)", stdout);
    }

    /// <summary>elfutils' strict checker accepts the shared objects (the symfile is left out: its .text is SHT_NOBITS by design).</summary>
    [Theory]
    [InlineData("simple")]
    [InlineData("rich")]
    [InlineData("many")]
    [InlineData("multi")]
    public void EuElflint_AcceptsTheSharedObject(string unit)
    {
        using TempFile file = ToolRunner.WriteTemp(Produce(unit, "so"), ".so");

        (int exit, string stdout, string stderr) = ToolRunner.Run("eu-elflint", "elfutils", "--gnu-ld", file.Path);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("No errors\n", stdout);
    }

    [Fact]
    public void SharedObject_SymbolizesWithAddr2lineAndLlvmSymbolizer()
    {
        CompilationUnitInfo unit = SampleUnits.Simple();
        SharedObjectImage image = ElfWriter.WriteSharedObject(unit, SampleUnits.CodeOf);
        using TempFile file = ToolRunner.WriteTemp(image.Bytes, ".so");
        ulong add = image.Addresses[unit.Functions[0]];
        ulong twice = image.Addresses[unit.Functions[1]];
        string addAddress = $"0x{add + 0xa:x}", twiceAddress = $"0x{twice + 0x10:x}";

        (_, string addr2line, string addr2lineErrors) = ToolRunner.Run("addr2line", "binutils", "-f", "-e", file.Path, addAddress, twiceAddress);
        (_, string symbolizer, string symbolizerErrors) = ToolRunner.Run("llvm-symbolizer-14", "llvm-14", "--obj=" + file.Path, addAddress, twiceAddress);

        Assert.Equal("", addr2lineErrors);
        Assert.Equal("add\n/tmp/lantern-src/simple.c:3\ntwice\n/tmp/lantern-src/simple.c:9\n", addr2line);
        Assert.Equal("", symbolizerErrors);
        Assert.Equal("add\n/tmp/lantern-src/simple.c:3:14\n\ntwice\n/tmp/lantern-src/simple.c:9:1\n\n", symbolizer);
    }

    [Theory]
    [InlineData("symfile")]
    [InlineData("so")]
    public void OurLineTables_MatchLlvmDwarfdump(string kind)
    {
        byte[] bytes = Produce("many", kind);
        using TempFile file = ToolRunner.WriteTemp(bytes, ".o");

        AssertLineTablesMatch(bytes, file.Path);
    }

    private const string GccSource = """
        #include <stdio.h>
        struct point { int x, y; unsigned f : 3; unsigned g : 7; };
        static int sq(int v) { return v * v; }
        int sum(struct point *p, int n)
        {
            int total = 0;
            for (int i = 0; i < n; i++) {
                int d = sq(p[i].x) + p[i].y;
                total += d;
            }
            return total;
        }
        int main(void)
        {
            struct point p[2] = {{1, 2, 1, 3}, {3, 4, 2, 5}};
            printf("%d\n", sum(p, 2));
            return 0;
        }
        """;

    /// <summary>The compilers (gcc, clang-14) and DWARF versions (5, 4) that <see cref="Compile"/> is run with.</summary>
    public static TheoryData<string, string> Compilers => new()
    {
        { "gcc", "-gdwarf-5" },
        { "gcc", "-gdwarf-4" },
        { "clang-14", "-gdwarf-5" },
        { "clang-14", "-gdwarf-4" },
    };

    /// <summary>Compiles <see cref="GccSource"/> with -g, <paramref name="dwarfVersion"/> and -O0.</summary>
    private static (TempFile Source, TempFile Object) Compile(string compiler, string dwarfVersion)
    {
        TempFile source = ToolRunner.WriteTemp(System.Text.Encoding.UTF8.GetBytes(GccSource), ".c");
        TempFile obj = TempFile.Create(prefix: "lantern-dwarf-", suffix: ".o");
        string package = compiler == "gcc" ? "gcc" : "clang-14";
        (int exit, _, string stderr) = ToolRunner.Run(compiler, package, "-g", dwarfVersion, "-O0", "-c", source.Path, "-o", obj.Path);
        Assert.True(exit == 0, stderr);
        return (source, obj);
    }

    [Theory]
    [MemberData(nameof(Compilers))]
    public void CompilerObject_LineTableMatchesLlvmDwarfdump(string compiler, string dwarfVersion)
    {
        (TempFile source, TempFile obj) = Compile(compiler, dwarfVersion);
        using (source)
        using (obj)
        {
            AssertLineTablesMatch(File.ReadAllBytes(obj.Path), obj.Path);
        }
    }

    /// <summary>gcc's forms (strp, line_strp, implicit_const ...) and clang's (strx1, addrx, str_offsets_base, addr_base).</summary>
    [Theory]
    [MemberData(nameof(Compilers))]
    public void CompilerObject_FunctionsLinesVariablesAndCfi(string compiler, string dwarfVersion)
    {
        (TempFile source, TempFile obj) = Compile(compiler, dwarfVersion);
        using (source)
        using (obj)
        {
            var data = DebugData.Load(ElfFile.Load(obj.Path));
            DwarfDie sum = data.Functions().Single(f => f.Name == "sum");
            (ulong low, ulong high) = sum.PcRange!.Value;

            // The body of the loop: line 8 of the source, inside two lexical blocks.
            LineTableRow row = data.GetLineTable(data.Info.Units[0])!.Rows.First(r => r.Line == 8);
            AddressInfo info = data.Lookup(row.Address)!;
            Assert.Equal("sum", info.Function);
            Assert.Equal(source.Path, info.Position!.File);
            Assert.Equal(8, info.Position.Line);

            Dictionary<string, ScopedVariable> variables = data.VariablesAt(row.Address).ToDictionary(v => v.Name);
            Assert.Equal(["d", "i", "p", "n", "total"], data.VariablesAt(row.Address).Select(v => v.Name));
            Assert.Equal("struct point *", variables["p"].TypeName);
            Assert.True(variables["p"].IsParameter);
            Assert.Equal(LocationKind.FrameBaseOffset, variables["total"].Location.Kind);
            // gcc's frame base is the CFA, clang's is rbp (DW_OP_reg6).
            SimpleLocation frameBase = DwarfExpression.Decode(sum.Get(Lantern.Observability.Dwarf.DwAt.FrameBase)!.Block!);
            Assert.Equal(compiler == "gcc" ? (LocationKind.CallFrameCfa, 0UL) : (LocationKind.Register, (ulong)X64Registers.Rbp), (frameBase.Kind, frameBase.Register));

            // gcc -O0: push rbp; mov rbp,rsp; ... leave/pop rbp; ret — the CFA at the first three instructions.
            UnwindRow entry = data.Unwind(low)!;
            UnwindRow afterPush = data.Unwind(low + 1)!;
            UnwindRow body = data.Unwind(row.Address)!;
            UnwindRow atRet = data.Unwind(high - 1)!;
            Assert.Equal(((ulong)X64Registers.Rsp, 8L), (entry.CfaRegister, entry.CfaOffset));
            Assert.Equal(((ulong)X64Registers.Rsp, 16L), (afterPush.CfaRegister, afterPush.CfaOffset));
            Assert.Equal(((ulong)X64Registers.Rbp, 16L), (body.CfaRegister, body.CfaOffset));
            Assert.Equal(new RegisterRule(RegisterRuleKind.Offset, -16), body.GetRule(X64Registers.Rbp));
            Assert.Equal(((ulong)X64Registers.Rsp, 8L), (atRet.CfaRegister, atRet.CfaOffset));
            Assert.Equal(new RegisterRule(RegisterRuleKind.Offset, -8), atRet.ReturnAddress);

            // The importer maps gcc's DWARF onto the CodeInfo model.
            CompilationUnitInfo imported = CodeInfoImporter.Import(data).Single();
            Assert.Equal(["main", "sq", "sum"], imported.Functions.Select(f => f.Name).Order());
            StructType point = imported.Types.Types.OfType<StructType>().Single(s => s.Name == "point");
            Assert.Equal(["x", "y", "f", "g"], point.Members.Select(m => m.Name));
            Assert.Equal((3, 64L), (point.Members[2].BitSize!.Value, point.Members[2].BitOffset!.Value));
            Assert.Equal((7, 67L), (point.Members[3].BitSize!.Value, point.Members[3].BitOffset!.Value));
        }
    }

    /// <summary>Our reader's rows of every line table equal those llvm-dwarfdump --debug-line prints.</summary>
    private static void AssertLineTablesMatch(byte[] bytes, string path)
    {
        (int exit, string stdout, string stderr) = ToolRunner.Run("llvm-dwarfdump-14", "llvm-14", "--debug-line", path);
        Assert.True(exit == 0, stderr);
        var expected = new List<string>();
        var rowPattern = new Regex(@"^0x([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*(.*)$");
        foreach (string line in stdout.Split('\n'))
        {
            Match m = rowPattern.Match(line.TrimEnd());
            if (!m.Success)
            {
                continue;
            }

            string[] flags = m.Groups[7].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            expected.Add(Row(ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber), ulong.Parse(m.Groups[2].Value), ulong.Parse(m.Groups[3].Value),
                ulong.Parse(m.Groups[4].Value), ulong.Parse(m.Groups[6].Value), flags.Contains("is_stmt"), flags.Contains("prologue_end"),
                flags.Contains("epilogue_begin"), flags.Contains("end_sequence")));
        }

        var data = DebugData.Load(ElfFile.Parse(bytes));
        var actual = new List<string>();
        foreach (DwarfUnit unit in data.Info.Units)
        {
            foreach (LineTableRow r in data.GetLineTable(unit)!.Rows)
            {
                actual.Add(Row(r.Address, r.Line, r.Column, r.File, r.Discriminator, r.IsStmt, r.PrologueEnd, r.EpilogueBegin, r.EndSequence));
            }
        }

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    private static string Row(ulong address, ulong line, ulong column, ulong file, ulong discriminator, bool isStmt, bool prologueEnd, bool epilogueBegin, bool endSequence)
        => $"0x{address:x} {line}:{column} file={file} d={discriminator} stmt={isStmt} pe={prologueEnd} eb={epilogueBegin} end={endSequence}";
}

/// <summary>gdb reads the types, scopes and lines of the objects we write (its DWARF reader, not ours).</summary>
public class GdbReadsOurDwarfTests
{
    [Fact]
    public void Gdb_PrintsTypesScopesAndLinesOfTheSharedObject()
    {
        CompilationUnitInfo unit = SampleUnits.Rich(0x5555_0000_1000);
        SharedObjectImage image = ElfWriter.WriteSharedObject(unit, f => new byte[f.Size], "librich.so");
        using TempFile file = ToolRunner.WriteTemp(image.Bytes, ".so");
        ulong walk = image.Addresses[unit.Functions[0]];

        (int exit, string stdout, string stderr) = ToolRunner.Run("gdb", "gdb", "-nx", "-batch",
            "-ex", "ptype struct node", "-ex", "ptype walk", "-ex", "info scope walk", "-ex", "ptype counter",
            "-ex", "whatis table", "-ex", $"info line *0x{walk + 0x120:x}", "-ex", "ptype enum color", file.Path);

        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain("Dwarf Error", stdout + stderr);
        Assert.Contains("""
            type = struct node {
                int value;
                struct node *next;
                unsigned int flags : 3;
                unsigned int mode : 5;
            """.ReplaceLineEndings("\n"), stdout);
        Assert.Contains("type = int (node_t *, int (*)(int, void *, ...))", stdout);
        Assert.Contains("Symbol c is multi-location:", stdout);
        Assert.Contains($"Range 0x{walk + 0x20:x}-0x{walk + 0x60:x}: a variable in $rbx", stdout);
        Assert.Contains("type = volatile int", stdout);
        Assert.Contains("type = int [10]", stdout);
        Assert.Contains($"Line 30000 of \"/usr/include/rich.h\" starts at address 0x{walk + 0x120:x} <walk+288>", stdout);
        Assert.Contains("type = enum color {RED, GREEN, BLUE = -7}", stdout);
    }
}

/// <summary>A symfile batching 10,000 functions is written and read back in bounded time.</summary>
public class ScaleTests
{
    [Fact]
    public void TenThousandFunctions_WriteAndReadBackQuickly()
    {
        var unit = new CompilationUnitInfo("big.c", "/tmp", "Lantern", 0x1d);
        FileId file = unit.AddFile("big.c");
        TypeId intType = unit.Types.AddBase("int", BaseTypeEncoding.Signed, 4);
        for (int i = 0; i < 10_000; i++)
        {
            var f = new CodeInfo($"fn{i}", 0x7f00_0000_0000UL + (ulong)i * 0x40, 0x30) { DeclFile = file, DeclLine = i * 3 + 1, ReturnType = intType };
            f.AddParameter(new VariableInfo("x", intType, VariableLocation.FrameOffset(-20)));
            f.AddLine(0, file, i * 3 + 1, 1);
            f.AddLine(4, file, i * 3 + 2, 5, LineFlags.IsStatement | LineFlags.PrologueEnd);
            f.AddLine(0x2e, file, i * 3 + 3, 1, LineFlags.IsStatement | LineFlags.EpilogueBegin);
            f.AddCfi(Cfi.StandardFramePointer(0, 1, 0x2e));
            unit.AddFunction(f);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        byte[] symfile = ElfWriter.WriteSymfile(unit);
        TimeSpan write = clock.Elapsed;
        var data = DebugData.Load(ElfFile.Parse(symfile));
        AddressInfo last = data.Lookup(0x7f00_0000_0000UL + 9_999 * 0x40 + 5)!;
        TimeSpan read = clock.Elapsed - write;

        Assert.Equal("fn9999", last.Function);
        Assert.Equal(9_999 * 3 + 2, last.Position!.Line);
        UnwindRow middle = data.Unwind(0x7f00_0000_0000UL + 5_000 * 0x40 + 8)!;
        Assert.Equal(((ulong)X64Registers.Rbp, 16L), (middle.CfaRegister, middle.CfaOffset));
        Assert.True(write < TimeSpan.FromSeconds(5), $"writing took {write}");
        Assert.True(read < TimeSpan.FromSeconds(10), $"reading took {read}");
    }
}
