using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Lantern.C.Preprocess;
using Xunit;

namespace Lantern.C.Tests.Preprocess;

/// <summary>
/// A stress test on real-world headers: glibc's own headers (without __GNUC__), preprocessed by Lantern and by
/// gcc with exactly Lantern's predefined macros, must give the same tokens.
/// </summary>
public class SystemHeaderTests
{
    private static readonly string[] s_includeDirs =
    {
        "/usr/lib/gcc/x86_64-linux-gnu/12/include", "/usr/include/x86_64-linux-gnu", "/usr/local/include", "/usr/include",
    };

    private const string Program = @"#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>
#include <errno.h>
#include <ctype.h>
#include <wchar.h>
#include <locale.h>
#include <setjmp.h>
#include <inttypes.h>
#include <dirent.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <dlfcn.h>
#include <assert.h>
int main(void) { assert(EOF < 0); printf(""%d %s\n"", errno, strerror(ENOENT)); return isnan(NAN) ? EXIT_SUCCESS : 1; }
";

    [Fact]
    public void GlibcHeadersMatchGcc()
    {
        if (!File.Exists("/usr/include/stdio.h") || !Directory.Exists(s_includeDirs[0]) || !TestTools.GccWorks)
        {
            return; // not a Debian x86-64 machine with gcc 12: nothing to compare with
        }

        string dir = Path.Combine(Path.GetTempPath(), "lantern-sys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "sys.c");
            File.WriteAllText(path, Program);

            var options = new PreprocessorOptions();
            options.IncludePaths.AddRange(s_includeDirs);
            var diags = new DiagnosticBag();
            List<Token> ours = new Preprocessor(options, diags).PreprocessFile(path);
            Assert.False(diags.HasErrors, diags.FormatAll());

            List<string> args = ["-E", "-P", "-undef", "-nostdinc", "-std=c11", "-w"];
            foreach (string m in Preprocessor.PredefinedMacros)
            {
                int space = m.IndexOf(' ');
                args.Add("-D" + m.Substring(0, space) + "=" + m.Substring(space + 1));
            }

            foreach (string d in s_includeDirs)
            {
                args.Add("-I" + d);
            }

            args.Add(path);
            (int exitCode, string gccOut, _) = TestTools.Run("gcc", args);
            Assert.Equal(0, exitCode);

            List<Token> theirs = Lexer.Tokenize(new SourceFile("gcc.i", gccOut, 0), new DiagnosticBag());
            Assert.True(theirs.Count > 10000);
            Assert.Equal(string.Join("\n", theirs.Select(t => t.Text)), string.Join("\n", ours.Select(t => t.Text)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
