using System.Text.Json;

namespace Lantern.Observability.Profiling.Formats;

/// <summary>
/// speedscope's file format (https://www.speedscope.app/file-format-schema.json): one "sampled" profile whose
/// samples are stacks of indices into <c>shared.frames</c> (root first) with a weight each (the sample count,
/// unit "none"). Frames carry name, file and line; with <see cref="ProfileWriteOptions.FrameLines"/> set to false a
/// frame is a function (name and file, no line).
/// </summary>
public static class SpeedscopeWriter
{
    /// <summary>The schema URL speedscope requires in <c>$schema</c>.</summary>
    public const string SchemaUrl = "https://www.speedscope.app/file-format-schema.json";

    /// <summary>Writes <paramref name="profile"/> as speedscope JSON to <paramref name="output"/> (left open).</summary>
    public static void Write(Profile profile, Stream output, ProfileWriteOptions? options = null)
    {
        bool lines = options?.FrameLines ?? true;
        var frameIndex = new Dictionary<(string Function, string? File, int Line), int>();
        var frames = new List<(string Function, string? File, int Line)>();
        var samples = new List<int[]>();
        var weights = new List<long>();
        foreach (ProfileStack stack in profile.Stacks)
        {
            if (stack.Count <= 0)
            {
                continue;
            }

            var indices = new int[stack.Frames.Count];
            for (int i = 0; i < indices.Length; i++)
            {
                ProfileFrame frame = stack.Frames[i];
                var key = (frame.Function, frame.File, lines && frame.File is not null ? frame.Line : 0);
                if (!frameIndex.TryGetValue(key, out int index))
                {
                    index = frames.Count;
                    frames.Add(key);
                    frameIndex.Add(key, index);
                }

                indices[i] = index;
            }

            samples.Add(indices);
            weights.Add(stack.Count);
        }

        ProfileMetadata m = profile.Metadata;
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("$schema", SchemaUrl);
        json.WriteString("name", m.Program);
        json.WriteString("exporter", "lantern prof");
        json.WriteNumber("activeProfileIndex", 0);
        json.WriteStartObject("shared");
        json.WriteStartArray("frames");
        foreach ((string function, string? file, int line) in frames)
        {
            json.WriteStartObject();
            json.WriteString("name", function);
            if (file is not null)
            {
                json.WriteString("file", file);
            }

            if (line > 0)
            {
                json.WriteNumber("line", line);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartArray("profiles");
        json.WriteStartObject();
        json.WriteString("type", "sampled");
        json.WriteString("name", FrameLabels.Inv($"{m.Program}: {FrameLabels.MetadataLine(m)}"));
        json.WriteString("unit", "none");
        json.WriteNumber("startValue", 0);
        json.WriteNumber("endValue", weights.Sum());
        json.WriteStartArray("samples");
        foreach (int[] sample in samples)
        {
            json.WriteStartArray();
            foreach (int index in sample)
            {
                json.WriteNumberValue(index);
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteStartArray("weights");
        foreach (long weight in weights)
        {
            json.WriteNumberValue(weight);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
