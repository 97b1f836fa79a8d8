using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Lex;

namespace Lantern.C.Parse;

/// <summary>PLACEHOLDER — replaced by the parser/lowering work.</summary>
public static class FrontEnd
{
    /// <summary>
    /// Parses and type-checks the preprocessed tokens of one translation unit and lowers it to IR.
    /// Errors go to <paramref name="diagnostics"/>; returns null when there were errors.
    /// </summary>
    public static IrModule? Compile(List<Token> tokens, DiagnosticBag diagnostics) =>
        throw new NotImplementedException("front end not written yet");
}
