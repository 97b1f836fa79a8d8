using Lantern.C.Ir;
using Lantern.C.Tests.Parse;
using Lantern.C.Types;
using Xunit;

namespace Lantern.C.Tests.Types;

/// <summary>Struct/union layout (System V, bit-fields, packed, alignas, flexible arrays) checked against gcc 12.</summary>
public class LayoutTests
{
    private const string Structs = """
        #include <stddef.h>
        struct A { char c; int i; short s; };
        struct B { char c; double d; char e; };
        struct C { int a:3; int b:5; int c:25; char d; };
        struct D { char a; int b:4; int :0; char c; };
        struct E { unsigned char a:1; unsigned char b:7; unsigned char c:1; };
        struct F { long long x:40; int y:30; char z; };
        struct G { char c; struct { short s; char t; } in; long double ld; };
        union H { char c[5]; int i; short s; };
        struct I { int n; char data[]; };
        struct J { char a; union { int x; char y; }; struct { char p, q; }; };
        struct K { char a; _Alignas(16) char b; };
        struct L { short a:9; short b:9; short c:9; };
        struct M { char a; int :3; char b; };
        struct __attribute__((packed)) N { char a; int b; short c; };
        struct O { int a[3][5]; char b; };
        struct P { unsigned a:1; unsigned long b:63; unsigned c:2; };
        struct Q { char c; long double x; };
        struct R { float f; struct A a[2]; char z; };
        #define ROW(T) sizeof(T), _Alignof(T)
        long values[] = {
          ROW(struct A), offsetof(struct A, i), offsetof(struct A, s),
          ROW(struct B), offsetof(struct B, d), offsetof(struct B, e),
          ROW(struct C), offsetof(struct C, d),
          ROW(struct D), offsetof(struct D, c),
          ROW(struct E),
          ROW(struct F), offsetof(struct F, z),
          ROW(struct G), offsetof(struct G, in), offsetof(struct G, in.t), offsetof(struct G, ld),
          ROW(union H),
          ROW(struct I), offsetof(struct I, data),
          ROW(struct J), offsetof(struct J, x), offsetof(struct J, p), offsetof(struct J, q),
          ROW(struct K), offsetof(struct K, b),
          ROW(struct L),
          ROW(struct M), offsetof(struct M, b),
          ROW(struct N), offsetof(struct N, b), offsetof(struct N, c),
          ROW(struct O), offsetof(struct O, b), offsetof(struct O, a[2][3]),
          ROW(struct P),
          ROW(struct Q), offsetof(struct Q, x),
          ROW(struct R), offsetof(struct R, a[1].s), offsetof(struct R, z),
          ROW(long double), ROW(__builtin_va_list),
        };
        """;

    // Printed by the same program compiled with gcc 12 on x86-64.
    private static readonly long[] s_gcc =
    {
        12, 4, 4, 8, 24, 8, 8, 16, 12, 4, 8, 8, 4, 4, 2, 1, 16, 8, 12, 32, 16, 2, 4, 16, 8, 4, 4, 4, 4, 12, 4, 4, 8, 9,
        32, 16, 16, 6, 2, 3, 1, 2, 7, 1, 1, 5, 64, 4, 60, 52, 16, 8, 32, 16, 16, 32, 4, 24, 28, 16, 16, 24, 8,
    };

    [Fact]
    public void SizesAlignmentsAndOffsetsMatchGcc()
    {
        IrModule m = FrontEndTestUtil.CompileOk(Structs);
        Assert.Equal(s_gcc, FrontEndTestUtil.Longs(m, "values"));
    }

    [Fact]
    public void BitFieldStorageUnits()
    {
        // struct C { int a:3; int b:5; int c:25; char d; }: c does not fit after 8 bits in the first int
        var st = new CType(TypeKind.Struct, -1, 1) { Tag = "C" };
        var members = new List<Member>
        {
            new() { Name = "a", Type = CType.Int, BitWidth = 3 },
            new() { Name = "b", Type = CType.Int, BitWidth = 5 },
            new() { Name = "c", Type = CType.Int, BitWidth = 25 },
            new() { Name = "d", Type = CType.Char },
        };
        TypeRules.Layout(st, members, packed: false, minAlign: 1);
        Assert.Equal((0, 0), (members[0].Offset, members[0].BitOffset));
        Assert.Equal((0, 3), (members[1].Offset, members[1].BitOffset));
        Assert.Equal((4, 0), (members[2].Offset, members[2].BitOffset));
        Assert.Equal(8, members[3].Offset);
        Assert.Equal(12, st.Size);
        Assert.Equal(4, st.Align);
    }

    [Theory]
    [InlineData("struct S { int a, b; };", ArgClass.Integer, ArgClass.Integer, 8)]
    [InlineData("struct S { double a; long b; };", ArgClass.Sse, ArgClass.Integer, 16)]
    [InlineData("struct S { float a, b; double c; };", ArgClass.Sse, ArgClass.Sse, 16)]
    [InlineData("struct S { float a; int b; };", ArgClass.Integer, ArgClass.Integer, 8)]
    [InlineData("struct S { long a, b, c; };", ArgClass.Memory, ArgClass.Memory, 24)]
    [InlineData("struct S { long double x; };", ArgClass.Memory, ArgClass.Memory, 16)]
    [InlineData("struct S { char c[3]; };", ArgClass.Integer, ArgClass.Integer, 3)]
    public void SystemVClassification(string decl, ArgClass lo, ArgClass hi, int size)
    {
        IrModule m = FrontEndTestUtil.CompileOk(decl + " struct S f(struct S s) { return s; }");
        IrSignature sig = m.FindFunction("f")!.Signature;
        AggregateInfo info = sig.Return.Aggregate!;
        Assert.Equal(size, info.Size);
        Assert.Equal(lo, info.Lo);
        if (size > 8)
        {
            Assert.Equal(hi, info.Hi);
        }

        Assert.Equal(info, sig.Parameters[0].Aggregate);
    }
}
