using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Lex;
using Lantern.C.Lower;
using Lantern.C.Parse;
using Lantern.C.Preprocess;

namespace Lantern.C;

/// <summary>What <see cref="CCompiler"/> should do besides compiling: the verifier and the dump switches.</summary>
public sealed class CompileOptions
{
    public PreprocessorOptions Preprocessor { get; } = new();

    /// <summary>Run <see cref="IrVerifier"/> after lowering (on by default; a failure is a compiler bug).</summary>
    public bool Verify { get; set; } = true;

    /// <summary>Stop after preprocessing (like <c>cc -E</c>): no parse, no module; only diagnostics.</summary>
    public bool PreprocessOnly { get; set; }

    /// <summary>
    /// Called with the preprocessed tokens when the preprocessor reported no error (<c>--dump=tokens</c>). The
    /// tokens are dropped once parsed: print or copy them here.
    /// </summary>
    public Action<List<Token>>? DumpTokens { get; set; }

    /// <summary>Called with the module once lowered and verified (<c>--dump=ir</c>).</summary>
    public Action<IrModule>? DumpIr { get; set; }
}

/// <summary>The result of compiling one translation unit.</summary>
public sealed class CompileResult
{
    public required DiagnosticBag Diagnostics { get; init; }

    public IrModule? Module { get; init; }

    /// <summary>A module was made (never with <see cref="CompileOptions.PreprocessOnly"/>) and no error reported.</summary>
    public bool Success => Module is not null && !Diagnostics.HasErrors;
}

/// <summary>
/// The C compiler's pipeline, written out literally (QBE style): preprocess (<see cref="Preprocessor"/>) → parse and
/// type-check (<see cref="Parser.ParseUnit"/>) → lower to IR (<see cref="Lowerer"/>) → verify
/// (<see cref="IrVerifier"/>), each phase one step of <c>Compile</c>, stopping at the first phase with errors; the
/// dump switches of <see cref="CompileOptions"/> see the tokens and the IR between the phases.
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
        try
        {
            var pp = new Preprocessor(options.Preprocessor, diagnostics);
            StartupTrace.Mark("preprocessor ready");
            List<Token>? tokens = preprocess(pp);
            pp.ReleaseTokens();
            StartupTrace.Mark("preprocessed");
            if (diagnostics.HasErrors)
            {
                return WithoutModule(diagnostics);
            }

            options.DumpTokens?.Invoke(tokens);
            if (options.PreprocessOnly)
            {
                return WithoutModule(diagnostics);
            }

            Parser unit = Parser.ParseUnit(ref tokens, diagnostics); // the tokens are dropped once parsed
            StartupTrace.Mark("parsed");
            if (diagnostics.HasErrors)
            {
                return WithoutModule(diagnostics);
            }

            IrModule module = new Lowerer(unit, diagnostics).LowerUnit();
            if (diagnostics.HasErrors)
            {
                return WithoutModule(diagnostics);
            }

            module.Files.Clear();
            module.Files.AddRange(pp.Files);
            if (options.Verify)
            {
                Verify(module);
            }

            options.DumpIr?.Invoke(module);
            return new CompileResult { Diagnostics = diagnostics, Module = module };
        }
        catch (TooManyErrorsException)
        {
            diagnostics.Note(SourceLocation.None, "too many errors; stopping");
        }
        catch (CompilationAbortedException)
        {
        }

        return WithoutModule(diagnostics);
    }

    private static CompileResult WithoutModule(DiagnosticBag diagnostics) => new() { Diagnostics = diagnostics };

    /// <summary>Throws when the IR breaks an invariant of <see cref="IrVerifier"/>: a compiler bug, never the program's.</summary>
    private static void Verify(IrModule module)
    {
        List<string> problems = IrVerifier.Verify(module);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("IR verification failed (compiler bug):\n" + string.Join("\n", problems));
        }
    }
}
