using System.Diagnostics;

namespace Lantern.Observability.Tests;

/// <summary>Runs external tools for verification tests; a missing tool fails the test naming its Debian package.</summary>
internal static class ToolRunner
{
    /// <summary>Runs <paramref name="tool"/> with <paramref name="arguments"/>; returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string tool, string debianPackage, params string[] arguments)
    {
        string? path = Find(tool);
        if (path is null)
        {
            Assert.Fail($"'{tool}' is not installed: install the Debian package '{debianPackage}' (apt-get install {debianPackage})");
        }

        var info = new ProcessStartInfo(path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} timed out");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string? Find(string tool)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Writes <paramref name="bytes"/> to a fresh temporary file (mode 0600) and returns it.</summary>
    public static TempFile WriteTemp(byte[] bytes, string suffix, string prefix = "lantern-dwarf-")
    {
        TempFile file = TempFile.Create(prefix: prefix, suffix: suffix);
        file.Stream.Write(bytes);
        file.Stream.Flush();
        return file;
    }
}
