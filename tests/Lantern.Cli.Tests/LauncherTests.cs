using Lantern.Observability;

namespace Lantern.Cli.Tests;

/// <summary>
/// The <c>./lantern</c> launcher's staleness check, on a copy of the script in a scratch repository whose
/// <c>dotnet</c> is a fake that "publishes" a shell script printing the build number: the CLI is rebuilt when a
/// source under src/ is edited in place, added or removed, or a root build file changes, and not otherwise
/// (bin/ and obj/ are not sources).
/// </summary>
public sealed class LauncherTests : IDisposable
{
    private const string FakeDotnet = """
        #!/bin/sh
        # fake `dotnet publish ... -o DIR`: writes DIR/lantern, which prints the build number
        out=
        while [ $# -gt 0 ]; do
            if [ "$1" = -o ]; then out=$2; fi
            shift
        done
        n=$(($(cat "$FAKE_LOG" 2>/dev/null | wc -l) + 1))
        echo build >>"$FAKE_LOG"
        mkdir -p "$out"
        printf '#!/bin/sh\necho "build %s: $*"\n' "$n" >"$out/lantern"
        chmod +x "$out/lantern"
        """;

    private readonly TempDirectory _dir = TempDirectory.Create("lantern-launcher-test-");

    public LauncherTests()
    {
        Directory.CreateDirectory(Repo("src/Lantern.Cli/bin"));
        Directory.CreateDirectory(Repo("src/Lantern.C/Lex"));
        Directory.CreateDirectory(Repo("src/Lantern.C/obj"));
        Directory.CreateDirectory(Repo("fakebin"));
        File.Copy(LanternProcess.Launcher, Repo("lantern"));
        File.WriteAllText(Repo("Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Repo("src/Lantern.Cli/Lantern.Cli.csproj"), "<Project />\n");
        File.WriteAllText(Repo("src/Lantern.C/Lex/Lexer.cs"), "class Lexer {}\n");
        File.WriteAllText(Repo("fakebin/dotnet"), FakeDotnet);
        File.SetUnixFileMode(Repo("fakebin/dotnet"), (UnixFileMode)0x1c0 /* 0700 */);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void BuildsOnFirstUse_ThenRunsTheBuildWithoutRebuilding()
    {
        Assert.Equal("build 1: run x.c\n", Launch("run", "x.c"));
        Age();
        Assert.Equal("build 1: --version\n", Launch("--version"));
        Assert.Equal(1, Builds());
    }

    [Theory]
    [InlineData("edit in place")]
    [InlineData("add a file")]
    [InlineData("remove a file")]
    [InlineData("add a directory")]
    [InlineData("edit a root build file")]
    public void RebuildsWhenASourceChanges(string change)
    {
        Launch();
        Age();
        switch (change)
        {
            case "edit in place":
                using (var s = new FileStream(Repo("src/Lantern.C/Lex/Lexer.cs"), FileMode.Append))
                {
                    s.WriteByte((byte)'\n');
                }

                break;
            case "add a file":
                File.WriteAllText(Repo("src/Lantern.C/Lex/Token.cs"), "class Token {}\n");
                break;
            case "remove a file":
                File.Delete(Repo("src/Lantern.C/Lex/Lexer.cs"));
                break;
            case "add a directory":
                Directory.CreateDirectory(Repo("src/Lantern.C/Parse"));
                break;
            case "edit a root build file":
                File.AppendAllText(Repo("Directory.Build.props"), "\n");
                break;
        }

        Assert.Equal("build 2: --version\n", Launch("--version"));
        Assert.Equal("build 2: --version\n", Launch("--version"));
        Assert.Equal(2, Builds());
    }

    [Fact]
    public void IgnoresBinAndObj()
    {
        Launch();
        Age();
        File.WriteAllText(Repo("src/Lantern.Cli/bin/out.dll"), "x");
        File.WriteAllText(Repo("src/Lantern.C/obj/project.assets.json"), "{}");

        Assert.Equal("build 1: --version\n", Launch("--version"));
    }

    [Fact]
    public void LanternRebuildForcesABuild()
    {
        Launch();
        Age();

        Assert.Equal("build 2: --version\n", Launch(new Dictionary<string, string?> { ["LANTERN_REBUILD"] = "1" }, "--version"));
    }

    private string Repo(string relative) => Path.Combine(_dir.Path, relative);

    private int Builds() => File.ReadAllLines(Repo("builds.log")).Length;

    /// <summary>
    /// Moves every time stamp of the scratch repository 10 s into the past, so that a change made next is newer than
    /// the build stamp even with the file system's coarse clock.
    /// </summary>
    private void Age()
    {
        DateTime past = DateTime.UtcNow.AddSeconds(-10);
        foreach (string path in Directory.EnumerateFileSystemEntries(_dir.Path, "*", SearchOption.AllDirectories))
        {
            if (File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint))
            {
                continue; // .build/lantern: a symlink (the time of its target is set through its own path)
            }

            if (Directory.Exists(path))
            {
                Directory.SetLastWriteTimeUtc(path, past);
            }
            else
            {
                File.SetLastWriteTimeUtc(path, past);
            }
        }

        // the stamp after the sources: their directories' times did not change the stamp
        File.SetLastWriteTimeUtc(Repo(".build/lantern.stamp"), past.AddSeconds(1));
    }

    private string Launch(params string[] args) => Launch(null, args);

    private string Launch(Dictionary<string, string?>? environment, params string[] args)
    {
        var env = new Dictionary<string, string?>
        {
            ["PATH"] = Repo("fakebin") + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["FAKE_LOG"] = Repo("builds.log"),
            ["LANTERN_REBUILD"] = null,
        };
        foreach ((string key, string? value) in environment ?? new())
        {
            env[key] = value;
        }

        ProcessResult result = LanternProcess.RunProcess(Repo("lantern"), args, environment: env, workingDirectory: _dir.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }
}
