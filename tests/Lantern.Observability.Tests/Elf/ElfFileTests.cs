using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Elf;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Elf;

public class ElfFileTests
{
    [Fact]
    public void SharedObject_HasLoadableSegmentsAndDynamicSymbols()
    {
        CompilationUnitInfo unit = SampleUnits.Simple();
        SharedObjectImage image = ElfWriter.WriteSharedObject(unit, SampleUnits.CodeOf, "libsimple.so");

        ElfFile elf = ElfFile.Parse(image.Bytes);

        Assert.Equal(ElfConst.EtDyn, elf.Type);
        Assert.Equal(ElfConst.EmX86_64, elf.Machine);
        Assert.Equal([ElfConst.PtLoad, ElfConst.PtLoad, ElfConst.PtLoad, ElfConst.PtDynamic, ElfConst.PtGnuEhFrame, ElfConst.PtGnuStack], elf.Segments.Select(s => s.Type));
        ElfSegment text = elf.Segments[1];
        Assert.Equal(ElfConst.PfR | ElfConst.PfX, text.Flags);
        foreach (ElfSegment load in elf.Segments.Where(s => s.Type == ElfConst.PtLoad))
        {
            Assert.Equal(load.Offset % 0x1000, load.Address % 0x1000);
        }

        ElfSymbol add = elf.Symbols.Single(s => s.IsDynamic && s.Name == "add");
        Assert.Equal(image.Addresses[unit.Functions[0]], add.Address);
        Assert.Equal(18UL, add.Size);
        Assert.Equal(ElfConst.SttFunc, add.Type);
        Assert.Equal(ElfConst.StbGlobal, add.Binding);
        Assert.Equal(".text", elf.Sections[add.SectionIndex].Name);
        Assert.Equal(SampleUnits.AddCode, elf.Bytes.Slice((int)(add.Address - text.Address + text.Offset), 18).ToArray());
        Assert.Equal("twice", elf.FindFunction(image.Addresses[unit.Functions[1]] + 17)!.Name);
        Assert.Contains(elf.Symbols, s => !s.IsDynamic && s.Name == "simple.c" && s.Type == ElfConst.SttFile);
    }

    [Fact]
    public void Symfile_PutsTextAtTheCodeAddressAndSymbolsResolveToAbsoluteAddresses()
    {
        CompilationUnitInfo unit = SampleUnits.Simple(0x7f00_0000_1000);

        ElfFile elf = ElfFile.Parse(ElfWriter.WriteSymfile(unit));

        Assert.Equal(ElfConst.EtRel, elf.Type);
        ElfSection text = elf.FindSection(".text")!;
        Assert.Equal(ElfConst.ShtNobits, text.Type);
        Assert.Equal(0x7f00_0000_1000UL, text.Address);
        Assert.Equal(0x40UL + 18, text.Size);
        Assert.All(elf.Sections.Where(s => (s.Flags & ElfConst.ShfAlloc) != 0), s => Assert.NotEqual(0UL, s.Address));
        Assert.Equal(0x7f00_0000_1040UL, elf.Symbols.Single(s => s.Name == "twice").Address);
        Assert.Equal(0x40UL, elf.Symbols.Single(s => s.Name == "twice").Value);
    }

    [Fact]
    public void StaticFunctions_AreLocalSymbolsAndNotExported()
    {
        CompilationUnitInfo unit = SampleUnits.Rich();

        ElfFile elf = ElfFile.Parse(ElfWriter.WriteSharedObject(unit, f => new byte[f.Size]).Bytes);

        ElfSymbol helper = elf.Symbols.Single(s => s.Name == "helper$1");
        Assert.Equal(ElfConst.StbLocal, helper.Binding);
        Assert.False(helper.IsDynamic);
        Assert.Contains(elf.Symbols, s => s.IsDynamic && s.Name == "walk");
    }

    /// <summary>Damaged files must be reported as <see cref="FormatException"/>, never crash the reader otherwise.</summary>
    [Fact]
    public void DamagedObjects_FailWithFormatException()
    {
        byte[] good = ElfWriter.WriteSharedObject(SampleUnits.Rich(), f => new byte[f.Size]).Bytes;
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            byte[] bad = i % 3 == 0 ? good.AsSpan(0, random.Next(good.Length)).ToArray() : (byte[])good.Clone();
            if (i % 3 != 0)
            {
                for (int j = 0; j < 1 + (i % 8); j++)
                {
                    bad[random.Next(bad.Length)] = (byte)random.Next(256);
                }
            }

            try
            {
                var data = DebugData.Load(ElfFile.Parse(bad));
                data.Lookup(0x1010);
                data.VariablesAt(0x1045);
                data.Unwind(0x1004);
            }
            catch (FormatException)
            {
            }
        }
    }
}
