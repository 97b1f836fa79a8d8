namespace Lantern.C.Diagnostics;

/// <summary>
/// A source file's text, kept so diagnostics can quote the offending line.
/// </summary>
public sealed class SourceFile(string path, string text, int id)
{
    private int[]? _lineStarts;

    /// <summary>The path as the user or the #include named it.</summary>
    public string Path { get; } = path;

    public string Text { get; } = text;

    /// <summary>Index of this file in the compilation's file table (0 = main file).</summary>
    public int Id { get; } = id;

    /// <summary>Returns the 1-based line's text without its newline, or "" when out of range.</summary>
    public string GetLineText(int line)
    {
        int[] starts = GetLineStarts();
        if (line < 1 || line > starts.Length)
        {
            return "";
        }

        int start = starts[line - 1];
        int end = start;
        while (end < Text.Length && Text[end] != '\n' && Text[end] != '\r')
        {
            end++;
        }

        return Text.Substring(start, end - start);
    }

    private int[] GetLineStarts()
    {
        if (_lineStarts is null)
        {
            var starts = new List<int> { 0 };
            for (int i = 0; i < Text.Length; i++)
            {
                if (Text[i] == '\n')
                {
                    starts.Add(i + 1);
                }
            }

            _lineStarts = starts.ToArray();
        }

        return _lineStarts;
    }
}

/// <summary>
/// A position in the source: file, 1-based line and 1-based column.
/// <see cref="DisplayPath"/>/<see cref="DisplayLine"/> reflect <c>#line</c>; <see cref="File"/>/<see cref="Line"/>
/// are the physical position used to quote the source text.
/// </summary>
public readonly record struct SourceLocation(SourceFile? File, int Line, int Column, string? LineDirectivePath = null, int LineDelta = 0)
{
    public static readonly SourceLocation None = default;

    public bool IsNone => File is null;

    /// <summary>The file name to print (after #line).</summary>
    public string DisplayPath => LineDirectivePath ?? File?.Path ?? "<unknown>";

    /// <summary>The line number to print (after #line).</summary>
    public int DisplayLine => Line + LineDelta;

    public override string ToString() => $"{DisplayPath}:{DisplayLine}:{Column}";
}
