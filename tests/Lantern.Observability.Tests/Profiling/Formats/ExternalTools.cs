namespace Lantern.Observability.Tests.Profiling.Formats;

/// <summary>
/// The external readers of the profile formats: node scripts in tests/tools/node (their npm packages are installed
/// by scripts/test with npm ci) and go tool pprof (Debian golang-go, also installed by scripts/test). A missing
/// tool fails the test.
/// </summary>
internal static class ExternalTools
{
    /// <summary>tests/tools/node of the repository these tests were built from.</summary>
    public static string NodeDirectory
    {
        get
        {
            for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
            {
                if (File.Exists(Path.Combine(directory, "Lantern.slnx")))
                {
                    return Path.Combine(directory, "tests", "tools", "node");
                }
            }

            throw new InvalidOperationException($"no Lantern.slnx above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Runs tests/tools/node/<paramref name="script"/> with node; fails when node or the npm packages are missing.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Node(string script, params string[] arguments)
    {
        string directory = NodeDirectory;
        if (!Directory.Exists(Path.Combine(directory, "node_modules")))
        {
            Assert.Fail($"{directory}/node_modules is missing: run scripts/test, or `npm ci` in {directory}");
        }

        return ToolRunner.Run("node", "nodejs", [Path.Combine(directory, script), .. arguments]);
    }

    /// <summary>Writes <paramref name="bytes"/> to a temporary file with <paramref name="suffix"/>.</summary>
    public static TempFile Temp(byte[] bytes, string suffix) => ToolRunner.WriteTemp(bytes, suffix, prefix: "lantern-prof-");
}
