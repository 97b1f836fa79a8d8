using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Dwarf.Write;
using Lantern.Observability.Elf;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Dwarf;

/// <summary>CodeInfo → DWARF/ELF bytes → reader → CodeInfo, over the matrix of what the writer emits.</summary>
public class RoundTripTests
{
    public static TheoryData<string, ulong> Units => new()
    {
        { "simple", 0x7f12_3456_0000 },
        { "simple", 0x1000 },
        { "rich", 0x5555_0000_1000 },
        { "rich", 0x40_0000 },
        { "rich", 0xffff_ffff_0000_0000 },
        { "many", 0x7000_0000 },
    };

    internal static CompilationUnitInfo Make(string name, ulong address) => name switch
    {
        "simple" => SampleUnits.Simple(address),
        "rich" => SampleUnits.Rich(address),
        "many" => Many(address),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Many functions with long line tables: exercises every line opcode choice and advance size.</summary>
    private static CompilationUnitInfo Many(ulong address)
    {
        var unit = new CompilationUnitInfo("gen/many.c", "/build", "Lantern", 0x1d);
        FileId file = unit.AddFile("gen/many.c");
        FileId other = unit.AddFile("gen/other.h");
        TypeId longType = unit.Types.AddBase("long", BaseTypeEncoding.Signed, 8);
        var random = new Random(12345);
        ulong at = address;
        for (int i = 0; i < 40; i++)
        {
            uint size = (uint)random.Next(8, 70000);
            var f = new CodeInfo($"f{i}", at, size) { ReturnType = i % 3 == 0 ? null : longType, DeclFile = file, DeclLine = i * 10 + 1, IsExternal = i % 4 != 0 };
            uint offset = 0;
            int line = i * 10 + 1;
            while (offset < size)
            {
                LineFlags flags = (LineFlags)random.Next(0, 8);
                f.AddLine(offset, random.Next(5) == 0 ? other : file, line, random.Next(0, 200), flags);
                offset += (uint)(random.Next(3) switch { 0 => random.Next(0, 4), 1 => random.Next(0, 300), _ => random.Next(0, 5000) });
                line = Math.Max(1, line + random.Next(-40, 60));
            }

            f.AddParameter(new VariableInfo("n", longType, VariableLocation.FrameOffset(-24 - 8 * random.Next(0, 100000))));
            f.AddCfi(Cfi.StandardFramePointer(0, 1, size - 2));
            unit.AddFunction(f);
            at += size + (ulong)random.Next(0, 100);
        }

        return unit;
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void Symfile_RoundTripsThroughTheReader(string name, ulong address)
    {
        CompilationUnitInfo original = Make(name, address);
        byte[] bytes = ElfWriter.WriteSymfile(original);

        ElfFile elf = ElfFile.Parse(bytes);
        IReadOnlyList<CompilationUnitInfo> imported = CodeInfoImporter.Import(DebugData.Load(elf));

        Assert.Single(imported);
        Assert.Equal(CodeInfoPrinter.Print(original), CodeInfoPrinter.Print(imported[0]));
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void RawSections_RoundTripThroughTheReader(string name, ulong address)
    {
        CompilationUnitInfo original = Make(name, address);
        IReadOnlyList<CompilationUnitInfo> imported = ImportRaw(DwarfWriter.Write(original));

        Assert.Equal(CodeInfoPrinter.Print(original), CodeInfoPrinter.Print(imported[0]));
    }

    [Fact]
    public void SeveralUnits_RoundTripInOrder()
    {
        CompilationUnitInfo[] units = [SampleUnits.Simple(0x10_0000), SampleUnits.Rich(0x20_0000), SampleUnits.Simple(0x30_0000)];
        IReadOnlyList<CompilationUnitInfo> imported = ImportRaw(DwarfWriter.Write(units));

        Assert.Equal(units.Select(CodeInfoPrinter.Print), imported.Select(CodeInfoPrinter.Print));
    }

    /// <summary>Reads the units back from the written sections as they are, without an ELF file around them.</summary>
    private static IReadOnlyList<CompilationUnitInfo> ImportRaw(DwarfSections s)
    {
        var set = new DwarfSectionSet
        {
            DebugInfo = s.DebugInfo,
            DebugAbbrev = s.DebugAbbrev,
            DebugStr = s.DebugStr,
            DebugLineStr = s.DebugLineStr,
            DebugLine = s.DebugLine,
            DebugRnglists = s.DebugRnglists,
            DebugLoclists = s.DebugLoclists,
            DebugFrame = s.DebugFrame,
        };

        return CodeInfoImporter.Import(DebugData.Parse(set));
    }

    [Fact]
    public void SeveralUnits_InOneSymfile_RoundTripAndResolve()
    {
        CompilationUnitInfo[] units = [SampleUnits.Simple(0x10_0000), SampleUnits.Rich(0x20_0000)];

        var data = DebugData.Load(ElfFile.Parse(ElfWriter.WriteSymfile(units)));

        Assert.Equal(units.Select(CodeInfoPrinter.Print), CodeInfoImporter.Import(data).Select(CodeInfoPrinter.Print));
        Assert.Equal("twice", data.Lookup(0x10_0045)!.Function);
        Assert.Equal("/tmp/lantern-src/simple.c", data.Lookup(0x10_0045)!.Position!.File);
        Assert.Equal("walk", data.Lookup(0x20_0045)!.Function);
        Assert.Equal("/home/user/project/sub/inner.h", data.Lookup(0x20_0045)!.Position!.File);
        Assert.Equal(0x10_0040UL, data.Elf!.Symbols.Single(s => s.Name == "twice").Address);
        Assert.Equal(["simple.c", "rich.c"], data.Elf.Symbols.Where(s => s.Type == ElfConst.SttFile).Select(s => s.Name));
    }

    [Fact]
    public void SharedObject_RoundTripsWithTheAddressesInsideTheObject()
    {
        CompilationUnitInfo original = SampleUnits.Simple();
        SharedObjectImage image = ElfWriter.WriteSharedObject(original, SampleUnits.CodeOf);

        CompilationUnitInfo imported = CodeInfoImporter.Import(DebugData.Load(ElfFile.Parse(image.Bytes)))[0];

        // Only the function addresses differ: rebase the original's to where the writer placed the code.
        string expected = CodeInfoPrinter.Print(original);
        foreach (CodeInfo f in original.Functions)
        {
            expected = expected.Replace($"address=0x{f.Address:x}", $"address=0x{image.Addresses[f]:x}");
        }

        Assert.Equal(expected, CodeInfoPrinter.Print(imported));
    }

    [Fact]
    public void EhFrame_DescribesTheSameRulesAsDebugFrame()
    {
        CompilationUnitInfo unit = SampleUnits.Rich();
        ElfFile elf = ElfFile.Parse(ElfWriter.WriteSharedObject(unit, f => new byte[f.Size]).Bytes);
        var data = DebugData.Load(elf);

        Assert.NotNull(data.EhFrame);
        Assert.NotNull(data.DebugFrame);
        Assert.Equal(data.DebugFrame!.Fdes.Count, data.EhFrame!.Fdes.Count);
        foreach (FrameDescriptionEntry fde in data.DebugFrame.Fdes)
        {
            for (ulong pc = fde.InitialLocation; pc < fde.InitialLocation + fde.AddressRange; pc++)
            {
                UnwindRow a = data.DebugFrame.Evaluate(pc)!;
                UnwindRow b = data.EhFrame.Evaluate(pc)!;
                Assert.Equal((a.CfaRegister, a.CfaOffset), (b.CfaRegister, b.CfaOffset));
                Assert.Equal(a.Registers.OrderBy(p => p.Key), b.Registers.OrderBy(p => p.Key));
            }
        }
    }
}
