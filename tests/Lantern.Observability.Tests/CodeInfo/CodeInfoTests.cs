namespace Lantern.Observability.Tests.CodeInfoTests;

public class CodeInfoTests
{
    [Fact]
    public void StandardFramePointer_DescribesPrologueAndEachEpilogue()
    {
        IReadOnlyList<CfiRow> rows = Cfi.StandardFramePointer(0, 1, 0x20, 0x10);

        Assert.Equal(
        [
            new CfiRow(1, new CfiOp.DefCfaOffset(16)),
            new CfiRow(1, new CfiOp.SavedAt(X64Registers.Rbp, -16)),
            new CfiRow(4, new CfiOp.DefCfaRegister(X64Registers.Rbp)),
            new CfiRow(0x10, new CfiOp.RememberState()),
            new CfiRow(0x11, new CfiOp.DefCfa(X64Registers.Rsp, 8)),
            new CfiRow(0x11, new CfiOp.Restore(X64Registers.Rbp)),
            new CfiRow(0x12, new CfiOp.RestoreState()),
            new CfiRow(0x20, new CfiOp.RememberState()),
            new CfiRow(0x21, new CfiOp.DefCfa(X64Registers.Rsp, 8)),
            new CfiRow(0x21, new CfiOp.Restore(X64Registers.Rbp)),
            new CfiRow(0x22, new CfiOp.RestoreState()),
        ], rows);
    }

    [Fact]
    public void StandardFramePointer_FollowsAPrologueThatDoesNotStartAtZero()
    {
        // e.g. a 5-byte patchable NOP before push rbp.
        IReadOnlyList<CfiRow> rows = Cfi.StandardFramePointer(5, 6);

        Assert.Equal([6u, 6u, 9u], rows.Select(r => r.Offset));
    }

    [Fact]
    public void Scopes_MustNestInsideTheirParent()
    {
        var f = new CodeInfo("f", 0x1000, 0x100);
        ScopeId outer = f.AddScope(f.RootScope, 0x10, 0x80);
        ScopeId inner = f.AddScope(outer, 0x20, 0x30);

        Assert.Equal([outer], f.GetScope(f.RootScope).Children);
        Assert.Equal([inner], f.GetScope(outer).Children);
        Assert.Equal(outer, f.GetScope(inner).Parent);
        Assert.Throws<ArgumentOutOfRangeException>(() => f.AddScope(outer, 0x08, 0x20));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.AddScope(outer, 0x70, 0x90));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.AddScope(f.RootScope, 0x50, 0x40));
    }

    [Fact]
    public void Lines_MustBeInAddressOrderAndInsideTheFunction()
    {
        var unit = new CompilationUnitInfo("a.c", "/", "test", 0x1d);
        FileId file = unit.AddFile("a.c");
        var f = new CodeInfo("f", 0x1000, 0x20);
        f.AddLine(0, file, 1);
        f.AddLine(4, file, 2);
        f.AddLine(4, file, 3);

        Assert.Throws<ArgumentException>(() => f.AddLine(3, file, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.AddLine(0x20, file, 5));
        Assert.Equal(3, f.Lines.Count);
    }

    [Fact]
    public void Parameters_AreMarkedAndGoToTheFunctionScope()
    {
        var unit = new CompilationUnitInfo("a.c", "/", "test", 0x1d);
        TypeId intType = unit.Types.AddBase("int", BaseTypeEncoding.Signed, 4);
        var f = new CodeInfo("f", 0x1000, 0x20);
        VariableInfo p = f.AddParameter(new VariableInfo("p", intType, VariableLocation.FrameOffset(-20)));
        ScopeId block = f.AddScope(f.RootScope, 4, 8);
        f.AddVariable(block, new VariableInfo("v", intType, VariableLocation.InRegister(X64Registers.Rax)));

        Assert.True(p.IsParameter);
        Assert.Equal(["p", "v"], f.AllVariables().Select(x => x.Variable.Name));
        Assert.Equal([f.RootScope, block], f.AllVariables().Select(x => x.Scope.Id));
    }

    [Fact]
    public void Files_AreDeduplicated()
    {
        var unit = new CompilationUnitInfo("a.c", "/", "test", 0x1d);

        FileId a = unit.AddFile("a.c");
        FileId b = unit.AddFile("b.h");

        Assert.Equal(a, unit.AddFile("a.c"));
        Assert.NotEqual(a, b);
        Assert.Equal("b.h", unit.GetFile(b));
    }

    [Fact]
    public void Globals_NeedAnAbsoluteAddress()
    {
        var unit = new CompilationUnitInfo("a.c", "/", "test", 0x1d);
        TypeId intType = unit.Types.AddBase("int", BaseTypeEncoding.Signed, 4);

        Assert.Throws<ArgumentException>(() => unit.AddGlobal(new VariableInfo("g", intType, VariableLocation.FrameOffset(8))));
        unit.AddGlobal(new VariableInfo("g", intType, VariableLocation.Absolute(0x601000)));
        Assert.Equal(0x601000L, unit.Globals[0].Location.Value);
    }

    [Fact]
    public void TypeTable_RejectsUnknownIdsAndAllowsRecursiveStructs()
    {
        var t = new TypeTable();
        TypeId list = t.DeclareStruct("list");
        TypeId next = t.AddPointer(list);
        t.CompleteStruct(list, 8, [new MemberInfo("next", next, 0)]);

        Assert.True(((StructType)t[list]).IsComplete);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.AddPointer(new TypeId(99)));
        Assert.Throws<InvalidOperationException>(() => t.CompleteStruct(list, 8, []));
        Assert.Throws<ArgumentException>(() => t.CompleteStruct(next, 8, []));
        Assert.Throws<ArgumentException>(() => t.AddArray(next));
    }

    [Fact]
    public void Printer_ShowsEveryPart()
    {
        string text = CodeInfoPrinter.Print(SampleUnits.Rich());

        Assert.Contains("type t6 struct node size=24", text);
        Assert.Contains("member flags t1 bits=3@128", text);
        Assert.Contains("function helper linkage=helper$1", text);
        Assert.Contains("var c t11 reg(3) decl=f0:12 external=False valid=[0x20, 0x60)", text);
        Assert.Contains("cfi +0x4 DefCfaRegister { Register = 6 }", text);
        Assert.Contains("line +0x170 f0:40:1 IsStatement, EpilogueBegin", text);
    }

    [Fact]
    public void Address_CanBeSetAfterPlacementAndOffsetsFollow()
    {
        CompilationUnitInfo unit = SampleUnits.Simple(0);
        unit.Functions[0].Address = 0x7000_0000;
        unit.Functions[1].Address = 0x7000_0040;

        var data = Lantern.Observability.Dwarf.Read.DebugData.Load(Lantern.Observability.Elf.ElfFile.Parse(Lantern.Observability.Elf.ElfWriter.WriteSymfile(unit)));

        Assert.Equal("twice", data.Lookup(0x7000_0050)!.Function);
        Assert.Equal(8, data.Lookup(0x7000_004b)!.Position!.Line);
    }
}
