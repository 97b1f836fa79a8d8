namespace Lantern.Cli.Tests.Tools;

/// <summary>Finds the external tools the publisher tests drive (a missing one fails naming its Debian package) and checks their output.</summary>
internal static class ToolCheck
{
    public static string Require(string tool, string debianPackage)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"'{tool}' is not installed: install the Debian package '{debianPackage}' (apt-get install {debianPackage})");
        return tool;
    }

    /// <summary>Asserts that <paramref name="pattern"/> matches, showing the whole transcript otherwise.</summary>
    public static void Has(string transcript, string pattern)
        => Assert.True(System.Text.RegularExpressions.Regex.IsMatch(transcript, pattern), $"/{pattern}/ not found in:\n{transcript}");

    /// <summary>Asserts that <paramref name="text"/> occurs, showing the whole transcript otherwise.</summary>
    public static void HasText(string transcript, string text)
        => Assert.True(transcript.Contains(text, StringComparison.Ordinal), $"'{text}' not found in:\n{transcript}");

    /// <summary>Drops gdb's thread chatter so that failures show the interesting part.</summary>
    public static string Clean(ProcessResult r) => string.Join('\n', (r.Stdout + r.Stderr).Split('\n')
        .Where(l => !l.StartsWith("[New Thread", StringComparison.Ordinal) && !l.StartsWith("[Thread", StringComparison.Ordinal)));

    /// <summary>A CPU-bound C program for the profilers: <c>main</c> calls <c>burn(n)</c> <paramref name="rounds"/> times and prints the sum.</summary>
    public static string BurnProgram(int rounds, int n) => $$"""
        #include <stdio.h>
        long burn(long n)
        {
            long s = 0;
            for (long i = 0; i < n; i++) {
                s += i * i % 7;
            }
            return s;
        }
        int main(void)
        {
            long t = 0;
            for (int k = 0; k < {{rounds}}; k++) {
                t += burn({{n}});
            }
            printf("%ld\n", t);
            return 0;
        }
        """;
}
