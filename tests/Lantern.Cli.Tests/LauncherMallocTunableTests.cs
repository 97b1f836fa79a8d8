using Lantern.Observability;

namespace Lantern.Cli.Tests;

/// <summary>
/// The <c>./lantern</c> launcher starts the CLI with glibc's malloc tunables <c>glibc.malloc.tcache_count=65535</c>
/// and <c>glibc.malloc.arena_max=1</c> (each unless the user set it), and the CLI gives the C program back the user's
/// own <c>GLIBC_TUNABLES</c>: glibc reads tunables only at process start (the probe sees the bigger cache through
/// mallinfo2, and malloc_info lists a single arena), but getenv and child processes see what
/// the user had.
/// </summary>
public sealed class LauncherMallocTunableTests : IDisposable
{
    // With glibc's default tcache_count (7), 7 of 100 freed 24-byte chunks stay in the thread's cache and the others
    // go to the fastbins (mallinfo2().smblks counts them); with 65535 all 100 stay in the cache.
    private const string Probe = """
        #include <stdio.h>
        #include <stdlib.h>
        struct mallinfo2 { size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost; };
        struct mallinfo2 mallinfo2(void);
        int malloc_info(int options, FILE *fp);
        FILE *open_memstream(char **ptr, size_t *sizeloc);
        char *strstr(const char *haystack, const char *needle);
        int main(void)
        {
            free(malloc(100)); // this thread's arena exists from here on
            char *xml;
            size_t size;
            FILE *f = open_memstream(&xml, &size);
            malloc_info(0, f); // one <heap nr="N"> element per arena
            fclose(f);
            int arenas = 0;
            for (char *s = xml; (s = strstr(s, "<heap nr=")) != NULL; s++)
                arenas++;
            printf("arenas=%s\n", arenas == 1 ? "one" : "several");
            void *p[100];
            for (int i = 0; i < 100; i++)
                p[i] = malloc(24);
            size_t before = mallinfo2().smblks;
            for (int i = 0; i < 100; i++)
                free(p[i]);
            size_t fastbins = mallinfo2().smblks - before;
            const char *seen = getenv("GLIBC_TUNABLES");
            printf("big tcache=%s\n", fastbins < 10 ? "yes" : "no");
            printf("getenv=%s\n", seen ? seen : "(null)");
            printf("marker=%s\n", getenv("LANTERN_USER_GLIBC_TUNABLES") ? "set" : "(null)");
            fflush(stdout);
            return system("echo child=${GLIBC_TUNABLES-(unset)}");
        }
        """;

    private readonly TempDirectory _dir = TempDirectory.Create("lantern-tunable-test-");

    public LauncherMallocTunableTests() => _dir.WriteFile("probe.c", Probe);

    public void Dispose() => _dir.Dispose();

    /// <summary>Runs <c>env [-u GLIBC_TUNABLES | GLIBC_TUNABLES=value] ./lantern run probe.c</c>.</summary>
    private ProcessResult RunProbe(string? userValue, params string[] runOptions)
    {
        ProcessResult r = LanternProcess.RunWithVariable("GLIBC_TUNABLES", userValue, [LanternProcess.Launcher, "run", .. runOptions, "probe.c"], _dir.Path);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [Fact]
    public void Unset_ProcessStartsWithTheTunable_ProgramSeesNoVariable()
    {
        ProcessResult r = RunProbe(null);

        Assert.Equal("arenas=one\nbig tcache=yes\ngetenv=(null)\nmarker=(null)\nchild=(unset)\n", r.Stdout);
    }

    [Fact]
    public void Unset_Interpreter_ProgramSeesNoVariable()
    {
        ProcessResult r = RunProbe(null, "--interp");

        Assert.Equal("arenas=one\nbig tcache=yes\ngetenv=(null)\nmarker=(null)\nchild=(unset)\n", r.Stdout);
    }

    [Fact]
    public void OtherTunables_AreKept_AndTheProgramSeesOnlyThem()
    {
        ProcessResult r = RunProbe("glibc.malloc.mmap_threshold=131072");

        Assert.Equal("arenas=one\nbig tcache=yes\ngetenv=glibc.malloc.mmap_threshold=131072\nmarker=(null)\n"
            + "child=glibc.malloc.mmap_threshold=131072\n", r.Stdout);
    }

    [Fact]
    public void UserArenaMax_IsLeftAlone()
    {
        // eight arenas allowed: the program's thread gets one of its own, as in any multi-threaded process
        ProcessResult r = RunProbe("glibc.malloc.arena_max=8");

        Assert.Equal("arenas=several\nbig tcache=yes\ngetenv=glibc.malloc.arena_max=8\nmarker=(null)\n"
            + "child=glibc.malloc.arena_max=8\n", r.Stdout);
    }

    [Fact]
    public void Empty_StaysSetAndEmpty()
    {
        ProcessResult r = RunProbe("");

        Assert.Equal("arenas=one\nbig tcache=yes\ngetenv=\nmarker=(null)\nchild=\n", r.Stdout);
    }

    [Fact]
    public void UserTcacheCount_IsLeftAlone()
    {
        ProcessResult r = RunProbe("glibc.malloc.tcache_count=7");

        Assert.Equal("arenas=one\nbig tcache=no\ngetenv=glibc.malloc.tcache_count=7\nmarker=(null)\n"
            + "child=glibc.malloc.tcache_count=7\n", r.Stdout);
    }
}
