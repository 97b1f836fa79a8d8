using Lantern.C.Ir;
using Lantern.C.Types;
using Xunit;

namespace Lantern.C.Tests.Parse;

/// <summary>Declarations, declarators and grammar corner cases.</summary>
public class ParserTests
{
    private static CType GlobalType(string src, string name)
    {
        IrModule m = FrontEndTestUtil.CompileOk(src);
        IrGlobal? g = m.Globals.Find(x => x.Name == name);
        if (g is not null)
        {
            return g.CType!;
        }

        return m.FindFunction(name)!.CType!;
    }

    [Theory]
    [InlineData("int *a[3];", "int *[3]")]
    [InlineData("int (*a)[3];", "int (*)[3]")]
    [InlineData("int (*a)(int, char *);", "int (*)(int, char *)")]
    [InlineData("int (*a[2])(void);", "int (*[2])(void)")]
    [InlineData("char **a;", "char **")]
    [InlineData("const char *const a = 0;", "const char * const")]
    [InlineData("unsigned long long a;", "unsigned long long")]
    [InlineData("long double a[2][3];", "long double[2][3]")]
    [InlineData("int (*(*a)(int))(double);", "int (*(*)(int))(double)")]
    [InlineData("int a[] = { 1, 2, 3, 4 };", "int[4]")]
    [InlineData("char a[] = \"hello\";", "char[6]")]
    [InlineData("typeof(int *) a[2];", "int *[2]")]
    public void Declarators(string decl, string expected)
    {
        Assert.Equal(expected, TypePrinter.Print(GlobalType(decl, "a")));
    }

    [Fact]
    public void TypedefNameVersusIdentifier()
    {
        FrontEndTestUtil.CompileOk("""
            typedef int T;
            T g;
            int f(void) { T x = 1; { int T = 2; T++; x += T; } T *p = &x; return *p + (T)3; }
            int h(T T) { return T; }
            struct S { T T; } s;
            int k(void) { T: return sizeof(T); }
            """);
    }

    [Fact]
    public void OldStyleAndImplicitInt()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            f(a, b) char *b; { return a + *b; }
            static x;
            main() { register i = 2; auto j = 3; return f(i, "x") + x + j; }
            """);
        IrFunction f = m.FindFunction("f")!;
        Assert.Equal(new[] { IrType.I32, IrType.I64 }, f.Signature.Parameters.Select(p => p.Type));
        Assert.Equal(IrType.I32, f.Signature.Return.Type);
    }

    [Fact]
    public void StatementExpressionsAndGnuExtensions()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            #define MAX(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
            __extension__ typedef long long ll;
            int f(int x) { return MAX(x, 3) ?: 7; }
            int g(int x) { switch (x) { case 1 ... 5: return 1; } return __builtin_expect(x, 0); }
            static int __attribute__((unused)) h(void) __attribute__((noinline));
            static int h(void) { return __alignof__(ll); }
            """);
        Assert.NotNull(m.FindFunction("f"));
    }

    [Fact]
    public void FloatClassificationBuiltins()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            #include <math.h>
            int f(double x) { return fpclassify(x) + isnan(x) + isinf(x) + isfinite(x) + isnormal(x) + signbit(x) + isless(x, 1.0) + isunordered(x, x); }
            double h = HUGE_VAL;
            float n;
            int k = sizeof(NAN);
            """);
        Assert.Equal(double.PositiveInfinity, FrontEndTestUtil.Double(m, "h"));
    }

    [Fact]
    public void StaticAssertAndAlignas()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            _Static_assert(sizeof(long) == 8, "LP64");
            _Alignas(32) char buf[10];
            struct S { _Static_assert(1, "in struct"); int x; };
            """);
        Assert.Equal(32, FrontEndTestUtil.Global(m, "buf").Align);
    }

    [Fact]
    public void VariableLengthArrayParameters()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            void fill(int n, int m, int a[n][m]) { for (int i = 0; i < n; i++) a[i][m - 1] = i; }
            long rowsize(int n, int m, int a[n][m]) { return sizeof a[0]; }
            void proto(int n, int a[n]);
            """);
        IrFunction f = m.FindFunction("rowsize")!;
        Assert.Contains(f.Blocks.SelectMany(b => b.Instrs), i => i.Op == Opcode.Mul);
    }
}
