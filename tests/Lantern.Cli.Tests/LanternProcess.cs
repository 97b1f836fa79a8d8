using System.Diagnostics;
using System.Text;

namespace Lantern.Cli.Tests;

/// <summary>What a finished child process did.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real CLI as a child process through the repository's <c>./lantern</c> script (which builds the
/// Release CLI when the sources changed), the way a user runs it.
/// </summary>
public static class LanternProcess
{
    private static readonly Lazy<string> s_repositoryRoot = new(FindRepositoryRoot);

    /// <summary>The repository root (the directory holding Lantern.slnx), found upwards from the test assembly.</summary>
    public static string RepositoryRoot => s_repositoryRoot.Value;

    /// <summary>The <c>./lantern</c> launcher script.</summary>
    public static string Launcher => Path.Combine(RepositoryRoot, "lantern");

    /// <summary>Runs <c>./lantern args...</c>; NO_COLOR and LANTERN_DEBUG are cleared unless given in <paramref name="environment"/>.</summary>
    public static ProcessResult Run(
        IEnumerable<string> args,
        string? stdin = null,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        int timeoutSeconds = 120)
    {
        return RunProcess(Launcher, args, stdin, environment, workingDirectory, timeoutSeconds);
    }

    public static ProcessResult Run(params string[] args) => Run((IEnumerable<string>)args);

    /// <summary>Runs any program (gcc, a compiled binary, script(1)) with the same conventions.</summary>
    public static ProcessResult RunProcess(
        string fileName,
        IEnumerable<string> args,
        string? stdin = null,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        int timeoutSeconds = 120)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Remove("NO_COLOR");
        info.Environment.Remove("LANTERN_DEBUG");
        if (environment is not null)
        {
            foreach ((string key, string? value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading all its input.
        }

        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Runs <c>env -u NAME command...</c> (<paramref name="value"/> null) or <c>env NAME=value command...</c> in
    /// <paramref name="workingDirectory"/>: the command starts with the variable unset or set as a user would have it.
    /// </summary>
    public static ProcessResult RunWithVariable(string name, string? value, IEnumerable<string> command, string workingDirectory)
    {
        List<string> args = value is null ? ["-u", name] : [name + "=" + value];
        args.AddRange(command);
        return RunProcess("env", args, workingDirectory: workingDirectory);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lantern.slnx")) && File.Exists(Path.Combine(dir.FullName, "lantern")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Lantern.slnx) above " + AppContext.BaseDirectory);
    }
}
