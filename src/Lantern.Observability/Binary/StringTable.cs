namespace Lantern.Observability.Binary;

/// <summary>A NUL-terminated string section (.debug_str, .debug_line_str, .strtab) with deduplication.</summary>
internal sealed class StringTable
{
    private readonly ByteBuilder _bytes = new();
    private readonly Dictionary<string, uint> _offsets = new(StringComparer.Ordinal);

    public StringTable(bool leadingNul = false)
    {
        if (leadingNul)
        {
            _bytes.WriteByte(0);
            _offsets[""] = 0;
        }
    }

    /// <summary>The offset of <paramref name="value"/>, adding it if new.</summary>
    public uint Add(string value)
    {
        if (!_offsets.TryGetValue(value, out uint offset))
        {
            offset = (uint)_bytes.Count;
            _bytes.WriteCString(value);
            _offsets[value] = offset;
        }

        return offset;
    }

    public int Count => _bytes.Count;

    public byte[] ToArray() => _bytes.ToArray();
}
