using Lantern.C.Ir;
using Lantern.C.Tests.Parse;
using Lantern.C.Types;
using Xunit;

namespace Lantern.C.Tests.Types;

/// <summary>Usual arithmetic conversions and integer promotions, observed through _Generic and constant folding.</summary>
public class ConversionTests
{
    private static long Eval(string expr, string decls = "")
    {
        IrModule m = FrontEndTestUtil.CompileOk(decls + "\nlong r = (long)(" + expr + ");");
        return FrontEndTestUtil.Long(m, "r");
    }

    private const string TypeId = """
        #define TID(x) _Generic((x), _Bool: 1, char: 2, signed char: 3, unsigned char: 4, short: 5, unsigned short: 6, \
            int: 7, unsigned: 8, long: 9, unsigned long: 10, long long: 11, unsigned long long: 12, float: 13, \
            double: 14, long double: 15, default: 0)
        """;

    [Theory]
    [InlineData("(char)1 + (char)1", 7)]
    [InlineData("(unsigned short)1 + 1", 7)]
    [InlineData("1u + 1", 8)]
    [InlineData("1u + 1L", 9)]
    [InlineData("1ul + 1L", 10)]
    [InlineData("1LL + 1u", 11)]
    [InlineData("1.0f + 1", 13)]
    [InlineData("1.0f + 1.0", 14)]
    [InlineData("1.0L + 1.0f", 15)]
    [InlineData("(_Bool)1", 1)]
    [InlineData("-(unsigned char)1", 7)]
    [InlineData("~(short)0", 7)]
    [InlineData("(short)1 << 40L", 7)]
    [InlineData("2147483648", 9)]
    [InlineData("0x80000000", 8)]
    [InlineData("0xffffffffffffffff", 10)]
    [InlineData("'a'", 7)]
    [InlineData("sizeof(int)", 10)]
    [InlineData("(char*)0 - (char*)0", 9)]
    [InlineData("1 ? 1u : 1.0f", 13)]
    public void ResultTypes(string expr, long typeId)
    {
        Assert.Equal(typeId, Eval("TID(" + expr + ")", TypeId));
    }

    [Theory]
    [InlineData("-1 < 1u", 0)]
    [InlineData("-1 < 1", 1)]
    [InlineData("-1L < 1u", 1)]
    [InlineData("(unsigned char)255 + 1", 256)]
    [InlineData("(signed char)200", -56)]
    [InlineData("(unsigned)-1 >> 31", 1)]
    [InlineData("-8 >> 1", -4)]
    [InlineData("7 / -2", -3)]
    [InlineData("7 % -2", 1)]
    [InlineData("(unsigned short)65535 * (unsigned short)65535", -131071)]
    [InlineData("1 ? 2 : 3", 2)]
    [InlineData("0 || 5", 1)]
    [InlineData("3 && 0", 0)]
    [InlineData("(int)3.9", 3)]
    [InlineData("(int)-3.9", -3)]
    [InlineData("(_Bool)0.5", 1)]
    [InlineData("sizeof(long double)", 16)]
    [InlineData("'\\377'", -1)]
    [InlineData("L'\\377'", 255)]
    [InlineData("sizeof(\"abc\")", 4)]
    [InlineData("sizeof(L\"abc\")", 16)]
    [InlineData("__builtin_offsetof(struct { char a; int b[4]; }, b[2])", 12)]
    public void ConstantFolding(string expr, long value)
    {
        Assert.Equal(value, Eval(expr));
    }

    [Fact]
    public void CommonTypeRules()
    {
        Assert.Same(CType.UInt, TypeRules.CommonType(CType.Int, CType.UInt));
        Assert.Same(CType.Long, TypeRules.CommonType(CType.Long, CType.UInt));
        Assert.Same(CType.ULong, TypeRules.CommonType(CType.Long, CType.ULong));
        Assert.Same(CType.Int, TypeRules.CommonType(CType.Char, CType.UShort));
        Assert.Same(CType.Double, TypeRules.CommonType(CType.Float, CType.Double));
        Assert.Same(CType.Float, TypeRules.CommonType(CType.ULongLong, CType.Float));
    }

    [Fact]
    public void StaticInitializersWithRelocations()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            struct S { int a; int x[5]; } g;
            int *p = &g.x[3];
            char *s = "hello" + 1;
            int f(void) { return 0; }
            int (*fp)(void) = f;
            double d = 1 / 4.0 + 1;
            struct { char c; int b : 4, c2 : 4; } bits = { 'z', -3, 5 };
            """);
        IrGlobal p = FrontEndTestUtil.Global(m, "p");
        Assert.Equal(new IrReloc(0, "g", 16), Assert.Single(p.Relocs));
        IrReloc sr = Assert.Single(FrontEndTestUtil.Global(m, "s").Relocs);
        Assert.Equal(1, sr.Addend);
        Assert.Equal("hello\0"u8.ToArray(), FrontEndTestUtil.Global(m, sr.Symbol).Init);
        Assert.Equal("f", Assert.Single(FrontEndTestUtil.Global(m, "fp").Relocs).Symbol);
        Assert.Equal(1.25, FrontEndTestUtil.Double(m, "d"));
        byte[] bits = FrontEndTestUtil.Global(m, "bits").Init!;
        Assert.Equal((byte)'z', bits[0]);
        Assert.Equal(new byte[] { 122, 93, 0, 0 }, bits); // as gcc: b = -3 in bits 8-11, c2 = 5 in bits 12-15
    }

    [Fact]
    public void DesignatedAndNestedInitializers()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            struct P { int x, y; };
            struct Q { struct P p[2]; char name[4]; };
            long a[] = { [3] = 7, 8, [1] = 2 };
            struct Q q = { .p[1].y = 5, { 1, 2 }, .name = "ab" };
            struct Q q2 = { 1, 2, 3, 4, "xyz" };
            char s[] = "hi";
            """);
        Assert.Equal(new long[] { 0, 2, 0, 7, 8 }, FrontEndTestUtil.Longs(m, "a"));
        byte[] q = FrontEndTestUtil.Global(m, "q").Init!;
        // as gcc: { 1, 2 } initializes the member after p[1].y (name), then .name = "ab" replaces it
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 97, 98, 0, 0 }, q);
        byte[] q2 = FrontEndTestUtil.Global(m, "q2").Init!;
        Assert.Equal(4, q2[12]);
        Assert.Equal((byte)'z', q2[18]);
        Assert.Equal(3, FrontEndTestUtil.Global(m, "s").Size);
    }
}
