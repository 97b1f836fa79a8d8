using System.Text;
using Lantern.C;
using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Preprocess;

namespace Lantern.Cli;

/// <summary>
/// Compiles the C program of a command (<c>run</c>, <c>compile</c>, <c>dbg</c>, <c>prof</c>) and reports like a C
/// compiler: checks that the file can be read, compiles it with the <c>-I</c>/<c>-D</c>/<c>-U</c> options, prints
/// the diagnostics on stderr (the severity coloured on a terminal) and hands back the module. Exit statuses: 0, 1
/// (<see cref="LanternCommand.ExitCompileError"/>: the file cannot be read or the program has errors), 70 (an
/// internal compiler error, reported by <see cref="InternalError"/>).
/// </summary>
internal static class ProgramCompiler
{
    /// <summary>The compiler's options for the command-line's <c>-I DIR</c>, <c>-D NAME[=VALUE]</c>, <c>-U NAME</c>.</summary>
    public static CompileOptions Options(IEnumerable<string> includePaths, IEnumerable<string> defines, IEnumerable<string> undefines)
    {
        var compile = new CompileOptions();
        PreprocessorOptions pp = compile.Preprocessor;
        pp.IncludePaths.AddRange(includePaths);
        foreach (string d in defines)
        {
            int eq = d.IndexOf('=');
            pp.Defines.Add(eq < 0 ? (d, null) : (d[..eq], d[(eq + 1)..]));
        }

        pp.Undefines.AddRange(undefines);
        return compile;
    }

    /// <summary>
    /// Checks <paramref name="file"/>, compiles it and prints all diagnostics; returns 0 (with the module, or
    /// none when <see cref="CompileOptions.PreprocessOnly"/>), 1 or 70.
    /// </summary>
    public static int Compile(string file, CompileOptions options, out IrModule? module)
    {
        module = null;
        if (!CheckReadable(file))
        {
            return LanternCommand.ExitCompileError;
        }

        CompileResult result;
        try
        {
            result = CCompiler.CompileFile(file, options);
            StartupTrace.Mark("compiled to IR");
        }
        catch (Exception e)
        {
            return InternalError.Report(e, "internal compiler error");
        }

        PrintDiagnostics(result.Diagnostics);
        module = result.Module;
        bool ok = options.PreprocessOnly ? !result.Diagnostics.HasErrors : result.Success;
        return ok ? 0 : LanternCommand.ExitCompileError;
    }

    /// <summary>Reports an unreadable input like a C compiler: <c>lantern: error: cannot open 'x.c': No such file or directory</c>.</summary>
    public static bool CheckReadable(string path)
    {
        string? problem = null;
        if (Directory.Exists(path))
        {
            problem = "Is a directory";
        }
        else if (!File.Exists(path))
        {
            problem = "No such file or directory";
        }
        else
        {
            try
            {
                using FileStream s = File.OpenRead(path);
            }
            catch (UnauthorizedAccessException)
            {
                problem = "Permission denied";
            }
            catch (IOException e)
            {
                problem = e.Message;
            }
        }

        if (problem is not null)
        {
            Terminal.Error($"cannot open '{path}': {problem}");
            return false;
        }

        return true;
    }

    /// <summary>Prints the diagnostics on stderr in one write, the severity of each coloured on a terminal.</summary>
    public static void PrintDiagnostics(DiagnosticBag diagnostics)
    {
        if (diagnostics.Items.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        foreach (Diagnostic d in diagnostics.Items)
        {
            sb.Append(Terminal.ColorDiagnostic(d.Format()));
        }

        Terminal.WriteError(sb.ToString());
    }
}
