using Lantern.Observability.Dwarf;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Elf;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Dwarf;

/// <summary>Address lookups, variables in scope and CFI evaluation on objects we produce.</summary>
public class LookupTests
{
    private const ulong Base = 0x5555_0000_1000;

    private static DebugData Rich() => DebugData.Load(ElfFile.Parse(ElfWriter.WriteSymfile(SampleUnits.Rich(Base))));

    [Theory]
    [InlineData(0x000, "walk", "/home/user/project/rich.c", 10, 1)]
    [InlineData(0x00b, "walk", "/home/user/project/rich.c", 11, 9)]
    [InlineData(0x016, "walk", "/home/user/project/rich.c", 12, 20)]
    [InlineData(0x045, "walk", "/home/user/project/sub/inner.h", 2, 3)]
    [InlineData(0x0ff, "walk", "/home/user/project/rich.c", 200, 7)]
    [InlineData(0x150, "walk", "/usr/include/rich.h", 30000, 2)]
    [InlineData(0x17f, "walk", "/home/user/project/rich.c", 42, 3)]
    [InlineData(0x210, "helper", "/usr/include/rich.h", 50, 0)]
    public void Lookup_FindsFunctionFileAndLine(ulong offset, string function, string file, int line, int column)
    {
        AddressInfo info = Rich().Lookup(Base + offset)!;

        Assert.Equal(function, info.Function);
        Assert.Equal(file, info.Position!.File);
        Assert.Equal(line, info.Position.Line);
        Assert.Equal(column, info.Position.Column);
    }

    [Fact]
    public void Lookup_OutsideAnyFunctionFindsNothing()
    {
        DebugData data = Rich();

        Assert.Null(data.Lookup(Base - 1));
        Assert.Null(data.Lookup(Base + 0x1f0));
        Assert.Equal("stub", data.Lookup(Base + 0x310)!.Function);
        Assert.Null(data.Lookup(Base + 0x310)!.Position);
    }

    [Theory]
    [InlineData(0x010, "list fn total")]
    [InlineData(0x035, "p list fn total c")]
    [InlineData(0x045, "u m x p list fn total c")]
    [InlineData(0x065, "u m x p list fn total")]
    [InlineData(0x110, "p list fn total")]
    [InlineData(0x130, "s name flag list fn total")]
    [InlineData(0x175, "list fn total")]
    public void VariablesAt_ListsTheVisibleVariablesInnermostScopeFirst(ulong offset, string expected)
    {
        IReadOnlyList<ScopedVariable> variables = Rich().VariablesAt(Base + offset);

        Assert.Equal(expected, string.Join(" ", variables.Select(v => v.Name)));
    }

    [Fact]
    public void VariablesAt_DecodesTypesAndLocations()
    {
        Dictionary<string, ScopedVariable> v = Rich().VariablesAt(Base + 0x45).ToDictionary(x => x.Name);

        Assert.Equal("node_t *", v["list"].TypeName);
        Assert.True(v["list"].IsParameter);
        Assert.Equal(new SimpleLocation(LocationKind.FrameBaseOffset, -24, 0, 0, []).Offset, v["list"].Location.Offset);
        Assert.Equal(LocationKind.FrameBaseOffset, v["list"].Location.Kind);
        Assert.Equal("int (*)(int, void *, ...)", v["fn"].TypeName);
        Assert.Equal("enum color", v["c"].TypeName);
        Assert.Equal(LocationKind.Register, v["c"].Location.Kind);
        Assert.Equal((ulong)X64Registers.Rbx, v["c"].Location.Register);
        Assert.Equal("union <anonymous>", v["u"].TypeName);
        Assert.Equal("double[2][3]", v["m"].TypeName);
        Assert.Equal("struct opaque * *", v["x"].TypeName);
        Assert.Equal((ulong)(X64Registers.Xmm0 + 20), v["x"].Location.Register);
        Assert.Equal("struct node *", v["p"].TypeName);

        Dictionary<string, ScopedVariable> w = Rich().VariablesAt(Base + 0x130).ToDictionary(x => x.Name);
        Assert.Equal("const char *", w["s"].TypeName);
        Assert.Equal("char[]", w["name"].TypeName);
        Assert.Equal("_Bool", w["flag"].TypeName);

        Dictionary<string, ScopedVariable> h = Rich().VariablesAt(Base + 0x205).ToDictionary(x => x.Name);
        Assert.Equal("int * restrict", h["r"].TypeName);
        Assert.Equal("_Atomic int", h["at"].TypeName);
        Assert.Equal("const void *", h["v"].TypeName);
        Assert.Equal("nothing *", h["n"].TypeName);
        Assert.Equal("void (*)()", h["f"].TypeName);
    }

    [Fact]
    public void Globals_HaveAbsoluteAddresses()
    {
        DebugData data = Rich();
        DwarfDie counter = data.Info.Units[0].Root.Children.Single(d => d.Tag == DwTag.Variable && d.Name == "counter");

        SimpleLocation location = data.LocationAt(counter, 0)!.Value;

        Assert.Equal(LocationKind.Address, location.Kind);
        Assert.Equal(0x5555_0020_0000UL, location.Address);
        Assert.Equal("volatile int", DebugData.TypeName(counter.GetReference(DwAt.Type)));
    }

    /// <summary>
    /// The standard frame-pointer CFI at every instruction of <c>add</c> (push rbp / mov rbp,rsp / pop rbp; ret)
    /// and <c>twice</c> (leave; ret): CFA and where the caller's rbp and the return address are.
    /// </summary>
    [Theory]
    [InlineData(".debug_frame")]
    [InlineData(".eh_frame")]
    public void Cfi_IsExactAtEveryInstruction(string section)
    {
        CompilationUnitInfo unit = SampleUnits.Simple();
        SharedObjectImage image = ElfWriter.WriteSharedObject(unit, SampleUnits.CodeOf);
        var data = DebugData.Load(ElfFile.Parse(image.Bytes));
        CallFrameInfo cfi = section == ".eh_frame" ? data.EhFrame! : data.DebugFrame!;
        foreach (CodeInfo function in unit.Functions)
        {
            ulong start = image.Addresses[function];
            // Instruction boundaries of both samples: push, mov, body..., teardown at 0x10, ret at 0x11.
            foreach (ulong offset in new ulong[] { 0, 1, 4, 7, 0xa, 0xd, 0xe, 0x10, 0x11 })
            {
                UnwindRow row = cfi.Evaluate(start + offset)!;
                (ulong register, long cfaOffset, bool rbpSaved) = offset switch
                {
                    0 => ((ulong)X64Registers.Rsp, 8L, false),
                    < 4 => ((ulong)X64Registers.Rsp, 16L, true),
                    < 0x11 => ((ulong)X64Registers.Rbp, 16L, true),
                    _ => ((ulong)X64Registers.Rsp, 8L, false),
                };
                Assert.Equal((register, cfaOffset), (row.CfaRegister, row.CfaOffset));
                Assert.Equal(new RegisterRule(RegisterRuleKind.Offset, -8), row.ReturnAddress);
                Assert.Equal(rbpSaved ? new RegisterRule(RegisterRuleKind.Offset, -16) : new RegisterRule(RegisterRuleKind.SameValue), row.GetRule(X64Registers.Rbp));
            }

            Assert.Null(cfi.Evaluate(start + function.Size));
        }
    }

    [Fact]
    public void Cfi_CodeAfterAnEpilogueGetsTheFrameBack()
    {
        DebugData data = Rich();

        UnwindRow afterFirstRet = data.Unwind(Base + 0x172)!;
        UnwindRow inSecondEpilogue = data.Unwind(Base + 0x176)!;

        Assert.Equal(((ulong)X64Registers.Rbp, 16L), (afterFirstRet.CfaRegister, afterFirstRet.CfaOffset));
        Assert.Equal(((ulong)X64Registers.Rsp, 8L), (inSecondEpilogue.CfaRegister, inSecondEpilogue.CfaOffset));
        Assert.Equal(new RegisterRule(RegisterRuleKind.Offset, -16), data.Unwind(Base + 0x300 + 0x150)!.GetRule(X64Registers.R15));
        Assert.Equal(new RegisterRule(RegisterRuleKind.SameValue), data.Unwind(Base + 0x300 + 0x205)!.GetRule(X64Registers.R15));
    }

    [Theory]
    [InlineData(false, 0x7f00_1234_5000UL)]
    [InlineData(true, 0x7f00_1234_5000UL)]
    [InlineData(null, 0x7f01_0000_0000UL)]
    public void EhFrame_ReadsBackInBothPointerWidths(bool? wide, ulong address)
    {
        CompilationUnitInfo unit = SampleUnits.Simple(address);
        ulong sectionAddress = address + 0x10_0000;
        var frame = Lantern.Observability.Dwarf.Write.EhFrameWriter.Write(
            unit.Functions.Select(f => new Lantern.Observability.Dwarf.Write.EhFrameFunction(f.Address, f.Size, f.Cfi)), sectionAddress, wide);

        CallFrameInfo cfi = CallFrameInfo.ParseEhFrame(frame.Bytes, sectionAddress);

        Assert.Equal(unit.Functions.Select(f => (f.Address, (ulong)f.Size)), cfi.Fdes.Select(f => (f.InitialLocation, f.AddressRange)));
        Assert.Equal(frame.Fdes.Select(f => f.FdeAddress - sectionAddress), cfi.Fdes.Select(f => f.Offset));
        Assert.Equal(((ulong)X64Registers.Rbp, 16L), (cfi.Evaluate(address + 5)!.CfaRegister, cfi.Evaluate(address + 5)!.CfaOffset));
        Assert.Equal(wide ?? true ? DwEhPe.Pcrel | DwEhPe.Sdata8 : DwEhPe.Pcrel | DwEhPe.Sdata4, cfi.Fdes[0].Cie.PointerEncoding);
    }

    /// <summary>Unwinding one frame of <c>add</c> from every instruction recovers the caller's pc, rsp and rbp.</summary>
    [Theory]
    [InlineData(0x00)]
    [InlineData(0x01)]
    [InlineData(0x04)]
    [InlineData(0x0a)]
    [InlineData(0x10)]
    [InlineData(0x11)]
    public void Step_RecoversTheCallerAtEveryInstruction(ulong offset)
    {
        const ulong Code = 0x7f12_3456_0000, CallerSp = 0x7ffd_0000_1000, CallerRbp = 0x7ffd_0000_2000, ReturnAddress = 0x40_1234;
        var data = DebugData.Load(ElfFile.Parse(ElfWriter.WriteSymfile(SampleUnits.Simple(Code))));
        var memory = new Dictionary<ulong, ulong> { [CallerSp - 8] = ReturnAddress, [CallerSp - 16] = CallerRbp };
        // The registers of add's frame after executing the instructions before `offset`.
        (ulong rsp, ulong rbp) = offset switch
        {
            0 => (CallerSp - 8, CallerRbp),
            < 4 => (CallerSp - 16, CallerRbp),
            < 0x11 => (CallerSp - 16, CallerSp - 16),
            _ => (CallerSp - 8, CallerRbp),
        };
        ulong? Register(ulong r) => r switch { (ulong)X64Registers.Rsp => rsp, (ulong)X64Registers.Rbp => rbp, _ => null };

        CallerFrame caller = data.DebugFrame!.Step(Code + offset, Register, address => memory[address])!;

        Assert.Equal(ReturnAddress, caller.Pc);
        Assert.Equal(CallerSp, caller.Cfa);
        Assert.Equal(CallerSp, caller.Registers[X64Registers.Rsp]);
        Assert.Equal(CallerRbp, caller.Registers[X64Registers.Rbp]);
        Assert.Null(data.DebugFrame.Step(Code + 0x30, Register, address => memory[address]));
    }

    [Fact]
    public void DwarfExpression_EvaluatesTheLocationsCompilersEmit()
    {
        ulong Register(ulong r) => r == X64Registers.Rbp ? 0x1000UL : 0x2000UL;

        Assert.Equal(0x1000UL - 20 + 0x10, DwarfExpression.Evaluate([DwOp.Fbreg, 0x6c], Register, frameBase: 0x1010, cfa: 0, out _));
        Assert.Equal(0x1000UL - 8, DwarfExpression.Evaluate([DwOp.Breg0 + 6, 0x78], Register, 0, 0, out _));
        Assert.Equal(0x3000UL, DwarfExpression.Evaluate([DwOp.CallFrameCfa], Register, 0, 0x3000, out _));
        Assert.Equal(0x3010UL, DwarfExpression.Evaluate([DwOp.CallFrameCfa, DwOp.PlusUconst, 0x10], Register, 0, 0x3000, out _));
        Assert.Equal(0x601000UL, DwarfExpression.Evaluate([DwOp.Addr, 0x00, 0x10, 0x60, 0, 0, 0, 0, 0], Register, 0, 0, out _));
        Assert.Null(DwarfExpression.Evaluate([DwOp.Reg0 + 3], Register, 0, 0, out ulong? register));
        Assert.Equal((ulong)X64Registers.Rbx, register);
        Assert.Null(DwarfExpression.Evaluate([DwOp.Regx, 20], Register, 0, 0, out register));
        Assert.Equal(20UL, register);
        Assert.Throws<NotSupportedException>(() => DwarfExpression.Evaluate([0xe0], Register, 0, 0, out _));
    }

    /// <summary>
    /// Variable addresses in a frame of <c>add</c> stopped after its prologue, for both frame-base conventions:
    /// a at rbp-4 and b at rbp-8, whatever the frame base is.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GetVariableAddress_ResolvesFrameBaseRelativeLocations(bool rbpFrameBase)
    {
        const ulong Code = 0x7f12_3456_0000, Rbp = 0x7ffd_0000_0ff0;
        var data = DebugData.Load(ElfFile.Parse(ElfWriter.WriteSymfile(SampleUnits.Simple(Code, rbpFrameBase))));
        ulong? Register(ulong r) => r switch { (ulong)X64Registers.Rsp => Rbp, (ulong)X64Registers.Rbp => Rbp, _ => null };
        ulong pc = Code + 0xa;

        Dictionary<string, ScopedVariable> variables = data.VariablesAt(pc).ToDictionary(v => v.Name);

        Assert.Equal(Rbp + 16, data.GetCfa(pc, Register));
        Assert.Equal(rbpFrameBase ? Rbp : Rbp + 16, data.GetFrameBase(pc, Register));
        Assert.Equal(Rbp - 4, data.GetVariableAddress(variables["a"], pc, Register, out ulong? ra));
        Assert.Equal(Rbp - 8, data.GetVariableAddress(variables["b"], pc, Register, out _));
        Assert.Null(ra);
    }

    [Fact]
    public void GetVariableAddress_ReportsRegistersAndAbsoluteAddresses()
    {
        DebugData data = Rich();
        ulong? Register(ulong r) => 0x1000;
        Dictionary<string, ScopedVariable> variables = data.VariablesAt(Base + 0x45).ToDictionary(v => v.Name);

        Assert.Null(data.GetVariableAddress(variables["c"], Base + 0x45, Register, out ulong? register));
        Assert.Equal((ulong)X64Registers.Rbx, register);
        Assert.Equal(0x1000UL + 16 - 56, data.GetVariableAddress(variables["u"], Base + 0x45, Register, out _));
    }
}
