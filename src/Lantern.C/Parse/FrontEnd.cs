using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Lex;
using Lantern.C.Lower;

namespace Lantern.C.Parse;

/// <summary>The C front end: parse and type-check a translation unit, then lower it to IR.</summary>
public static class FrontEnd
{
    /// <summary>
    /// Parses and type-checks the preprocessed tokens of one translation unit and lowers it to IR.
    /// Errors go to <paramref name="diagnostics"/>; returns null when there were errors.
    /// </summary>
    public static IrModule? Compile(List<Token> tokens, DiagnosticBag diagnostics)
    {
        var parser = new Parser(tokens, diagnostics);
        parser.ParseTranslationUnit();
        parser.FinishUnit();
        if (diagnostics.HasErrors)
        {
            return null;
        }

        var lowerer = new Lowerer(parser, diagnostics);
        IrModule module = lowerer.LowerUnit();
        return diagnostics.HasErrors ? null : module;
    }
}
