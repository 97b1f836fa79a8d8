using System.Text;
using System.Text.Json.Nodes;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.Cli.Dbg;

internal sealed partial class DbgCommands
{
    // ----- stack ----------------------------------------------------------------------------------------------

    private void Backtrace(string argument)
    {
        RequireStack();
        IReadOnlyList<Frame> frames = Frames();
        int limit = frames.Count;
        string arg = argument.Trim();
        if (arg.StartsWith("full", StringComparison.Ordinal))
        {
            arg = arg[4..].Trim();
        }

        if (arg.Length > 0 && int.TryParse(arg, out int n))
        {
            limit = n >= 0 ? Math.Min(n, frames.Count) : frames.Count;
        }

        var list = new JsonArray();
        var sb = new StringBuilder();
        for (int i = 0; i < limit; i++)
        {
            sb.Append(FrameLine(frames[i], withLevel: true, out JsonObject json)).Append('\n');
            list.Add((JsonNode)json);
        }

        if (limit < frames.Count)
        {
            sb.Append("(More stack frames follow...)\n");
        }

        _out.Write(sb.ToString());
        _out.SetBody("frames", list);
    }

    private void PrintSelectedFrame()
    {
        Frame frame = SelectedFrame!;
        string text = FrameLine(frame, withLevel: true, out JsonObject json);
        var sb = new StringBuilder(text).Append('\n');
        if (frame.Position is SourcePosition p)
        {
            sb.Append(SourceLineText(p.File, p.Line)).Append('\n');
            _listFile = p.File;
            _listLine = Math.Max(1, p.Line - 5);
        }

        _out.Write(sb.ToString());
        _out.SetBody("frame", json);
    }

    private void FrameCommand(string argument)
    {
        RequireStack();
        if (argument.Trim().Length > 0)
        {
            int level = (int)_evaluator.Evaluate(argument, StaticContext()).AsLong();
            if (level < 0 || level >= Frames().Count)
            {
                throw new DbgException("No frame at level " + argument.Trim() + ".");
            }

            _session.SelectedFrameLevel = level;
        }

        PrintSelectedFrame();
    }

    private void Up(string argument, int direction)
    {
        RequireStack();
        int count = argument.Trim().Length > 0 ? (int)_evaluator.Evaluate(argument, StaticContext()).AsLong() : 1;
        int target = FrameLevel + (direction * count);
        if (target < 0)
        {
            throw new DbgException("Bottom (innermost) frame selected; you cannot go down.");
        }

        if (target >= Frames().Count)
        {
            if (FrameLevel == Frames().Count - 1)
            {
                throw new DbgException("Initial frame selected; you cannot go up.");
            }

            target = Frames().Count - 1;
        }

        _session.SelectedFrameLevel = target;
        PrintSelectedFrame();
    }
}
