using Lantern.C.Interp;
using Xunit;

namespace Lantern.C.Tests.Interp;

/// <summary>Small C programs compiled by the front end and run by the interpreter, stdout captured.</summary>
[Collection("native stdout")]
public class InterpreterEndToEndTests
{
    private static (int Status, string Output, string? Error) RunC(string source, params string[] args)
    {
        CompileResult result = CCompiler.CompileText("test.c", source, new CompileOptions());
        Assert.True(result.Success, result.Diagnostics.FormatAll());
        var interp = new Interpreter(result.Module!);
        var (status, output) = NativeStdout.Capture(() => interp.Run("test", args));
        return (status, output, interp.LastError);
    }

    [Fact]
    public void HelloWorld()
    {
        var (status, output, _) = RunC("#include <stdio.h>\nint main(void) { printf(\"hello, %s %d\\n\", \"world\", 42); return 3; }");
        Assert.Equal(3, status);
        Assert.Equal("hello, world 42\n", output);
    }

    [Fact]
    public void FloatConstantsWithoutIntegerPart()
    {
        var (status, output, _) = RunC("#include <stdio.h>\nint main(void) { float f = .5f; double d = .25; printf(\"%.2f %.2f %g\\n\", f, d, .1e1); return 0; }");
        Assert.Equal(0, status);
        Assert.Equal("0.50 0.25 1\n", output);
    }

    [Fact]
    public void OutOfRangeConversionsAndNanMatchGcc()
    {
        const string src = """
            #include <stdio.h>
            #include <math.h>
            volatile double big = -2147483649.0, huge = 1e19, neg = -1.0;
            int main(void) {
                printf("%d %u %d %u %lu %lu %f\n", (signed char)big, (unsigned char)big, (int)huge, (unsigned)neg,
                       (unsigned long)huge, (unsigned long)neg, NAN);
                return 0;
            }
            """;
        var (status, output, _) = RunC(src);
        Assert.Equal(0, status);
        Assert.Equal("0 0 -2147483648 4294967295 10000000000000000000 18446744073709551615 nan\n", output);
    }

    [Fact]
    public void ArgvAndArgc()
    {
        var (status, output, _) = RunC(
            "#include <stdio.h>\nint main(int argc, char **argv) { for (int i = 0; i < argc; i++) printf(\"[%s]\", argv[i]); printf(\"%d\\n\", argv[argc] == 0); return argc; }",
            "a", "bc");
        Assert.Equal(3, status);
        Assert.Equal("[test][a][bc]1\n", output);
    }

    [Fact]
    public void StructsFunctionPointersAndQsort()
    {
        const string src = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            struct P { int x; double y; };
            struct Big { long a, b, c, d; };
            static struct P mk(int x, double y) { struct P p; p.x = x; p.y = y; return p; }
            static struct Big twice(struct Big b) { b.a *= 2; b.b *= 2; b.c *= 2; b.d *= 2; return b; }
            static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
            static int add(int a, int b) { return a + b; }
            int main(void) {
                struct P p = mk(3, 2.5);
                struct Big b = { 1, 2, 3, 4 };
                b = twice(b);
                const char *names[] = { "pear", "apple", "fig", "kiwi" };
                qsort(names, 4, sizeof names[0], cmp);
                int (*fp)(int, int) = add;
                printf("%d %.2f %ld %ld %s %s %s %s %d\n", p.x, p.y, b.a, b.d, names[0], names[1], names[2], names[3], fp(40, 2));
                return 0;
            }
            """;
        var (status, output, _) = RunC(src);
        Assert.Equal(0, status);
        Assert.Equal("3 2.50 2 8 apple fig kiwi pear 42\n", output);
    }

    [Fact]
    public void VariadicFunctionsAndVprintf()
    {
        const string src = """
            #include <stdio.h>
            #include <stdarg.h>
            static double avg(int n, ...) {
                va_list ap; va_start(ap, n);
                double s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, double);
                va_end(ap); return s / n;
            }
            static void say(const char *fmt, ...) { va_list ap; va_start(ap, fmt); vprintf(fmt, ap); va_end(ap); }
            int main(void) {
                say("%s %d %g|", "avg", 10, avg(10, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0));
                say("%d %d %d %d %d %d %d %d\n", 1, 2, 3, 4, 5, 6, 7, 8);
                return 0;
            }
            """;
        var (status, output, _) = RunC(src);
        Assert.Equal(0, status);
        Assert.Equal("avg 10 5.5|1 2 3 4 5 6 7 8\n", output);
    }

    [Fact]
    public void SetjmpLongjmpAndExit()
    {
        const string src = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <setjmp.h>
            static jmp_buf jb;
            static void bye(void) { printf("bye\n"); }
            static void deep(int n) { if (n == 0) longjmp(jb, 7); deep(n - 1); }
            int main(void) {
                atexit(bye);
                int r = setjmp(jb);
                if (r == 0) { deep(100); printf("not reached\n"); }
                printf("r=%d\n", r);
                exit(5);
            }
            """;
        var (status, output, _) = RunC(src);
        Assert.Equal(5, status);
        Assert.Equal("r=7\nbye\n", output);
    }

    [Fact]
    public void NullFunctionPointerReportsTheSourceLine()
    {
        const string src = "int main(void) {\n  void (*f)(void) = 0;\n  f();\n  return 0;\n}\n";
        var (status, _, error) = RunC(src);
        Assert.Equal(139, status);
        Assert.Contains("null function pointer", error);
        Assert.Contains("test.c:3", error);
    }
}
