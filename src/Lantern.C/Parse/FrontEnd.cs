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
    /// Parses and type-checks the preprocessed tokens of one translation unit and lowers it to IR.
    /// Errors go to <paramref name="diagnostics"/>; returns null when there were errors.
    /// </summary>
    public static IrModule? Compile(List<Token> tokens, DiagnosticBag diagnostics)
    {
        // Nearly everything the front end allocates (AST, IR) survives until the end, so generational GCs
        // only copy live data around. For big units, ask for a GC-free region sized from the token count.
        bool noGc = false;
        if (tokens.Count > 50_000 && Interlocked.CompareExchange(ref s_noGcActive, 1, 0) == 0)
        {
            try
            {
                noGc = GC.TryStartNoGCRegion(Math.Min(tokens.Count * 600L, 1L << 30));
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
            {
            }

            if (!noGc)
            {
                Volatile.Write(ref s_noGcActive, 0);
            }
        }

        try
        {
            return CompileCore(tokens, diagnostics);
        }
        finally
        {
            if (noGc)
            {
                try
                {
                    if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                    {
                        GC.EndNoGCRegion();
                    }
                }
                catch (InvalidOperationException)
                {
                    // the region ended early because the budget was exceeded
                }

                Volatile.Write(ref s_noGcActive, 0);
            }
        }
    }

    private static int s_noGcActive;

    private static IrModule? CompileCore(List<Token> tokens, DiagnosticBag diagnostics)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var parser = new Parser(tokens, diagnostics);
        parser.ParseTranslationUnit();
        parser.FinishUnit();
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
