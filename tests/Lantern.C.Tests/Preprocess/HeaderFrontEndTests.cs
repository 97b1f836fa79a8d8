using Lantern.C.Diagnostics;
using Xunit;

namespace Lantern.C.Tests.Preprocess;

/// <summary>Lantern's C library headers go through the whole front end (parser, type checker, lowering).</summary>
public class HeaderFrontEndTests
{
    private const string AllHeadersProgram = @"#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <limits.h>
#include <float.h>
#include <ctype.h>
#include <math.h>
#include <assert.h>
#include <errno.h>
#include <setjmp.h>
#include <time.h>
#include <signal.h>
#include <wchar.h>
#include <locale.h>
#include <iso646.h>
#include <stdnoreturn.h>
#include <stdalign.h>
#include <unistd.h>
#include <sys/types.h>
#include <strings.h>
#include <wctype.h>

static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static int sum(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++)
        s += va_arg(ap, int);
    va_end(ap);
    return s;
}

int main(void)
{
    int a[5] = { 5, 3, 9, 1, 7 };
    qsort(a, 5, sizeof a[0], cmp);
    printf(""%d %d %d %d %d\n"", a[0], a[1], a[2], a[3], a[4]);
    printf(""sum=%d\n"", sum(3, 1, 2, 3));
    int64_t big = INT64_C(1) << 40;
    printf(""%"" PRId64 "" %"" PRIu32 "" %zu\n"", big, UINT32_MAX, sizeof(struct tm));
    printf(""%zu %zu %zu\n"", sizeof(jmp_buf), sizeof(div_t), offsetof(struct tm, tm_year));
    div_t d = div(17, 5);
    printf(""div %d %d\n"", d.quot, d.rem);
    printf(""%d %d %d\n"", INT_MAX, CHAR_BIT, isalpha('x') != 0);
    printf(""%.3f %d %d %d\n"", M_PI, isnan(NAN), isinf(INFINITY), isfinite(1.0));
    printf(""%d %d\n"", fpclassify(0.0) == FP_ZERO, signbit(-1.0) != 0);
    printf(""%g %g\n"", sqrt(2.0), DBL_EPSILON);
    errno = 0;
    strtol(""99999999999999999999999"", NULL, 10);
    printf(""errno ERANGE %d\n"", errno == ERANGE);
    char buf[64];
    snprintf(buf, sizeof buf, ""%s-%d"", ""x"", 42);
    printf(""%s %zu %d\n"", buf, strlen(buf), strcmp(buf, ""x-42""));
    bool t = true;
    printf(""%d %d\n"", t, alignof(double));
    time_t now = time(NULL);
    printf(""time ok %d\n"", now > 0);
    fprintf(stderr, ""to stderr\n"");
    printf(""%d %d\n"", SIGINT, EOF);
    assert(1 + 1 == 2);
    wchar_t w[] = L""hé"";
    printf(""%zu %d\n"", wcslen(w), (int)w[1]);
    printf(""%s\n"", setlocale(LC_ALL, NULL) != NULL ? ""locale"" : ""none"");
    jmp_buf jb;
    if (setjmp(jb) == 0)
        longjmp(jb, 1);
    printf(""after longjmp\n"");
    return EXIT_SUCCESS;
}
";

    [Fact]
    public void ProgramUsingEveryHeaderCompilesCleanly()
    {
        var options = new CompileOptions();
        options.Preprocessor.SystemIncludeDirectory = CorpusPreprocessTests.IncludeDirectory;
        CompileResult result = CCompiler.CompileText("all_headers.c", AllHeadersProgram, options);
        Assert.True(result.Success, result.Diagnostics.FormatAll());
        Assert.DoesNotContain(result.Diagnostics.Items, d => d.Severity == DiagnosticSeverity.Warning);
    }

    [Theory]
    [InlineData("stdio.h")]
    [InlineData("stdlib.h")]
    [InlineData("string.h")]
    [InlineData("stdint.h")]
    [InlineData("inttypes.h")]
    [InlineData("stddef.h")]
    [InlineData("stdarg.h")]
    [InlineData("stdbool.h")]
    [InlineData("limits.h")]
    [InlineData("float.h")]
    [InlineData("ctype.h")]
    [InlineData("math.h")]
    [InlineData("assert.h")]
    [InlineData("errno.h")]
    [InlineData("setjmp.h")]
    [InlineData("time.h")]
    [InlineData("signal.h")]
    [InlineData("wchar.h")]
    [InlineData("wctype.h")]
    [InlineData("locale.h")]
    [InlineData("iso646.h")]
    [InlineData("stdnoreturn.h")]
    [InlineData("stdalign.h")]
    [InlineData("unistd.h")]
    [InlineData("strings.h")]
    [InlineData("sys/types.h")]
    [InlineData("sys/time.h")]
    [InlineData("sys/stat.h")]
    [InlineData("fcntl.h")]
    [InlineData("uchar.h")]
    [InlineData("fenv.h")]
    [InlineData("alloca.h")]
    [InlineData("memory.h")]
    [InlineData("libgen.h")]
    [InlineData("pthread.h")]
    [InlineData("dirent.h")]
    [InlineData("sys/mman.h")]
    [InlineData("sys/wait.h")]
    public void EachHeaderCompilesAloneAndTwice(string header)
    {
        var options = new CompileOptions();
        options.Preprocessor.SystemIncludeDirectory = CorpusPreprocessTests.IncludeDirectory;
        string text = $"#include <{header}>\n#include <{header}>\nint main(void) {{ return 0; }}\n";
        CompileResult result = CCompiler.CompileText("one.c", text, options);
        Assert.True(result.Success, result.Diagnostics.FormatAll());
    }
}
