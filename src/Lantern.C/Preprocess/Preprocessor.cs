using Lantern.C.Diagnostics;
using Lantern.C.Lex;

namespace Lantern.C.Preprocess;

/// <summary>Options of the preprocessor (from -I, -D, -U).</summary>
public sealed class PreprocessorOptions
{
    /// <summary>Directories searched for #include "..." (after the including file's directory) and &lt;...&gt;.</summary>
    public List<string> IncludePaths { get; } = new();

    /// <summary>-D NAME or -D NAME=VALUE, in command-line order (value null means "1").</summary>
    public List<(string Name, string? Value)> Defines { get; } = new();

    /// <summary>-U NAME, applied after the defines.</summary>
    public List<string> Undefines { get; } = new();

    /// <summary>Directory of Lantern's own C library headers (searched after IncludePaths for &lt;...&gt;).</summary>
    public string? SystemIncludeDirectory { get; set; }
}

/// <summary>PLACEHOLDER — replaced by the preprocessor work.</summary>
public sealed class Preprocessor
{
    public Preprocessor(PreprocessorOptions options, DiagnosticBag diagnostics)
    {
        Options = options;
        Diagnostics = diagnostics;
    }

    public PreprocessorOptions Options { get; }

    public DiagnosticBag Diagnostics { get; }

    /// <summary>All files read so far (index = SourceFile.Id).</summary>
    public List<SourceFile> Files { get; } = new();

    /// <summary>Preprocesses a file; returns the program's tokens ending with EndOfFile.</summary>
    public List<Token> PreprocessFile(string path) => throw new NotImplementedException("preprocessor not written yet");

    /// <summary>Preprocesses source text given as a string (REPL, tests).</summary>
    public List<Token> PreprocessText(string name, string text) => throw new NotImplementedException("preprocessor not written yet");
}
