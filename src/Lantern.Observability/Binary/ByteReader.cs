using System.Buffers.Binary;
using System.Text;

namespace Lantern.Observability.Binary;

/// <summary>A cursor over little-endian bytes with LEB128 and C strings; throws <see cref="FormatException"/> past the end.</summary>
internal ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;

    public ByteReader(ReadOnlySpan<byte> data, int position = 0)
    {
        _data = data;
        Position = position;
    }

    public int Position { get; set; }

    public int Length => _data.Length;

    public bool AtEnd => Position >= _data.Length;

    public byte ReadByte() => Take(1)[0];

    public sbyte ReadSByte() => unchecked((sbyte)Take(1)[0]);

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt24()
    {
        ReadOnlySpan<byte> b = Take(3);
        return (uint)(b[0] | (b[1] << 8) | (b[2] << 16));
    }

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>An unsigned value of 1, 2, 4 or 8 bytes.</summary>
    public ulong ReadUnsigned(int size) => size switch
    {
        1 => ReadByte(),
        2 => ReadUInt16(),
        4 => ReadUInt32(),
        8 => ReadUInt64(),
        _ => throw new FormatException($"unsupported size {size}"),
    };

    public ulong ReadULeb128()
    {
        ulong result = 0;
        int shift = 0;
        while (true)
        {
            byte b = ReadByte();
            if (shift < 64)
            {
                result |= (ulong)(b & 0x7f) << shift;
            }

            shift += 7;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }

    public long ReadSLeb128()
    {
        long result = 0;
        int shift = 0;
        byte b;
        do
        {
            b = ReadByte();
            if (shift < 64)
            {
                result |= (long)(b & 0x7f) << shift;
            }

            shift += 7;
        }
        while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0)
        {
            result |= -1L << shift;
        }

        return result;
    }

    public string ReadCString()
    {
        int end = _data[Position..].IndexOf((byte)0);
        if (end < 0)
        {
            throw new FormatException($"unterminated string at {Position}");
        }

        string value = Encoding.UTF8.GetString(_data.Slice(Position, end));
        Position += end + 1;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    public void Skip(int count) => Take(count);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || Position + count > _data.Length)
        {
            throw new FormatException($"read of {count} bytes at {Position} past the end ({_data.Length})");
        }

        ReadOnlySpan<byte> span = _data.Slice(Position, count);
        Position += count;
        return span;
    }

    /// <summary>The NUL-terminated string at <paramref name="offset"/> of <paramref name="table"/>.</summary>
    public static string CStringAt(ReadOnlySpan<byte> table, ulong offset)
    {
        if (offset >= (ulong)table.Length)
        {
            throw new FormatException($"string offset {offset} outside the table ({table.Length} bytes)");
        }

        var reader = new ByteReader(table, (int)offset);
        return reader.ReadCString();
    }
}
