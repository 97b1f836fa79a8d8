using Lantern.Observability;

namespace Lantern.Cli.Tests;

/// <summary>
/// A C program run by Lantern behaves like the same program built by gcc, seen from the process that started it:
/// the wait status (exit code or the signal that ended it) and the output are compared with the gcc build's, on
/// both engines. The programs are started from python3's <c>subprocess</c>, which gives a child the default action
/// for SIGPIPE (as a shell does) and reports a death by signal N as return code -N.
/// </summary>
public sealed class NativeProcessTests : IDisposable
{
    // Runs argv[1:] with its stdout piped into `head -1`; prints the producer's wait status and what head printed.
    private const string PipeToHead = """
        import subprocess, sys
        producer = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        head = subprocess.Popen(["head", "-1"], stdin=producer.stdout, stdout=subprocess.PIPE)
        producer.stdout.close()
        line = head.communicate()[0].decode()
        try:
            status = producer.wait(timeout=30)
        except subprocess.TimeoutExpired:
            producer.kill()
            producer.wait()
            status = "still running after 30 s"
        print(f"status={status} head={line.strip()}")
        """;

    // Runs argv[1:] and prints its wait status, its stdout and its stderr.
    private const string RunOne = """
        import subprocess, sys
        p = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)
        sys.stdout.write(f"status={p.returncode}\n{p.stdout.decode()}---\n{p.stderr.decode()}")
        """;

    private readonly TempDirectory _dir = TempDirectory.Create("lantern-native-process-test-");

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Engines() => new() { "jit", "interp" };

    /// <summary>`prog | head -1` ends: the producer dies by SIGPIPE at its first write after head exited.</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public void EndlessPrinter_PipedIntoHead_DiesBySigpipe(string engine)
    {
        string source = """
            #include <stdio.h>
            int main(void)
            {
                for (;;)
                    puts("y");
            }
            """;
        string gcc = Python(PipeToHead, GccBuild("yes.c", source));
        Assert.Equal("status=-13 head=y\n", gcc);
        Assert.Equal(gcc, Python(PipeToHead, LanternCommand(engine, "yes.c")));
    }

    /// <summary>C requires at least 32 atexit handlers and glibc has no limit: 1000 run, last registered first.</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public void ThousandAtexitHandlers_AllRun(string engine)
    {
        string source = """
            #include <stdio.h>
            #include <stdlib.h>
            static int count;
            static void handler(void) { count++; if (count == 1000) printf("%d handlers ran\n", count); }
            static void first(void) { printf("first registered, last run (after %d)\n", count); }
            int main(void)
            {
                if (atexit(first) != 0) { puts("atexit failed at 0"); return 1; }
                for (int i = 0; i < 1000; i++)
                    if (atexit(handler) != 0) { printf("atexit failed at %d\n", i + 1); return 1; }
                puts("registered");
                return 3;
            }
            """;
        string gcc = Python(RunOne, GccBuild("atexit.c", source));
        Assert.Equal("status=3\nregistered\n1000 handlers ran\nfirst registered, last run (after 1000)\n---\n", gcc);
        Assert.Equal(gcc, Python(RunOne, LanternCommand(engine, "atexit.c")));
    }

    /// <summary>A forked child's status reaches its parent whether it returns from main or calls exit.</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public void ForkedChild_ReturnOrExit_StatusReachesTheParent(string engine)
    {
        string source = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <sys/wait.h>
            #include <unistd.h>
            static int child(int how)
            {
                printf("child %d\n", how); /* buffered: must be flushed by the child's exit */
                if (how == 1)
                    exit(4);
                return 3;
            }
            int main(void)
            {
                for (int how = 0; how < 2; how++)
                {
                    fflush(stdout);
                    pid_t pid = fork();
                    if (pid == 0)
                        return child(how);
                    int status;
                    waitpid(pid, &status, 0);
                    printf("parent: exited=%d status=%d\n", WIFEXITED(status), WEXITSTATUS(status));
                }
                return 0;
            }
            """;
        string gcc = Python(RunOne, GccBuild("fork.c", source));
        Assert.Equal("status=0\nchild 0\nparent: exited=1 status=3\nchild 1\nparent: exited=1 status=4\n---\n", gcc);
        Assert.Equal(gcc, Python(RunOne, LanternCommand(engine, "fork.c")));
    }

    private string[] GccBuild(string file, string source)
    {
        _dir.WriteFile(file, source);
        string exe = Path.Combine(_dir.Path, Path.GetFileNameWithoutExtension(file) + ".gcc");
        ProcessResult r = LanternProcess.RunProcess("gcc", ["-O0", "-o", exe, file], workingDirectory: _dir.Path);
        Assert.True(r.ExitCode == 0, r.ToString());
        return [exe];
    }

    private string[] LanternCommand(string engine, string file) => engine == "interp"
        ? [LanternProcess.Launcher, "run", "--interp", file]
        : [LanternProcess.Launcher, "run", file];

    private string Python(string script, string[] command)
    {
        ProcessResult r = LanternProcess.RunProcess("python3", ["-c", script, .. command], workingDirectory: _dir.Path, timeoutSeconds: 180);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }
}
