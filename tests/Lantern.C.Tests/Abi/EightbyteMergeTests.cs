using Lantern.C.Abi;
using Lantern.C.Ir;
using Lantern.C.Tests.Parse;
using Xunit;

namespace Lantern.C.Tests.Abi;

/// <summary>
/// System V classification of structs and unions passed or returned by value (psABI 3.2.3 "Parameter Passing",
/// classification of aggregates), through the front end's C types (<c>TypeRules.Classify</c> feeding
/// <see cref="EightbyteMerge"/>) and through the merge directly. Expected classes are the psABI's (and gcc's).
/// </summary>
public class EightbyteMergeTests
{
    private const ArgClass I = ArgClass.Integer;
    private const ArgClass S = ArgClass.Sse;
    private const ArgClass M = ArgClass.Memory;

    [Theory]
    // floats: SSE per eightbyte
    [InlineData("struct S { float a; };", 4, 4, S, I)]
    [InlineData("struct S { float a, b; };", 8, 4, S, I)]
    [InlineData("struct S { float a, b, c; };", 12, 4, S, S)]
    [InlineData("struct S { double a, b; };", 16, 8, S, S)]
    [InlineData("struct S { float a; double b; };", 16, 8, S, S)]
    // integers: INTEGER per eightbyte
    [InlineData("struct S { char c; };", 1, 1, I, I)]
    [InlineData("struct S { int a, b; };", 8, 4, I, I)]
    [InlineData("struct S { long a; char *p; };", 16, 8, I, I)]
    [InlineData("struct S { short a; char b[9]; };", 12, 2, I, I)]
    // mixed: INTEGER wins within an eightbyte, each eightbyte on its own
    [InlineData("struct S { int a; float b; };", 8, 4, I, I)]
    [InlineData("struct S { float a, b; int c; };", 12, 4, S, I)]
    [InlineData("struct S { double d; int i; };", 16, 8, S, I)]
    [InlineData("struct S { char c; double d; };", 16, 8, I, S)]
    [InlineData("struct S { struct { float a; } in; float b; int c; };", 12, 4, S, I)]
    // arrays: every element at its own offset
    [InlineData("struct S { float f[4]; };", 16, 4, S, S)]
    [InlineData("struct S { int a[3]; };", 12, 4, I, I)]
    [InlineData("struct S { float f[3]; int i; };", 16, 4, S, I)]
    [InlineData("struct S { char c[3]; };", 3, 1, I, I)]
    // unions: the members overlap, their classes merge
    [InlineData("union S { float f; int i; };", 4, 4, I, I)]
    [InlineData("union S { double d; float f[2]; };", 8, 8, S, I)]
    [InlineData("union S { double d; long l; };", 8, 8, I, I)]
    [InlineData("union S { float f[4]; long l; };", 16, 8, I, S)]
    // bit-fields are INTEGER
    [InlineData("struct S { int a : 3; float f; };", 8, 4, I, I)]
    [InlineData("struct S { double d; unsigned x : 4; };", 16, 8, S, I)]
    // larger than two eightbytes: MEMORY
    [InlineData("struct S { long a, b, c; };", 24, 8, M, M)]
    [InlineData("struct S { char c[17]; };", 17, 1, M, M)]
    [InlineData("struct S { double d[3]; };", 24, 8, M, M)]
    // unaligned (packed) fields: MEMORY; packed but aligned: as usual
    [InlineData("struct __attribute__((packed)) S { char c; int i; };", 5, 1, M, M)]
    [InlineData("struct __attribute__((packed)) S { char c; double d; };", 9, 1, M, M)]
    [InlineData("struct __attribute__((packed)) S { int a; float b; };", 8, 1, I, I)]
    // long double: X87, modelled as MEMORY (passed in memory as the psABI says; returned through a hidden pointer,
    // where gcc returns it in st0)
    [InlineData("struct S { long double x; };", 16, 16, M, M)]
    public void ClassifiesCTypesLikeThePsAbi(string decl, int size, int align, ArgClass lo, ArgClass hi)
    {
        IrModule m = FrontEndTestUtil.CompileOk(decl + " " + decl.Split(' ')[0] + " S f(" + decl.Split(' ')[0] + " S s) { return s; }");
        IrSignature sig = m.FindFunction("f")!.Signature;
        Assert.Equal(new AggregateInfo(size, align, lo, hi), sig.Return.Aggregate);
        Assert.Equal(sig.Return.Aggregate, sig.Parameters[0].Aggregate);
    }

    [Fact]
    public void MergeOrderIsNoClassSseIntegerMemory()
    {
        // SSE then INTEGER in one eightbyte: INTEGER; either order
        var a = new EightbyteMerge();
        a.AddSse(0);
        a.AddInteger(4);
        Assert.Equal(new AggregateInfo(8, 4, I, I), a.Finish(8, 4));

        var b = new EightbyteMerge();
        b.AddInteger(0);
        b.AddSse(4);
        Assert.Equal(new AggregateInfo(8, 4, I, I), b.Finish(8, 4));

        // the eightbytes are merged on their own: a field starting at 8 or later is in the second
        var c = new EightbyteMerge();
        c.AddSse(0);
        c.AddInteger(8);
        Assert.Equal(new AggregateInfo(16, 8, S, I), c.Finish(16, 8));

        // MEMORY anywhere makes the whole aggregate MEMORY
        var d = new EightbyteMerge();
        d.AddSse(0);
        d.AddMemory();
        Assert.Equal(new AggregateInfo(16, 16, M, M), d.Finish(16, 16));
    }

    [Fact]
    public void EightbyteWithNoFieldIsInteger()
    {
        var merge = new EightbyteMerge();
        merge.AddSse(0);
        Assert.Equal(new AggregateInfo(16, 8, S, I), merge.Finish(16, 8));
    }

    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(4, 4, false)]
    [InlineData(8, 8, false)]
    [InlineData(2, 4, true)]
    [InlineData(1, 2, true)]
    [InlineData(3, 1, false)]
    public void UnalignedFieldIsMemory(long offset, long align, bool memory)
    {
        var merge = new EightbyteMerge();
        merge.CheckAligned(offset, align);
        merge.AddInteger(offset);
        Assert.Equal(memory, merge.Finish(8, 1).IsMemory);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(16, false)]
    [InlineData(17, true)]
    [InlineData(32, true)]
    public void SizeAloneDecidesMemoryAboveTwoEightbytes(long size, bool memory)
    {
        Assert.Equal(memory, EightbyteMerge.IsMemoryBySize(size));
        var merge = new EightbyteMerge();
        merge.AddSse(0);
        Assert.Equal(memory, merge.Finish((int)size, 8).IsMemory);
    }
}
