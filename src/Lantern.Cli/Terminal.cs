using System.Runtime.InteropServices;
using System.Text;
using Lantern.Observability.Interop;

namespace Lantern.Cli;

/// <summary>
/// Writes Lantern's own messages to stderr. Colour (the words <c>error:</c>, <c>warning:</c>, <c>note:</c>)
/// only when stderr is a terminal and <c>NO_COLOR</c> is unset or empty (https://no-color.org).
/// </summary>
internal static class Terminal
{
    private const string Red = "\u001b[1;31m";
    private const string Magenta = "\u001b[1;35m";
    private const string Cyan = "\u001b[1;36m";
    private const string Reset = "\u001b[0m";

    private static bool? s_useColor;
    private static TextWriter? s_out;
    private static TextWriter? s_error;

    /// <summary>
    /// stdout as a plain file-descriptor writer (<see cref="DescriptorStream"/>). System.Console's own streams
    /// initialise the terminal (they write the terminfo keypad sequence when stdin is a terminal), which must not
    /// pollute the output.
    /// </summary>
    public static TextWriter Out => s_out ??= OpenWriter(1);

    /// <summary>stderr as a plain file-descriptor writer (see <see cref="Out"/>).</summary>
    public static TextWriter ErrorWriter => s_error ??= OpenWriter(2);

    /// <summary>True when messages to stderr may use ANSI colours.</summary>
    public static bool UseColor
    {
        get
        {
            s_useColor ??= string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) && !Console.IsErrorRedirected;
            return s_useColor.Value;
        }
    }

    /// <summary>True when LANTERN_DEBUG=1 asks for stack traces of internal errors.</summary>
    public static bool Debug => Environment.GetEnvironmentVariable("LANTERN_DEBUG") == "1";

    /// <summary>Writes <c>lantern: error: message</c>.</summary>
    public static void Error(string message) => WriteError("lantern: " + Severity("error") + ": " + message + "\n");

    /// <summary>Writes text to stderr as is (no colouring).</summary>
    public static void WriteError(string text)
    {
        try
        {
            ErrorWriter.Write(text);
            ErrorWriter.Flush();
        }
        catch (IOException)
        {
            // stderr closed: nothing more to say.
        }
    }

    /// <summary>Writes text to stdout; a closed pipe (EPIPE, e.g. <c>| head</c>) is not an error.</summary>
    public static void WriteOut(string text)
    {
        try
        {
            Out.Write(text);
            Out.Flush();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Flushes stdout (before the C program writes to the same descriptor, and at exit).</summary>
    public static void FlushOut()
    {
        try
        {
            s_out?.Flush(); // never opened: nothing to flush
        }
        catch (IOException)
        {
        }
    }

    private static TextWriter OpenWriter(int fd)
    {
        var stream = new DescriptorStream(fd);
        // stderr is unbuffered, as in C; stdout is flushed explicitly (before the C program runs and at exit).
        return new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16384) { AutoFlush = fd == 2 };
    }

    /// <summary>
    /// Colours the severity word of formatted diagnostics (<c>file:line:col: error: message</c>, then source
    /// line and caret). Only the first line of each diagnostic is touched; quoted source text is left alone.
    /// </summary>
    public static string ColorDiagnostic(string formatted)
    {
        if (!UseColor)
        {
            return formatted;
        }

        int end = formatted.IndexOf('\n');
        string head = end < 0 ? formatted : formatted[..end];
        string rest = end < 0 ? "" : formatted[end..];
        foreach (string word in new[] { "error", "warning", "note" })
        {
            string plain = ": " + word + ": ";
            int at = head.IndexOf(plain, StringComparison.Ordinal);
            if (at >= 0)
            {
                head = head[..at] + ": " + Severity(word) + ": " + head[(at + plain.Length)..];
                break;
            }
        }

        return head + rest;
    }

    private static string Severity(string word)
    {
        if (!UseColor)
        {
            return word;
        }

        string color = word switch
        {
            "error" => Red,
            "warning" => Magenta,
            _ => Cyan,
        };
        return color + word + Reset;
    }
}

/// <summary>
/// Writes to a file descriptor with plain write(2) calls. Unlike a FileStream (which keeps its own position and
/// uses pwrite on regular files), this shares the descriptor's file offset with everyone else writing to it — the
/// C program's libc stdout, the other standard stream after <c>2&gt;&amp;1</c> — so output redirected to a file
/// interleaves instead of overwriting.
/// </summary>
internal sealed class DescriptorStream : Stream
{
    private readonly int _fd;

    public DescriptorStream(int fd)
    {
        _fd = fd;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = LibC.Write(_fd, start + done, (nuint)(buffer.Length - done));
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EIntr || errno == LibC.EAgain)
                    {
                        continue;
                    }

                    throw new IOException($"write to descriptor {_fd} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                }

                done += (int)n;
            }
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
