using System.Buffers.Binary;
using System.Text;

namespace Lantern.Observability.Binary;

/// <summary>A placeholder reserved in a <see cref="ByteBuilder"/>, filled in later (back-patching).</summary>
internal readonly record struct Reservation(int Offset, int Length);

/// <summary>
/// One growable byte buffer with little-endian writers, LEB128, alignment, and reserve/back-patch
/// (after System.Reflection.Metadata's BlobBuilder). Used by the ELF and DWARF writers.
/// </summary>
internal sealed class ByteBuilder
{
    private byte[] _buffer;
    private int _count;

    public ByteBuilder(int capacity = 256)
    {
        _buffer = new byte[Math.Max(capacity, 16)];
    }

    /// <summary>The number of bytes written so far (the offset of the next byte).</summary>
    public int Count => _count;

    public void WriteByte(byte value) => Grow(1)[0] = value;

    public void WriteSByte(sbyte value) => Grow(1)[0] = unchecked((byte)value);

    public void WriteUInt16LittleEndian(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Grow(2), value);

    public void WriteUInt32LittleEndian(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Grow(4), value);

    public void WriteInt32LittleEndian(int value) => BinaryPrimitives.WriteInt32LittleEndian(Grow(4), value);

    public void WriteUInt64LittleEndian(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Grow(8), value);

    public void WriteInt64LittleEndian(long value) => BinaryPrimitives.WriteInt64LittleEndian(Grow(8), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    public void WriteZeros(int count) => Grow(count).Clear();

    /// <summary>Writes UTF-8 bytes followed by a NUL.</summary>
    public void WriteCString(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Encoding.UTF8.GetBytes(value, Grow(length));
        WriteByte(0);
    }

    public void WriteULeb128(ulong value)
    {
        do
        {
            byte b = (byte)(value & 0x7f);
            value >>= 7;
            if (value != 0)
            {
                b |= 0x80;
            }

            WriteByte(b);
        }
        while (value != 0);
    }

    public void WriteSLeb128(long value)
    {
        bool more = true;
        while (more)
        {
            byte b = (byte)(value & 0x7f);
            value >>= 7;
            if ((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0))
            {
                more = false;
            }
            else
            {
                b |= 0x80;
            }

            WriteByte(b);
        }
    }

    /// <summary>Pads with <paramref name="fill"/> bytes up to a multiple of <paramref name="alignment"/>.</summary>
    public void Align(int alignment, byte fill = 0)
    {
        while (_count % alignment != 0)
        {
            WriteByte(fill);
        }
    }

    /// <summary>Reserves <paramref name="length"/> zero bytes to be patched later.</summary>
    public Reservation Reserve(int length)
    {
        var reservation = new Reservation(_count, length);
        WriteZeros(length);
        return reservation;
    }

    public void PatchUInt16LittleEndian(Reservation at, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Slot(at, 2), value);

    public void PatchUInt32LittleEndian(Reservation at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Slot(at, 4), value);

    public void PatchInt32LittleEndian(Reservation at, int value) => BinaryPrimitives.WriteInt32LittleEndian(Slot(at, 4), value);

    public void PatchUInt64LittleEndian(Reservation at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Slot(at, 8), value);

    /// <summary>Patches a 4-byte DWARF unit_length reserved at <paramref name="at"/>: the byte count after the field.</summary>
    public void PatchLengthFrom(Reservation at) => PatchUInt32LittleEndian(at, checked((uint)(_count - at.Offset - 4)));

    public byte[] ToArray() => _buffer.AsSpan(0, _count).ToArray();

    public ReadOnlySpan<byte> AsSpan() => _buffer.AsSpan(0, _count);

    private Span<byte> Slot(Reservation at, int length)
    {
        if (at.Length != length)
        {
            throw new InvalidOperationException($"reservation of {at.Length} bytes patched with {length}");
        }

        return _buffer.AsSpan(at.Offset, length);
    }

    private Span<byte> Grow(int length)
    {
        if (_count + length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + length));
        }

        Span<byte> span = _buffer.AsSpan(_count, length);
        _count += length;
        return span;
    }
}
