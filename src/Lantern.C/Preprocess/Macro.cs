using Lantern.C.Diagnostics;
using Lantern.C.Lex;

namespace Lantern.C.Preprocess;

/// <summary>A macro definition.</summary>
internal sealed class Macro(string name, SourceLocation location)
{
    public string Name { get; } = name;

    /// <summary>Where the macro was defined (its name in the #define line).</summary>
    public SourceLocation Location { get; } = location;

    public bool FunctionLike { get; set; }

    /// <summary>Parameter names; for a variadic macro the last one is <c>__VA_ARGS__</c> (or the GNU named variadic parameter).</summary>
    public string[] Params { get; set; } = Array.Empty<string>();

    public bool Variadic { get; set; }

    /// <summary>The replacement list.</summary>
    public List<Token> Body { get; set; } = new();

    /// <summary>For each body token, the index of the parameter it names, or -1.</summary>
    public int[] ParamIndex { get; set; } = Array.Empty<int>();

    /// <summary>The replacement list contains ##.</summary>
    public bool HasPaste { get; set; }

    /// <summary>Set for the dynamic macros (__FILE__, __LINE__, ...): produces the replacement token for a use.</summary>
    public Func<Token, Token>? Builtin { get; set; }

    /// <summary>True when <paramref name="other"/> is the same definition (C11 6.10.3p2: identical parameters and replacement list).</summary>
    public bool SameDefinition(Macro other)
    {
        if (FunctionLike != other.FunctionLike || Variadic != other.Variadic || Body.Count != other.Body.Count
            || Params.Length != other.Params.Length || Builtin is not null || other.Builtin is not null)
        {
            return false;
        }

        for (int i = 0; i < Params.Length; i++)
        {
            if (Params[i] != other.Params[i])
            {
                return false;
            }
        }

        for (int i = 0; i < Body.Count; i++)
        {
            Token a = Body[i];
            Token b = other.Body[i];
            if (a.Kind != b.Kind || a.Text != b.Text || (i > 0 && a.HasSpace != b.HasSpace))
            {
                return false;
            }
        }

        return true;
    }
}
