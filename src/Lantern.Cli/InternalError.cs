using System.Text;

namespace Lantern.Cli;

/// <summary>
/// The report of a bug in Lantern itself (an exception, never a problem of the C program): one line
/// <c>lantern: WHAT: message (ExceptionType)</c>, then "please report", or the whole exception with LANTERN_DEBUG=1;
/// exit status 70 (<see cref="LanternCommand.ExitInternalError"/>).
/// </summary>
internal static class InternalError
{
    /// <summary>Prints the report on stderr; returns <see cref="LanternCommand.ExitInternalError"/>.</summary>
    public static int Report(Exception e, string what)
    {
        Terminal.WriteError(Format(e, what, Terminal.Debug));
        return LanternCommand.ExitInternalError;
    }

    /// <summary>The text of an internal-error report: one line, then either the exception or "please report".</summary>
    internal static string Format(Exception e, string what, bool debug)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            e = aggregate.InnerExceptions[0];
        }

        string message = e.Message.Trim();
        int newline = message.IndexOf('\n');
        string firstLine = newline < 0 ? message : message[..newline].TrimEnd();
        var sb = new StringBuilder();
        sb.Append("lantern: ").Append(what).Append(": ").Append(firstLine).Append(" (").Append(e.GetType().Name).Append(")\n");
        if (debug)
        {
            sb.Append(e).Append('\n');
        }
        else
        {
            sb.Append("lantern: please report this bug with the program that triggers it; set LANTERN_DEBUG=1 for details\n");
        }

        return sb.ToString();
    }
}
