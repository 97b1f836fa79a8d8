using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Lex;
using Lantern.C.Parse;
using Lantern.C.Preprocess;

namespace Lantern.C;

/// <summary>What <see cref="CCompiler"/> should do besides compiling.</summary>
public sealed class CompileOptions
{
    public PreprocessorOptions Preprocessor { get; } = new();

    /// <summary>Run <see cref="IrVerifier"/> after lowering (on by default; a failure is a compiler bug).</summary>
    public bool Verify { get; set; } = true;
}

/// <summary>The result of compiling one translation unit.</summary>
public sealed class CompileResult
{
    public required DiagnosticBag Diagnostics { get; init; }

    public IrModule? Module { get; init; }

    public bool Success => Module is not null && !Diagnostics.HasErrors;
}

/// <summary>
/// The C compiler's pipeline, written out literally (QBE style):
/// preprocess → parse and type-check → lower to IR → verify.
/// Never throws for a bad program: every problem is a diagnostic.
/// </summary>
public static class CCompiler
{
    /// <summary>The directory of Lantern's C library headers shipped next to the assembly.</summary>
    public static string DefaultIncludeDirectory => Path.Combine(AppContext.BaseDirectory, "include");

    public static CompileResult CompileFile(string path, CompileOptions options) =>
        Compile(pp => pp.PreprocessFile(path), options);

    public static CompileResult CompileText(string name, string text, CompileOptions options) =>
        Compile(pp => pp.PreprocessText(name, text), options);

    private static CompileResult Compile(Func<Preprocessor, List<Token>> preprocess, CompileOptions options)
    {
        var diagnostics = new DiagnosticBag();
        options.Preprocessor.SystemIncludeDirectory ??= DefaultIncludeDirectory;
        List<Token>? tokens = null;
        IrModule? module = null;
        try
        {
            var pp = new Preprocessor(options.Preprocessor, diagnostics);
            StartupTrace.Mark("preprocessor ready");
            tokens = preprocess(pp);
            pp.ReleaseTokens();
            StartupTrace.Mark("preprocessed");
            if (diagnostics.HasErrors)
            {
                return new CompileResult { Diagnostics = diagnostics };
            }

            module = FrontEnd.Compile(ref tokens, diagnostics);
            if (module is not null)
            {
                module.Files.Clear();
                module.Files.AddRange(pp.Files);
            }
        }
        catch (TooManyErrorsException)
        {
            diagnostics.Note(SourceLocation.None, "too many errors; stopping");
        }
        catch (CompilationAbortedException)
        {
        }

        if (module is not null && options.Verify && !diagnostics.HasErrors)
        {
            List<string> problems = IrVerifier.Verify(module);
            if (problems.Count > 0)
            {
                throw new InvalidOperationException("IR verification failed (compiler bug):\n" + string.Join("\n", problems));
            }
        }

        return new CompileResult { Diagnostics = diagnostics, Module = diagnostics.HasErrors ? null : module };
    }
}
