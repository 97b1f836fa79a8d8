using System.Text.Json.Nodes;

namespace Lantern.Cli.Dbg;

/// <summary>
/// Where commands write: console text (gdb's wording) and, for <c>--json</c>, structured bodies and events. The text
/// mode prints text as it comes; the JSON mode collects a command's text into its response and sends stop events
/// as their own messages.
/// </summary>
internal abstract class DbgOutput
{
    /// <summary>Console text of the current command.</summary>
    public abstract void Write(string text);

    /// <summary>An error message (gdb prints them on stderr); the session goes on.</summary>
    public abstract void Error(string message);

    /// <summary>An asynchronous event (stopped, exited, ...) with its text.</summary>
    public abstract void Event(string name, JsonObject body, string text);

    /// <summary>Structured result fields of the current command (JSON mode only).</summary>
    public virtual void SetBody(string key, JsonNode? value)
    {
    }

    public void WriteLine(string text) => Write(text + "\n");
}

/// <summary>Text mode: stdout for output, stderr for errors, like gdb.</summary>
internal sealed class TextOutput : DbgOutput
{
    public override void Write(string text)
    {
        Terminal.Out.Write(text);
        Terminal.Out.Flush();
    }

    public override void Error(string message)
    {
        Terminal.Out.Flush();
        Terminal.WriteError(message.EndsWith('\n') ? message : message + "\n");
    }

    public override void Event(string name, JsonObject body, string text) => Write(text);
}

/// <summary>How a step command moves (gdb's step, next, stepi, nexti).</summary>
internal enum DbgStepKind
{
    Step,
    Next,
    StepInstruction,
    NextInstruction,
}
