using Lantern.C.Interp;
using Lantern.C.Runtime;
using Lantern.C.Tests.Interp;
using Lantern.Observability.Interop;
using Xunit;

namespace Lantern.C.Tests.Runtime;

/// <summary>
/// System V ABI in both directions: interpreted code calls a gcc-compiled shared library (through the call
/// bridge) with many integer, double, float and struct arguments, and the library calls interpreted functions
/// back through their entry thunks with the same signatures, including a variadic one.
/// </summary>
[Collection("native stdout")]
public class AbiRoundTripTests
{
    private const string NativeSource = """
        #include <stdarg.h>
        #include <stdio.h>
        struct S2 { long a; double b; };
        struct S3 { double x, y; };
        struct S4 { float f; int i; };
        struct Big { long v[5]; };

        struct S2 abi_many(int i1, long i2, double d1, float f1, struct S3 s3, struct Big big, int i3, int i4,
                           int i5, int i6, double d2, double d3, double d4, double d5, double d6, double d7,
                           double d8, struct S4 s4, long i7)
        {
            struct S2 r;
            r.a = i1 + i2 + i3 + i4 + i5 + i6 + i7 + big.v[0] + big.v[4] + s4.i;
            r.b = d1 + f1 + s3.x + s3.y + d2 + d3 + d4 + d5 + d6 + d7 + d8 + s4.f;
            return r;
        }

        struct Big abi_big(struct Big b, int k) { for (int i = 0; i < 5; i++) b.v[i] *= k; return b; }

        typedef struct S2 (*many_fn)(int, long, double, float, struct S3, struct Big, int, int, int, int, double,
                                     double, double, double, double, double, double, struct S4, long);

        double abi_call_back(many_fn f, struct Big (*g)(struct Big, int), double (*v)(int, ...))
        {
            struct S3 s3 = { 0.25, 0.5 };
            struct Big big = { { 1, 2, 3, 4, 5 } };
            struct S4 s4 = { 1.5f, 7 };
            struct S2 r = f(1, 2, 3.0, 4.0f, s3, big, 3, 4, 5, 6, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, s4, 100);
            struct Big b = g(big, 3);
            double s = v(12, 1.0, 2, 3.0, 4, 5.0, 6, 7.0, 8, 9.0, 10, 11.0, 12);
            return r.a * 1000.0 + r.b + b.v[4] * 1e6 + s * 1e9;
        }
        """;

    private const string Program = """
        #include <stdio.h>
        #include <stdarg.h>
        struct S2 { long a; double b; };
        struct S3 { double x, y; };
        struct S4 { float f; int i; };
        struct Big { long v[5]; };
        struct S2 abi_many(int i1, long i2, double d1, float f1, struct S3 s3, struct Big big, int i3, int i4,
                           int i5, int i6, double d2, double d3, double d4, double d5, double d6, double d7,
                           double d8, struct S4 s4, long i7);
        struct Big abi_big(struct Big b, int k);
        typedef struct S2 (*many_fn)(int, long, double, float, struct S3, struct Big, int, int, int, int, double,
                                     double, double, double, double, double, double, struct S4, long);
        double abi_call_back(many_fn f, struct Big (*g)(struct Big, int), double (*v)(int, ...));

        static struct S2 my_many(int i1, long i2, double d1, float f1, struct S3 s3, struct Big big, int i3, int i4,
                                 int i5, int i6, double d2, double d3, double d4, double d5, double d6, double d7,
                                 double d8, struct S4 s4, long i7)
        {
            return abi_many(i1, i2, d1, f1, s3, big, i3, i4, i5, i6, d2, d3, d4, d5, d6, d7, d8, s4, i7);
        }

        static struct Big my_big(struct Big b, int k) { for (int i = 0; i < 5; i++) b.v[i] *= k; return b; }

        static double my_vsum(int n, ...)
        {
            va_list ap;
            va_start(ap, n);
            double s = 0;
            for (int i = 0; i < n; i++) s += (i % 2 == 0) ? va_arg(ap, double) : va_arg(ap, int);
            va_end(ap);
            return s;
        }

        int main(void)
        {
            struct S3 s3 = { 0.25, 0.5 };
            struct Big big = { { 1, 2, 3, 4, 5 } };
            struct S4 s4 = { 1.5f, 7 };
            struct S2 r = abi_many(1, 2, 3.0, 4.0f, s3, big, 3, 4, 5, 6, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, s4, 100);
            struct Big b = abi_big(big, 2);
            printf("direct %ld %.2f %ld %ld\n", r.a, r.b, b.v[0], b.v[4]);
            printf("callback %.2f\n", abi_call_back(my_many, my_big, my_vsum));
            return 0;
        }
        """;

    [Fact]
    public void NativeAndInterpretedCodeCallEachOtherWithComplexSignatures()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"lantern-abi-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "abi.c");
            string so = Path.Combine(dir, "libabi.so");
            File.WriteAllText(src, NativeSource);
            if (!TestTools.GccWorks)
            {
                return; // no gcc on this machine
            }

            Assert.Equal(0, TestTools.Run("gcc", ["-O1", "-shared", "-fPIC", "-o", so, src]).ExitCode);
            Assert.NotEqual(0, LibC.Dlopen(so, LibC.RtldNow | LibC.RtldGlobal));

            CompileResult result = CCompiler.CompileText("abi_main.c", Program, new CompileOptions());
            Assert.True(result.Success, result.Diagnostics.FormatAll());
            var interp = new Interpreter(result.Module!);
            var (status, output) = NativeStdout.Capture(() => interp.Run("abi", Array.Empty<string>()));
            Assert.True(status == 0, interp.LastError);

            // a = 1+2+3+4+5+6+100+1+5+7 = 134; b = 3+4+0.25+0.5+28+1.5 = 37.25
            // callback: 134*1000 + 37.25 + 15*1e6 + (1+2+...+12 = 78)*1e9
            Assert.Equal("direct 134 37.25 2 10\ncallback 78015134037.25\n", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
