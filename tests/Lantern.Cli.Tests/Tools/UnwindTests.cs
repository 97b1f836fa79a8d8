namespace Lantern.Cli.Tests.Tools;

/// <summary>
/// Unwinder registration: glibc's <c>backtrace()</c> (libgcc's <c>_Unwind_Backtrace</c>) called from JIT-compiled C
/// walks through every JIT frame to main; with <c>LANTERN_UNWIND=0</c> it stops at the first JIT frame.
/// </summary>
public class UnwindTests
{
    private const string Program = """
        #include <stdio.h>
        int backtrace(void **buffer, int size);
        void backtrace_symbols_fd(void *const *buffer, int size, int fd);
        int f3(int x);
        int f2(int x);
        int f1(int x);
        int main(void);
        static const char *which(void *a)
        {
            void *fs[4] = {(void *)f3, (void *)f2, (void *)f1, (void *)main};
            const char *names[4] = {"f3", "f2", "f1", "main"};
            const char *best = "?";
            char *bestp = 0;
            for (int i = 0; i < 4; i++) {
                char *p = (char *)fs[i];
                if (p < (char *)a && (bestp == 0 || p > bestp) && (char *)a - p < 4096) {
                    best = names[i];
                    bestp = p;
                }
            }
            return best;
        }
        int f3(int x)
        {
            void *frames[32];
            int n = backtrace(frames, 32);
            printf("frames %d\n", n);
            for (int i = 0; i < n; i++) {
                printf("#%d %s\n", i, which(frames[i]));
            }
            fflush(stdout);
            backtrace_symbols_fd(frames, n, 1);
            return x + n;
        }
        int f2(int x) { return f3(x + 1) + 1; }
        int f1(int x) { return f2(x * 2) + 1; }
        int main(void)
        {
            return f1(1) > 0 ? 0 : 1;
        }
        """;

    [Fact]
    public void Backtrace_GlibcBacktraceWalksEveryJitFrameToMain()
    {
        using var dir = Lantern.Observability.TempDirectory.Create(prefix: "lantern-unwind-");
        string file = dir.WriteFile("bt.c", Program);
        ProcessResult r = LanternProcess.Run("run", file);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"#0 f3\n#1 f2\n#2 f1\n#3 main\n", r.Stdout);
        Assert.Matches(@"\[0x[0-9a-f]+\]", r.Stdout);
    }

    [Fact]
    public void Backtrace_WithoutRegistrationStopsAtTheFirstJitFrame()
    {
        using var dir = Lantern.Observability.TempDirectory.Create(prefix: "lantern-unwind-");
        string file = dir.WriteFile("bt.c", Program);
        ProcessResult r = LanternProcess.Run(["run", file], environment: new Dictionary<string, string?> { ["LANTERN_UNWIND"] = "0" });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("frames 1\n#0 f3\n", r.Stdout);
        Assert.DoesNotContain("#1 f2", r.Stdout);
    }
}
