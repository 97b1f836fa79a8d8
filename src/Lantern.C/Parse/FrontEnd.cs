using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Lex;
using Lantern.C.Lower;

namespace Lantern.C.Parse;

/// <summary>The C front end: parse and type-check a translation unit, then lower it to IR.</summary>
public static class FrontEnd
{
    /// <summary>Time spent parsing and type-checking in the last <see cref="Compile"/> on this thread.</summary>
    [ThreadStatic]
    public static TimeSpan LastParseTime;

    /// <summary>Time spent lowering to IR in the last <see cref="Compile"/> on this thread.</summary>
    [ThreadStatic]
    public static TimeSpan LastLowerTime;

    /// <summary>
    /// Parses and type-checks the preprocessed tokens of one translation unit and lowers it to IR, taking the tokens
    /// from <paramref name="tokens"/> (set to null: they are garbage once parsed).
    /// Errors go to <paramref name="diagnostics"/>; returns null when there were errors.
    /// </summary>
    /// <remarks>
    /// No GC-free region for big units (there was one, sized ~600 bytes per token): pre-committed, it made every
    /// allocation of the parser, the lowering and the JIT land on fresh pages, a page fault each on this VM; without
    /// it the GC reuses memory, and <c>lantern run</c> of bench/frontend's 56k lines takes 0.89 s of CPU, not 1.05 s.
    /// </remarks>
    public static IrModule? Compile(ref List<Token>? tokens, DiagnosticBag diagnostics)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var parser = new Parser(tokens!, diagnostics);
        tokens = null; // the caller's reference too: the tokens are dropped once parsed (Parser.ReleaseTokens)
        parser.ParseTranslationUnit();
        parser.FinishUnit();
        parser.ReleaseTokens();
        long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
        LastParseTime = System.Diagnostics.Stopwatch.GetElapsedTime(t0, t1);
        StartupTrace.Mark("parsed");
        if (diagnostics.HasErrors)
        {
            return null;
        }

        var lowerer = new Lowerer(parser, diagnostics);
        IrModule module = lowerer.LowerUnit();
        LastLowerTime = System.Diagnostics.Stopwatch.GetElapsedTime(t1);
        return diagnostics.HasErrors ? null : module;
    }
}
