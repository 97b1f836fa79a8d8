using System.Text;

namespace Lantern.Observability.Profiling.Formats;

/// <summary>
/// A flame graph as one standalone SVG, in the manner of Brendan Gregg's flamegraph.pl: the stacks merged into a
/// tree (root "all" at the bottom, siblings in name order, width proportional to samples), embedded CSS and script
/// (see <see cref="FlameGraphScript"/>): hover titles "function (N samples, P%)", click to zoom, Reset Zoom,
/// search with the matched share. Colours are a hash of the function name (warm for frames with a source
/// position, aqua for frames without one, e.g. libc), so the same profile always looks the same. The subtitle
/// states the metadata. Every name is XML-escaped; characters XML cannot carry become U+FFFD.
/// </summary>
public static class FlameGraphWriter
{
    private const int FrameHeight = 16;
    private const int FontSize = 12;
    private const double FontWidth = 0.59;
    private const int XPad = 10;
    private const int TopPad = 60;      // title and subtitle
    private const int BottomPad = 34;   // details line
    private const double MinWidth = 0.1; // frames narrower than this (pixels, unzoomed) are left out

    /// <summary>The namespace of the fg:x / fg:w attributes (a frame's start and width in samples).</summary>
    public const string FgNamespace = "urn:x-lantern:flamegraph";

    /// <summary>Writes <paramref name="profile"/> as a flame graph SVG to <paramref name="output"/> (left open).</summary>
    public static void Write(Profile profile, Stream output, ProfileWriteOptions? options = null)
    {
        bool lines = options?.FrameLines ?? false;
        int width = Math.Max(options?.Width ?? 1200, 200);
        ProfileMetadata m = profile.Metadata;

        var root = new Node("all", native: false);
        foreach (ProfileStack stack in profile.Stacks)
        {
            if (stack.Count <= 0)
            {
                continue;
            }

            Node node = root;
            node.Total += stack.Count;
            foreach (ProfileFrame frame in stack.Frames)
            {
                node = node.Child(FrameLabels.Label(frame, lines), frame.Function, native: frame.File is null);
                node.Total += stack.Count;
            }
        }

        long total = root.Total;
        double scale = total > 0 ? (width - 2.0 * XPad) / total : 0;
        List<(Node Node, long X, int Level)> visible = total > 0 ? Visible(root, scale) : [];
        int depth = visible.Count > 0 ? visible.Max(v => v.Level) + 1 : 0;
        int height = TopPad + Math.Max(depth, 1) * FrameHeight + BottomPad;

        var svg = new StringBuilder();
        svg.Append("<?xml version=\"1.0\" standalone=\"no\"?>\n");
        svg.Append(FrameLabels.Inv($"<svg version=\"1.1\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:fg=\"{FgNamespace}\">\n"));
        svg.Append("<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\"><stop stop-color=\"#eeeeee\" offset=\"5%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%\"/></linearGradient></defs>\n");
        svg.Append("<style type=\"text/css\"><![CDATA[\n").Append(FlameGraphScript.Style).Append("\n]]></style>\n");
        svg.Append("<script type=\"text/ecmascript\"><![CDATA[\n");
        svg.Append(FrameLabels.Inv($"var fgConfig = {{ total: {total}, width: {width}, xpad: {XPad}, fontSize: {FontSize}, fontWidth: {FontWidth} }};\n"));
        svg.Append(FlameGraphScript.Script).Append("\n]]></script>\n");
        svg.Append(FrameLabels.Inv($"<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"url(#background)\"/>\n"));
        string title = options?.Title ?? $"Flame Graph: {m.Program}";
        svg.Append(FrameLabels.Inv($"<text id=\"title\" x=\"{width / 2.0}\" y=\"24\">{Escape(title)}</text>\n"));
        svg.Append(FrameLabels.Inv($"<text id=\"subtitle\" x=\"{width / 2.0}\" y=\"44\">{Escape(FrameLabels.MetadataLine(m))}</text>\n"));
        svg.Append(FrameLabels.Inv($"<text id=\"details\" x=\"{XPad}\" y=\"{height - 17}\"> </text>\n"));
        svg.Append(FrameLabels.Inv($"<text id=\"unzoom\" class=\"hide\" x=\"{XPad}\" y=\"24\">Reset Zoom</text>\n"));
        svg.Append(FrameLabels.Inv($"<text id=\"search\" x=\"{width - XPad - 120}\" y=\"24\">Search</text>\n"));
        svg.Append(FrameLabels.Inv($"<text id=\"ignorecase\" x=\"{width - XPad - 14}\" y=\"24\">ic</text>\n"));
        svg.Append(FrameLabels.Inv($"<text id=\"matched\" x=\"{width - XPad - 120}\" y=\"{height - 17}\"> </text>\n"));
        if (total == 0)
        {
            svg.Append(FrameLabels.Inv($"<text x=\"{width / 2.0}\" y=\"{TopPad + 10}\" style=\"text-anchor: middle\">no samples</text>\n"));
        }

        // Only frame groups inside #frames: the script walks its children.
        svg.Append("<g id=\"frames\">\n");
        foreach ((Node node, long x, int level) in visible)
        {
            WriteFrame(svg, node, x, level, total, scale, height);
        }

        svg.Append("</g>\n</svg>\n");
        byte[] bytes = FrameLabels.Utf8.GetBytes(svg.ToString());
        output.Write(bytes);
    }

    /// <summary>The frames wide enough to draw, parents before children, with their start (in samples) and level.</summary>
    /// <remarks>An explicit stack, not recursion: a deeply recursive program gives stacks thousands of frames deep.</remarks>
    private static List<(Node Node, long X, int Level)> Visible(Node root, double scale)
    {
        var visible = new List<(Node, long, int)>();
        var pending = new Stack<(Node Node, long X, int Level)>();
        pending.Push((root, 0, 0));
        while (pending.Count > 0)
        {
            (Node node, long x, int level) = pending.Pop();
            visible.Add((node, x, level));
            var children = new List<(Node, long, int)>();
            long childX = x;
            foreach (Node child in node.Children.Values)
            {
                if (child.Total * scale >= MinWidth)
                {
                    children.Add((child, childX, level + 1));
                }

                childX += child.Total;
            }

            for (int i = children.Count - 1; i >= 0; i--)
            {
                pending.Push(children[i]);
            }
        }

        return visible;
    }

    private static void WriteFrame(StringBuilder svg, Node node, long x, int level, long total, double scale, int height)
    {
        double px = XPad + x * scale;
        double pw = node.Total * scale;
        double y = height - BottomPad - (level + 1) * FrameHeight;
        string label = Escape(node.Label);
        svg.Append(FrameLabels.Inv($"<g class=\"f\" fg:x=\"{x}\" fg:w=\"{node.Total}\"><title>{label} ({node.Total} samples, {FrameLabels.Percent(node.Total, total):0.00}%)</title>"));
        svg.Append(FrameLabels.Inv($"<rect x=\"{px:0.##}\" y=\"{y}\" width=\"{pw:0.##}\" height=\"{FrameHeight - 1}\" fill=\"{Colour(node)}\" rx=\"2\" ry=\"2\"/>"));
        svg.Append(FrameLabels.Inv($"<text x=\"{px + 3:0.##}\" y=\"{y + 10.5}\">{Escape(Fit(node.Label, pw))}</text></g>\n"));
    }

    /// <summary>The label trimmed to the frame's width, as the script does on zoom.</summary>
    private static string Fit(string label, double width)
    {
        int fit = (int)Math.Floor((width - 6) / (FontSize * FontWidth));
        if (fit < 3)
        {
            return "";
        }

        return label.Length > fit ? string.Concat(label.AsSpan(0, fit - 2), "..") : label;
    }

    /// <summary>A colour from a hash of the function name (FNV-1a, stable across runs), like flamegraph.pl's palettes.</summary>
    private static string Colour(Node node)
    {
        uint hash = 2166136261;
        foreach (char c in node.Function)
        {
            hash = (hash ^ c) * 16777619;
        }

        double v1 = (hash & 0xff) / 255.0;
        double v2 = ((hash >> 8) & 0xff) / 255.0;
        double v3 = ((hash >> 16) & 0xff) / 255.0;
        return node.Native
            ? FrameLabels.Inv($"rgb({(int)(50 + 60 * v1)},{(int)(165 + 55 * v2)},{(int)(165 + 55 * v3)})")
            : FrameLabels.Inv($"rgb({(int)(205 + 50 * v3)},{(int)(230 * v1)},{(int)(55 * v2)})");
    }

    /// <summary>XML text and attribute escaping; characters XML 1.0 cannot carry become U+FFFD.</summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&':
                    builder.Append("&amp;");
                    break;
                case '<':
                    builder.Append("&lt;");
                    break;
                case '>':
                    builder.Append("&gt;");
                    break;
                case '"':
                    builder.Append("&quot;");
                    break;
                case '\'':
                    builder.Append("&apos;");
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[i + 1]);
                        i++;
                    }
                    else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || char.IsSurrogate(c) || c == '\uFFFE' || c == '\uFFFF')
                    {
                        builder.Append('\uFFFD');
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    private sealed class Node(string label, bool native, string? function = null)
    {
        public string Label { get; } = label;
        public string Function { get; } = function ?? label;
        public bool Native { get; } = native;
        public long Total { get; set; }
        public SortedDictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public Node Child(string label, string function, bool native)
        {
            if (!Children.TryGetValue(label, out Node? child))
            {
                child = new Node(label, native, function);
                Children.Add(label, child);
            }

            return child;
        }
    }
}
