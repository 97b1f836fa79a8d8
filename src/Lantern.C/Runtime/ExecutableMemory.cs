using Iced.Intel;
using Lantern.Observability.Interop;
using Lantern.X64;

namespace Lantern.C.Runtime;

/// <summary>
/// Executable memory with W^X: code is assembled into a read-write anonymous mapping, which is then
/// re-protected read+execute and never written again.
/// </summary>
public static unsafe class ExecutableMemory
{
    private const int PageSize = 4096;

    /// <summary>Reserves a read-write region of at least <paramref name="size"/> bytes (page-rounded).</summary>
    public static byte* AllocateWritable(int size, out int mappedSize)
    {
        mappedSize = (size + PageSize - 1) & ~(PageSize - 1);
        return LibC.MapAnonymousMemory((nuint)mappedSize, LibC.ProtRead | LibC.ProtWrite);
    }

    /// <summary>Flips a region obtained from <see cref="AllocateWritable"/> to read+execute.</summary>
    public static void MakeExecutable(byte* p, int mappedSize)
    {
        if (LibC.Mprotect((nint)p, (nuint)mappedSize, LibC.ProtRead | LibC.ProtExec) != 0)
        {
            throw new InvalidOperationException("mprotect(PROT_READ|PROT_EXEC) failed");
        }
    }

    /// <summary>Assembles <paramref name="asm"/> for address <paramref name="rip"/> and copies the bytes there.</summary>
    public static int AssembleAt(X64Assembler asm, byte* rip, int capacity)
    {
        var writer = new BufferCodeWriter();
        asm.Assemble(writer, (ulong)rip);
        byte[] bytes = writer.ToArray();
        if (bytes.Length > capacity)
        {
            throw new InvalidOperationException($"generated code is {bytes.Length} bytes, room for {capacity}");
        }

        new ReadOnlySpan<byte>(bytes).CopyTo(new Span<byte>(rip, capacity));
        return bytes.Length;
    }

    /// <summary>Assembles a standalone piece of code into its own executable mapping and returns its address.</summary>
    public static nint Emit(Func<X64Assembler> build, int maxSize = PageSize)
    {
        byte* p = AllocateWritable(maxSize, out int mapped);
        AssembleAt(build(), p, mapped);
        MakeExecutable(p, mapped);
        return (nint)p;
    }

    private sealed class BufferCodeWriter : CodeWriter
    {
        private readonly List<byte> _bytes = new();

        public override void WriteByte(byte value) => _bytes.Add(value);

        public byte[] ToArray() => _bytes.ToArray();
    }
}
