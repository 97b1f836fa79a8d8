using Lantern.C.Interp;
using Xunit;
using Xunit.Abstractions;

namespace Lantern.C.Tests.Interp;

/// <summary>
/// Runs the c-testsuite corpus (NNNNN.c with NNNNN.c.expected stdout) through the front end and the
/// interpreter in process. A program passes when it compiles, exits 0 and prints exactly the expected text.
/// </summary>
[Collection("native stdout")]
public class CTestSuiteTests
{
    private const int Required = 210;

    private readonly ITestOutputHelper _output;

    public CTestSuiteTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>The corpus folder: $LANTERN_CORPUS, or shared/corpus/c-testsuite/single-exec beside an ancestor directory.</summary>
    internal static string? FindCorpus()
    {
        string? env = Environment.GetEnvironmentVariable("LANTERN_CORPUS");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "corpus", "c-testsuite", "single-exec");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [Fact]
    public void CorpusPassesEndToEnd()
    {
        string? dir = FindCorpus();
        if (dir is null)
        {
            _output.WriteLine("c-testsuite corpus not found; set LANTERN_CORPUS");
            return;
        }

        int passed = 0;
        var failures = new List<string>();
        foreach (string file in Directory.GetFiles(dir, "*.c").OrderBy(f => f, StringComparer.Ordinal))
        {
            string expected = File.Exists(file + ".expected") ? File.ReadAllText(file + ".expected") : "";
            string name = Path.GetFileNameWithoutExtension(file);
            CompileResult result;
            try
            {
                result = CCompiler.CompileFile(file, new CompileOptions());
            }
            catch (Exception e)
            {
                failures.Add($"{name}: compiler exception {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                continue;
            }

            if (!result.Success)
            {
                failures.Add($"{name}: compile error: {result.Diagnostics.FormatAll().Split('\n')[0]}");
                continue;
            }

            var interp = new Interpreter(result.Module!);
            var (status, output) = NativeStdout.Capture(() => interp.Run(file, Array.Empty<string>()));
            if (status != 0)
            {
                failures.Add($"{name}: exit {status} {interp.LastError}");
            }
            else if (output != expected)
            {
                failures.Add($"{name}: wrong output");
            }
            else
            {
                passed++;
            }
        }

        foreach (string f in failures)
        {
            _output.WriteLine(f);
        }

        _output.WriteLine($"{passed} passed, {failures.Count} failed");
        Assert.True(passed >= Required, $"{passed} passed (need {Required}); failures:\n" + string.Join("\n", failures));
    }
}
