using System.Text;

namespace Lantern.Cli.Dbg;

/// <summary>
/// A small line editor for the interactive prompt (raw key input through <see cref="Console.ReadKey(bool)"/>):
/// left/right, Home/End (Ctrl-A/Ctrl-E), Backspace/Delete, Ctrl-K/Ctrl-U/Ctrl-W, history with Up/Down (kept in
/// <c>~/.lantern_dbg_history</c>), Ctrl-D on an empty line ends input, Ctrl-C abandons the line.
/// </summary>
internal sealed class LineEditor
{
    private const int HistoryLimit = 500;
    private readonly List<string> _history = new();
    private readonly string? _historyFile;

    public LineEditor()
    {
        string? home = Environment.GetEnvironmentVariable("HOME");
        _historyFile = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".lantern_dbg_history");
        try
        {
            if (_historyFile is not null && File.Exists(_historyFile))
            {
                _history.AddRange(File.ReadAllLines(_historyFile).TakeLast(HistoryLimit));
                const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                    | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
                if ((File.GetUnixFileMode(_historyFile) & others) != 0)
                {
                    File.SetUnixFileMode(_historyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Reads one line after <paramref name="prompt"/>; null at end of input.</summary>
    public string? ReadLine(string prompt)
    {
        Terminal.Out.Write(prompt);
        Terminal.Out.Flush();
        var line = new StringBuilder();
        int cursor = 0;
        int historyIndex = _history.Count;
        string pending = "";
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            bool control = (key.Modifiers & ConsoleModifiers.Control) != 0;

            // Emacs keys: Ctrl-A/E/B/F are Home/End/Left/Right, Ctrl-D on a non-empty line is Delete.
            ConsoleKey editKey = !control ? key.Key : key.Key switch
            {
                ConsoleKey.A => ConsoleKey.Home,
                ConsoleKey.E => ConsoleKey.End,
                ConsoleKey.B => ConsoleKey.LeftArrow,
                ConsoleKey.F => ConsoleKey.RightArrow,
                ConsoleKey.D when line.Length > 0 => ConsoleKey.Delete,
                _ => key.Key,
            };
            switch (editKey)
            {
                case ConsoleKey.Enter:
                    Terminal.Out.Write("\n");
                    Terminal.Out.Flush();
                    string result = line.ToString();
                    Remember(result);
                    return result;
                case ConsoleKey.Backspace:
                    if (cursor > 0)
                    {
                        line.Remove(cursor - 1, 1);
                        cursor--;
                    }

                    break;
                case ConsoleKey.Delete:
                    if (cursor < line.Length)
                    {
                        line.Remove(cursor, 1);
                    }

                    break;
                case ConsoleKey.LeftArrow:
                    cursor = Math.Max(0, cursor - 1);
                    break;
                case ConsoleKey.RightArrow:
                    cursor = Math.Min(line.Length, cursor + 1);
                    break;
                case ConsoleKey.Home:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                    cursor = line.Length;
                    break;
                case ConsoleKey.UpArrow:
                case ConsoleKey.DownArrow:
                    {
                        if (historyIndex == _history.Count)
                        {
                            pending = line.ToString();
                        }

                        historyIndex = key.Key == ConsoleKey.UpArrow ? Math.Max(0, historyIndex - 1) : Math.Min(_history.Count, historyIndex + 1);
                        line.Clear().Append(historyIndex == _history.Count ? pending : _history[historyIndex]);
                        cursor = line.Length;
                        break;
                    }

                default:
                    if (control)
                    {
                        switch (key.Key)
                        {
                            case ConsoleKey.K:
                                line.Length = cursor;
                                break;
                            case ConsoleKey.U:
                                line.Remove(0, cursor);
                                cursor = 0;
                                break;
                            case ConsoleKey.W:
                                {
                                    int start = cursor;
                                    while (start > 0 && line[start - 1] == ' ')
                                    {
                                        start--;
                                    }

                                    while (start > 0 && line[start - 1] != ' ')
                                    {
                                        start--;
                                    }

                                    line.Remove(start, cursor - start);
                                    cursor = start;
                                    break;
                                }

                            case ConsoleKey.D: // on an empty line (on a non-empty one it is Delete, above)
                                Terminal.Out.Write("quit\n");
                                Terminal.Out.Flush();
                                return null;
                            case ConsoleKey.C:
                                Terminal.Out.Write("^C\n");
                                line.Clear();
                                cursor = 0;
                                Terminal.Out.Write(prompt);
                                break;
                            case ConsoleKey.L:
                                Terminal.Out.Write("\u001b[H\u001b[2J");
                                break;
                        }
                    }
                    else if (key.KeyChar >= ' ')
                    {
                        line.Insert(cursor, key.KeyChar);
                        cursor++;
                    }

                    break;
            }

            Redraw(prompt, line, cursor);
        }
    }

    private static void Redraw(string prompt, StringBuilder line, int cursor)
    {
        // Carriage return, prompt and text, erase to end of line, then move the cursor back into place.
        var sb = new StringBuilder("\r").Append(prompt).Append(line).Append("\u001b[K");
        int back = line.Length - cursor;
        if (back > 0)
        {
            sb.Append("\u001b[").Append(back).Append('D');
        }

        Terminal.Out.Write(sb.ToString());
        Terminal.Out.Flush();
    }

    private void Remember(string line)
    {
        if (line.Trim().Length == 0 || (_history.Count > 0 && _history[^1] == line))
        {
            return;
        }

        _history.Add(line);
        try
        {
            if (_historyFile is not null)
            {
                // created 0600: history may hold secrets typed into expressions
                using var stream = new FileStream(_historyFile, new FileStreamOptions
                {
                    Mode = FileMode.Append,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
