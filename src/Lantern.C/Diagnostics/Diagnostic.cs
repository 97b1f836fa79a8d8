using System.Text;

namespace Lantern.C.Diagnostics;

public enum DiagnosticSeverity
{
    Note,
    Warning,
    Error,
}

/// <summary>One message about the program, tied to a source position.</summary>
public sealed record Diagnostic(DiagnosticSeverity Severity, SourceLocation Location, string Message)
{
    /// <summary>
    /// Formats as <c>file:line:col: error: message</c>, then the source line and a caret under the column.
    /// </summary>
    public string Format()
    {
        var sb = new StringBuilder();
        string severity = Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "note",
        };
        if (Location.IsNone)
        {
            sb.Append("lantern: ").Append(severity).Append(": ").Append(Message).Append('\n');
            return sb.ToString();
        }

        sb.Append(Location.ToString()).Append(": ").Append(severity).Append(": ").Append(Message).Append('\n');
        string line = Location.File!.GetLineText(Location.Line);
        sb.Append(line).Append('\n');
        // Reproduce tabs so the caret lines up under the column.
        int col = Math.Max(1, Location.Column);
        for (int i = 0; i < col - 1; i++)
        {
            sb.Append(i < line.Length && line[i] == '\t' ? '\t' : ' ');
        }

        sb.Append('^').Append('\n');
        return sb.ToString();
    }
}

/// <summary>
/// Collects diagnostics. Compilation stops after <see cref="MaxErrors"/> errors.
/// </summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = new();

    public int MaxErrors { get; set; } = 20;

    public IReadOnlyList<Diagnostic> Items => _items;

    public int ErrorCount { get; private set; }

    public bool HasErrors => ErrorCount > 0;

    /// <summary>Records an error; throws <see cref="TooManyErrorsException"/> once <see cref="MaxErrors"/> is reached.</summary>
    public void Error(SourceLocation location, string message)
    {
        _items.Add(new Diagnostic(DiagnosticSeverity.Error, location, message));
        ErrorCount++;
        if (ErrorCount >= MaxErrors)
        {
            throw new TooManyErrorsException();
        }
    }

    public void Warning(SourceLocation location, string message)
    {
        _items.Add(new Diagnostic(DiagnosticSeverity.Warning, location, message));
    }

    public void Note(SourceLocation location, string message)
    {
        _items.Add(new Diagnostic(DiagnosticSeverity.Note, location, message));
    }

    public string FormatAll()
    {
        var sb = new StringBuilder();
        foreach (Diagnostic d in _items)
        {
            sb.Append(d.Format());
        }

        return sb.ToString();
    }
}

/// <summary>Thrown to stop compiling once too many errors were reported.</summary>
public sealed class TooManyErrorsException : Exception
{
    public TooManyErrorsException()
        : base("too many errors")
    {
    }
}

/// <summary>
/// Thrown by a compiler phase to abandon the compilation after a fatal error that was already recorded
/// in the <see cref="DiagnosticBag"/> (e.g. a missing #include file, #error). Never escapes <c>CCompiler</c>.
/// </summary>
public sealed class CompilationAbortedException : Exception
{
    public CompilationAbortedException()
        : base("compilation aborted")
    {
    }
}
