using System.Buffers.Binary;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.C.Debug;

/// <summary>
/// What the expression evaluator needs from a stopped program (or a linked, not yet running one): memory, the
/// registers of the selected frame, its pc, and calls to program functions. The debugger session implements it
/// over a frame of <c>IDebugTarget</c>; tests implement it over a linked JIT module.
/// </summary>
public interface IValueContext
{
    /// <summary>The DWARF describing the program.</summary>
    DebugData Debug { get; }

    /// <summary>The pc of the selected frame, or null if there is no frame (program not running).</summary>
    ulong? FramePc { get; }

    /// <summary>A register (DWARF number) of the selected frame; null if unknown or no frame.</summary>
    ulong? ReadRegister(int dwarfRegister);

    /// <summary>Writes a register of the selected frame; false if not possible.</summary>
    bool WriteRegister(int dwarfRegister, ulong value);

    bool ReadMemory(ulong address, Span<byte> buffer);

    bool WriteMemory(ulong address, ReadOnlySpan<byte> data);

    /// <summary>
    /// Calls a program function (System V registers and stack argument area, as
    /// <see cref="Lantern.Observability.Debugging.IDebugTarget.CallFunction"/>); throws <see cref="DebugEvalException"/> if not possible.
    /// </summary>
    CallResult CallFunction(ulong entry, IReadOnlyList<ulong> integerArgs, IReadOnlyList<double> doubleArgs, byte[]? stackArgs);

    /// <summary>Whether <see cref="CallFunction"/> can work now (a program is running); gdb's check before a call's arguments are evaluated.</summary>
    bool CanCallFunctions => true;

    /// <summary>
    /// Copies <paramref name="data"/> into memory the program can read and write (string literals and struct return
    /// buffers of calls); it stays allocated for the rest of the session, as gdb's allocations in the inferior do.
    /// Throws <see cref="DebugEvalException"/> if not possible.
    /// </summary>
    ulong AllocateMemory(ReadOnlySpan<byte> data);
}

/// <summary>An error in evaluating an expression; the message is gdb's wording.</summary>
public sealed class DebugEvalException : Exception
{
    public DebugEvalException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// A value: a type and its bytes, and where it lives if it is an lvalue (memory <see cref="Address"/>, or a DWARF
/// <see cref="Register"/>). Memory values are read lazily, so <c>&amp;*p</c> and <c>p[1000000]</c>'s address work
/// without reading.
/// </summary>
public sealed class DbgValue
{
    private byte[]? _bytes;
    private readonly IValueContext? _context;

    private DbgValue(DbgType type, byte[]? bytes, ulong? address, int? register, IValueContext? context)
    {
        Type = type;
        _bytes = bytes;
        Address = address;
        Register = register;
        _context = context;
    }

    public DbgType Type { get; }

    /// <summary>The memory address of an lvalue in memory.</summary>
    public ulong? Address { get; }

    /// <summary>The DWARF register of an lvalue in a register.</summary>
    public int? Register { get; }

    /// <summary>For a bit-field lvalue: the bit position from <see cref="Address"/> and the width.</summary>
    public int BitPosition { get; private init; }

    public int BitSize { get; private init; }

    /// <summary>Whether this value was read from program memory/registers (an lvalue).</summary>
    public bool IsLvalue => Address is not null || Register is not null;

    /// <summary>The value's bytes (read from memory on first use).</summary>
    /// <exception cref="DebugEvalException">The memory cannot be read.</exception>
    public byte[] Bytes
    {
        get
        {
            if (_bytes is null)
            {
                long size = Math.Max(Type.Size, 0);
                if (size > 1 << 26)
                {
                    throw new DebugEvalException($"value requires {size} bytes, which is more than max-value-size");
                }

                var buffer = new byte[size];
                if (BitSize == 0 && size > 0 && !_context!.ReadMemory(Address!.Value, buffer))
                {
                    throw new DebugEvalException($"Cannot access memory at address 0x{FirstUnreadable(Address!.Value, buffer.Length):x}");
                }

                if (BitSize > 0)
                {
                    // Bit-field: the storage spans ceil((pos+size)/8) bytes; read them all.
                    int span = (BitPosition + BitSize + 7) / 8;
                    var storage = new byte[Math.Max(span, 1)];
                    if (!_context!.ReadMemory(Address!.Value, storage))
                    {
                        throw new DebugEvalException($"Cannot access memory at address 0x{Address!.Value:x}");
                    }

                    ulong raw = 0;
                    for (int i = 0; i < storage.Length && i < 8; i++)
                    {
                        raw |= (ulong)storage[i] << (8 * i);
                    }

                    raw >>= BitPosition;
                    raw &= BitSize >= 64 ? ulong.MaxValue : (1UL << BitSize) - 1;
                    if (Type.Strip().IsSigned && BitSize < 64 && (raw & (1UL << (BitSize - 1))) != 0)
                    {
                        raw |= ~((1UL << BitSize) - 1);
                    }

                    buffer = new byte[size];
                    for (int i = 0; i < buffer.Length && i < 8; i++)
                    {
                        buffer[i] = (byte)(raw >> (8 * i));
                    }
                }

                _bytes = buffer;
            }

            return _bytes;
        }
    }

    private ulong FirstUnreadable(ulong address, int length)
    {
        Span<byte> one = stackalloc byte[1];
        for (int i = 0; i < length; i++)
        {
            if (!_context!.ReadMemory(address + (ulong)i, one))
            {
                return address + (ulong)i;
            }

            // Skip ahead page by page.
            ulong next = ((address + (ulong)i) | 0xfff) + 1;
            int skip = (int)Math.Min((ulong)length, next - address) - 1;
            if (skip > i)
            {
                i = skip - 1;
            }
        }

        return address;
    }

    public static DbgValue FromBytes(DbgType type, byte[] bytes) => new(type, bytes, null, null, null);

    public static DbgValue AtAddress(DbgType type, ulong address, IValueContext context) => new(type, null, address, null, context);

    public static DbgValue BitField(DbgType type, ulong address, int bitPosition, int bitSize, IValueContext context)
        => new(type, null, address, null, context) { BitPosition = bitPosition, BitSize = bitSize };

    public static DbgValue InRegister(DbgType type, int register, ulong value)
    {
        var bytes = new byte[Math.Max(type.Size, 0)];
        for (int i = 0; i < bytes.Length && i < 8; i++)
        {
            bytes[i] = (byte)(value >> (8 * i));
        }

        return new DbgValue(type, bytes, null, register, null);
    }

    public static DbgValue FromLong(DbgType type, long value) => FromBytes(type, Encode(value, (int)type.Size));

    public static DbgValue FromDouble(DbgType type, double value)
    {
        var bytes = new byte[type.Size];
        if (type.Size == 4)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes, (float)value);
        }
        else
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
        }

        return FromBytes(type, bytes);
    }

    internal static byte[] Encode(long value, int size)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size && i < 8; i++)
        {
            bytes[i] = (byte)((ulong)value >> (8 * i));
        }

        return bytes;
    }

    /// <summary>The raw bits of a scalar as an unsigned 64-bit number (zero-extended).</summary>
    public ulong RawBits
    {
        get
        {
            byte[] b = Bytes;
            ulong v = 0;
            for (int i = 0; i < b.Length && i < 8; i++)
            {
                v |= (ulong)b[i] << (8 * i);
            }

            return v;
        }
    }

    /// <summary>The value of an integer, bool, enum or pointer, sign-extended if signed.</summary>
    public long AsLong()
    {
        DbgType t = Type.Strip();
        if (t.Kind == DbgTypeKind.Float)
        {
            return (long)AsDouble();
        }

        ulong raw = RawBits;
        int size = (int)Math.Min(t.Size, 8);
        if (t.IsSigned && size < 8 && size > 0 && (raw & (1UL << (size * 8 - 1))) != 0)
        {
            raw |= ~0UL << (size * 8);
        }

        return (long)raw;
    }

    /// <summary>The value as a double (floats, or integers converted).</summary>
    public double AsDouble()
    {
        DbgType t = Type.Strip();
        if (t.Kind == DbgTypeKind.Float)
        {
            byte[] b = Bytes;
            return t.Size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b);
        }

        return t.IsSigned ? AsLong() : (double)(ulong)AsLong();
    }
}
