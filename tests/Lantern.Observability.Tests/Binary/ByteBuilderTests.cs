using Lantern.Observability.Binary;

namespace Lantern.Observability.Tests.Binary;

/// <summary>The byte plumbing under the ELF and DWARF writers and readers: what one writes, the other reads back.</summary>
public class ByteBuilderTests
{
    [Theory]
    [InlineData(0UL, new byte[] { 0x00 })]
    [InlineData(127UL, new byte[] { 0x7f })]
    [InlineData(128UL, new byte[] { 0x80, 0x01 })]
    [InlineData(624485UL, new byte[] { 0xe5, 0x8e, 0x26 })] // the DWARF 5 spec's example (7.6)
    [InlineData(ulong.MaxValue, new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 })]
    public void ULeb128_EncodesAsTheSpecAndReadsBack(ulong value, byte[] expected)
    {
        var b = new ByteBuilder();
        b.WriteULeb128(value);
        Assert.Equal(expected, b.ToArray());
        var r = new ByteReader(b.AsSpan());
        Assert.Equal(value, r.ReadULeb128());
        Assert.Equal(expected.Length, r.Position);
    }

    [Theory]
    [InlineData(0L, new byte[] { 0x00 })]
    [InlineData(2L, new byte[] { 0x02 })]
    [InlineData(-2L, new byte[] { 0x7e })]
    [InlineData(63L, new byte[] { 0x3f })]
    [InlineData(64L, new byte[] { 0xc0, 0x00 })]
    [InlineData(-64L, new byte[] { 0x40 })]
    [InlineData(-65L, new byte[] { 0xbf, 0x7f })]
    [InlineData(-123456L, new byte[] { 0xc0, 0xbb, 0x78 })] // the DWARF 5 spec's example (7.6)
    [InlineData(long.MinValue, new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f })]
    [InlineData(long.MaxValue, new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 })]
    public void SLeb128_EncodesAsTheSpecAndReadsBack(long value, byte[] expected)
    {
        var b = new ByteBuilder();
        b.WriteSLeb128(value);
        Assert.Equal(expected, b.ToArray());
        var r = new ByteReader(b.AsSpan());
        Assert.Equal(value, r.ReadSLeb128());
        Assert.Equal(expected.Length, r.Position);
    }

    [Fact]
    public void Reserve_IsBackPatched_AndLengthCountsWhatFollows()
    {
        var b = new ByteBuilder();
        Reservation length = b.Reserve(4);
        b.WriteUInt16LittleEndian(5);
        Reservation offset = b.Reserve(8);
        b.WriteCString("ab");
        b.PatchLengthFrom(length);
        b.PatchUInt64LittleEndian(offset, 0x1122334455667788);

        var r = new ByteReader(b.AsSpan());
        Assert.Equal(2u + 8 + 3, r.ReadUInt32());
        Assert.Equal((ushort)5, r.ReadUInt16());
        Assert.Equal(0x1122334455667788UL, r.ReadUInt64());
        Assert.Equal("ab", r.ReadCString());
    }

    [Fact]
    public void Align_PadsWithTheFillByte()
    {
        var b = new ByteBuilder();
        b.WriteByte(1);
        b.Align(8, fill: 0x90);
        Assert.Equal(new byte[] { 1, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 }, b.ToArray());
        b.Align(8);
        Assert.Equal(8, b.ToArray().Length);
    }

    [Fact]
    public void Reader_PastTheEnd_IsAFormatException()
    {
        byte[] data = { 0x80 }; // a LEB128 whose continuation byte is missing
        Assert.Throws<FormatException>(() => new ByteReader(data).ReadULeb128());
        Assert.Throws<FormatException>(() => new ByteReader(data).ReadUInt32());
        Assert.Throws<FormatException>(() => new ByteReader(data).ReadCString());
    }

    [Fact]
    public void StringTable_DeduplicatesAndGivesOffsets()
    {
        var t = new StringTable(leadingNul: true);
        uint a = t.Add("main");
        uint b = t.Add("x.c");
        Assert.Equal(a, t.Add("main"));
        byte[] bytes = t.ToArray();
        Assert.Equal(0, bytes[0]);
        Assert.Equal("main", ByteReader.CStringAt(bytes, a));
        Assert.Equal("x.c", ByteReader.CStringAt(bytes, b));
        Assert.Equal(1 + 5 + 4, bytes.Length);
    }
}
