namespace Lantern.C.Lex;

/// <summary>
/// Interns identifier and number spellings so that equal spellings share one string and lexing does not
/// allocate a new string for every occurrence of a name. Not thread-safe: use one pool per compilation.
/// </summary>
public sealed class StringPool
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool()
    {
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Returns the pooled string equal to <paramref name="span"/>, adding it on first use.</summary>
    public string Intern(ReadOnlySpan<char> span)
    {
        if (_lookup.TryGetValue(span, out string? s))
        {
            return s;
        }

        s = span.ToString();
        _strings.Add(s, s);
        return s;
    }

    /// <summary>Returns the pooled string equal to <paramref name="s"/>.</summary>
    public string Intern(string s)
    {
        if (_strings.TryGetValue(s, out string? pooled))
        {
            return pooled;
        }

        _strings.Add(s, s);
        return s;
    }
}
