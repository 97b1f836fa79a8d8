using System.IO.Compression;
using Google.Protobuf;

namespace Lantern.Observability.Profiling.Formats;

/// <summary>
/// pprof: a gzipped <c>perftools.profiles.Profile</c> message (github.com/google/pprof, proto/profile.proto),
/// encoded field by field with <see cref="CodedOutputStream"/>; the field numbers are cited beside each write.
/// Sample types are samples/count and cpu/nanoseconds (wall/nanoseconds for a wall-clock profile), the period is
/// the requested interval; each distinct stack is one sample (locations leaf first); a location is one address
/// (or one function and line when the address is unknown) with its line; a function is a name and a file; one
/// mapping per module spans the addresses seen in it. The metadata goes into the comments.
/// </summary>
public static class PprofWriter
{
    // message Profile
    private const int ProfileSampleType = 1;      // repeated ValueType sample_type = 1;
    private const int ProfileSample = 2;          // repeated Sample sample = 2;
    private const int ProfileMapping = 3;         // repeated Mapping mapping = 3;
    private const int ProfileLocation = 4;        // repeated Location location = 4;
    private const int ProfileFunction = 5;        // repeated Function function = 5;
    private const int ProfileStringTable = 6;     // repeated string string_table = 6;
    private const int ProfileDurationNanos = 10;  // int64 duration_nanos = 10;
    private const int ProfilePeriodType = 11;     // ValueType period_type = 11;
    private const int ProfilePeriod = 12;         // int64 period = 12;
    private const int ProfileComment = 13;        // repeated int64 comment = 13; (indices into string_table)

    // message ValueType
    private const int ValueTypeType = 1;          // int64 type = 1;
    private const int ValueTypeUnit = 2;          // int64 unit = 2;

    // message Sample
    private const int SampleLocationId = 1;       // repeated uint64 location_id = 1; (packed; leaf first)
    private const int SampleValue = 2;            // repeated int64 value = 2; (packed)

    // message Mapping
    private const int MappingId = 1;              // uint64 id = 1;
    private const int MappingMemoryStart = 2;     // uint64 memory_start = 2;
    private const int MappingMemoryLimit = 3;     // uint64 memory_limit = 3;
    private const int MappingFilename = 5;        // int64 filename = 5;
    private const int MappingHasFunctions = 7;    // bool has_functions = 7;
    private const int MappingHasFilenames = 8;    // bool has_filenames = 8;
    private const int MappingHasLineNumbers = 9;  // bool has_line_numbers = 9;

    // message Location
    private const int LocationId = 1;             // uint64 id = 1;
    private const int LocationMappingId = 2;      // uint64 mapping_id = 2;
    private const int LocationAddress = 3;        // uint64 address = 3;
    private const int LocationLine = 4;           // repeated Line line = 4;

    // message Line
    private const int LineFunctionId = 1;         // uint64 function_id = 1;
    private const int LineLine = 2;               // int64 line = 2;

    // message Function
    private const int FunctionId = 1;             // uint64 id = 1;
    private const int FunctionName = 2;           // int64 name = 2;
    private const int FunctionSystemName = 3;     // int64 system_name = 3;
    private const int FunctionFilename = 4;       // int64 filename = 4;

    /// <summary>Writes <paramref name="profile"/> as a gzipped profile.proto to <paramref name="output"/> (left open).</summary>
    public static void Write(Profile profile, Stream output, ProfileWriteOptions? options = null)
    {
        byte[] message = Encode(profile);
        using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        gzip.Write(message);
    }

    /// <summary>The uncompressed profile.proto message.</summary>
    public static byte[] Encode(Profile profile)
    {
        ProfileMetadata m = profile.Metadata;
        var strings = new StringTable();
        var mappings = new List<MappingRow>();
        var mappingByModule = new Dictionary<string, MappingRow>(StringComparer.Ordinal);
        var functions = new Dictionary<(string Function, string? File, string Module), ulong>();
        var functionRows = new List<(ulong Id, long Name, long File)>();
        var locations = new Dictionary<(string Module, ulong Address, string Function, string? File, int Line), ulong>();
        var locationRows = new List<(ulong Id, ulong Mapping, ulong Address, ulong Function, int Line)>();
        var samples = new List<(ulong[] Locations, long Count)>();

        // String table entry 0 must be "" (StringTable does it); the value types come first for readability.
        string kind = m.Wall ? "wall" : "cpu";
        long samplesType = strings.Index("samples");
        long countUnit = strings.Index("count");
        long kindType = strings.Index(kind);
        long nanosUnit = strings.Index("nanoseconds");
        long period = m.RequestedHz > 0 ? (long)Math.Round(1e9 / m.RequestedHz) : 0;

        foreach (ProfileStack stack in profile.Stacks)
        {
            if (stack.Count <= 0)
            {
                continue;
            }

            var ids = new ulong[stack.Frames.Count];
            for (int i = 0; i < stack.Frames.Count; i++)
            {
                ProfileFrame frame = stack.Frames[i];
                if (!mappingByModule.TryGetValue(frame.Module, out MappingRow? mapping))
                {
                    mapping = new MappingRow((ulong)mappings.Count + 1, strings.Index(frame.Module));
                    mappings.Add(mapping);
                    mappingByModule.Add(frame.Module, mapping);
                }

                if (frame.Address != 0)
                {
                    mapping.Start = Math.Min(mapping.Start, frame.Address);
                    mapping.Limit = Math.Max(mapping.Limit, frame.Address + 1);
                }

                if (frame.File is not null)
                {
                    mapping.HasFiles = true;
                }

                if (!functions.TryGetValue((frame.Function, frame.File, frame.Module), out ulong functionId))
                {
                    functionId = (ulong)functionRows.Count + 1;
                    functions.Add((frame.Function, frame.File, frame.Module), functionId);
                    functionRows.Add((functionId, strings.Index(frame.Function), frame.File is null ? 0 : strings.Index(frame.File)));
                }

                var locationKey = (frame.Module, frame.Address, frame.Function, frame.File, frame.Line);
                if (!locations.TryGetValue(locationKey, out ulong locationId))
                {
                    locationId = (ulong)locationRows.Count + 1;
                    locations.Add(locationKey, locationId);
                    locationRows.Add((locationId, mapping.Id, frame.Address, functionId, frame.Line));
                }

                // Frames are root first; pprof wants the leaf at location_id[0].
                ids[stack.Frames.Count - 1 - i] = locationId;
            }

            samples.Add((ids, stack.Count));
        }

        var comments = new List<long>
        {
            strings.Index($"program: {m.Program}"),
            strings.Index($"engine: {m.Engine}{(m.Wall ? " (wall clock)" : "")}"),
            strings.Index($"requested rate: {FrameLabels.Rate(m.RequestedHz)}"),
            strings.Index(FrameLabels.Inv($"samples expected: {m.Expected}")),
            strings.Index(FrameLabels.Inv($"samples received: {m.Received}")),
            strings.Index(FrameLabels.Inv($"samples dropped: {m.Dropped}")),
        };

        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            WriteMessage(output, ProfileSampleType, o => WriteValueType(o, samplesType, countUnit));
            WriteMessage(output, ProfileSampleType, o => WriteValueType(o, kindType, nanosUnit));
            foreach ((ulong[] ids, long count) in samples)
            {
                WriteMessage(output, ProfileSample, o =>
                {
                    WritePackedUInt64(o, SampleLocationId, ids);
                    WritePackedInt64(o, SampleValue, [count, count * period]);
                });
            }

            foreach (MappingRow mapping in mappings)
            {
                WriteMessage(output, ProfileMapping, o =>
                {
                    WriteUInt64(o, MappingId, mapping.Id);
                    if (mapping.Limit > 0)
                    {
                        WriteUInt64(o, MappingMemoryStart, mapping.Start);
                        WriteUInt64(o, MappingMemoryLimit, mapping.Limit);
                    }

                    WriteInt64(o, MappingFilename, mapping.Filename);
                    WriteBool(o, MappingHasFunctions, true);
                    WriteBool(o, MappingHasFilenames, mapping.HasFiles);
                    WriteBool(o, MappingHasLineNumbers, mapping.HasFiles);
                });
            }

            foreach ((ulong id, ulong mappingId, ulong address, ulong functionId, int line) in locationRows)
            {
                WriteMessage(output, ProfileLocation, o =>
                {
                    WriteUInt64(o, LocationId, id);
                    WriteUInt64(o, LocationMappingId, mappingId);
                    WriteUInt64(o, LocationAddress, address);
                    WriteMessage(o, LocationLine, l =>
                    {
                        WriteUInt64(l, LineFunctionId, functionId);
                        WriteInt64(l, LineLine, line);
                    });
                });
            }

            foreach ((ulong id, long name, long file) in functionRows)
            {
                WriteMessage(output, ProfileFunction, o =>
                {
                    WriteUInt64(o, FunctionId, id);
                    WriteInt64(o, FunctionName, name);
                    WriteInt64(o, FunctionSystemName, name);
                    WriteInt64(o, FunctionFilename, file);
                });
            }

            foreach (string text in strings.Strings)
            {
                // Every entry is written, the empty string at index 0 included (a repeated field keeps its positions).
                output.WriteTag(ProfileStringTable, WireFormat.WireType.LengthDelimited);
                output.WriteString(text);
            }

            WriteInt64(output, ProfileDurationNanos, (long)Math.Round(m.DurationSeconds * 1e9));
            WriteMessage(output, ProfilePeriodType, o => WriteValueType(o, kindType, nanosUnit));
            WriteInt64(output, ProfilePeriod, period);
            WritePackedInt64(output, ProfileComment, comments);
        }

        return buffer.ToArray();
    }

    private static void WriteValueType(CodedOutputStream output, long type, long unit)
    {
        WriteInt64(output, ValueTypeType, type);
        WriteInt64(output, ValueTypeUnit, unit);
    }

    /// <summary>A length-delimited sub-message: encoded on its own, then written as tag, length, bytes.</summary>
    private static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> body)
    {
        using var buffer = new MemoryStream();
        using (var inner = new CodedOutputStream(buffer, leaveOpen: true))
        {
            body(inner);
        }

        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    // proto3: fields equal to their default are not written. int64 and bool are varints like uint64 (an int64 as
    // its two's complement, a bool as 0 or 1), so one writer encodes all three.
    private static void WriteUInt64(CodedOutputStream output, int field, ulong value)
    {
        if (value != 0)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteUInt64(value);
        }
    }

    private static void WriteInt64(CodedOutputStream output, int field, long value) => WriteUInt64(output, field, (ulong)value);

    private static void WriteBool(CodedOutputStream output, int field, bool value) => WriteUInt64(output, field, value ? 1UL : 0UL);

    private static void WritePackedUInt64(CodedOutputStream output, int field, IReadOnlyList<ulong> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        int length = 0;
        foreach (ulong value in values)
        {
            length += CodedOutputStream.ComputeUInt64Size(value);
        }

        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteLength(length);
        foreach (ulong value in values)
        {
            output.WriteUInt64(value);
        }
    }

    private static void WritePackedInt64(CodedOutputStream output, int field, IReadOnlyList<long> values) =>
        WritePackedUInt64(output, field, values.Select(value => (ulong)value).ToArray());

    private sealed class MappingRow(ulong id, long filename)
    {
        public ulong Id { get; } = id;
        public long Filename { get; } = filename;
        public ulong Start { get; set; } = ulong.MaxValue;
        public ulong Limit { get; set; }
        public bool HasFiles { get; set; }
    }

    private sealed class StringTable
    {
        private readonly Dictionary<string, long> _index = new(StringComparer.Ordinal) { [""] = 0 };

        public List<string> Strings { get; } = [""];

        public long Index(string text)
        {
            if (!_index.TryGetValue(text, out long index))
            {
                index = Strings.Count;
                Strings.Add(text);
                _index.Add(text, index);
            }

            return index;
        }
    }
}
