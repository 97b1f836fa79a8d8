using Iced.Intel;
using Lantern.X64;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Runtime;

/// <summary>
/// Native entry points for functions that are not machine code (interpreted functions): thunk <c>i</c> is a
/// real address native code can call with the System V convention. It saves the argument registers into an
/// <see cref="EntryBlock"/> on its stack and calls one dispatcher <c>void dispatch(int id, EntryBlock*)</c>,
/// then returns rax/rdx/xmm0/xmm1 from the block.
/// </summary>
public sealed unsafe class EntryThunks
{
    /// <summary>Distance between consecutive thunks.</summary>
    public const int Stride = 16;

    private const int CommonSize = 256;

    private readonly byte* _base;
    private readonly byte* _first;

    /// <summary>Generates <paramref name="count"/> thunks calling <paramref name="dispatcher"/>.</summary>
    public EntryThunks(int count, nint dispatcher)
    {
        Count = count;
        int size = CommonSize + Math.Max(count, 1) * Stride;
        _base = ExecutableMemory.AllocateWritable(size, out int mapped);
        _first = _base + CommonSize;
        ExecutableMemory.AssembleAt(BuildCommon(dispatcher), _base, CommonSize);
        for (int i = 0; i < count; i++)
        {
            var a = new X64Assembler(64);
            a.mov(r10d, i);
            a.jmp((ulong)_base);
            ExecutableMemory.AssembleAt(a, _first + i * Stride, Stride);
        }

        ExecutableMemory.MakeExecutable(_base, mapped);
    }

    public int Count { get; }

    /// <summary>Native address of thunk <paramref name="id"/>.</summary>
    public long AddressOf(int id) => (long)(_first + (long)id * Stride);

    /// <summary>The thunk id at <paramref name="address"/>, or -1 if the address is not a thunk entry.</summary>
    public int IdOf(long address)
    {
        long off = address - (long)_first;
        if ((ulong)off >= (ulong)((long)Count * Stride) || (off & (Stride - 1)) != 0)
        {
            return -1;
        }

        return (int)(off / Stride);
    }

    private static X64Assembler BuildCommon(nint dispatcher)
    {
        var a = new X64Assembler(64);
        a.push(rbp);
        a.mov(rbp, rsp);
        a.sub(rsp, EntryBlock.Size);
        a.mov(__qword_ptr[rsp + 0], rdi);
        a.mov(__qword_ptr[rsp + 8], rsi);
        a.mov(__qword_ptr[rsp + 16], rdx);
        a.mov(__qword_ptr[rsp + 24], rcx);
        a.mov(__qword_ptr[rsp + 32], r8);
        a.mov(__qword_ptr[rsp + 40], r9);
        AssemblerRegisterXMM[] xmms = { xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7 };
        for (int i = 0; i < 8; i++)
        {
            a.movups(__xmmword_ptr[rsp + 48 + 16 * i], xmms[i]);
        }

        a.lea(rax, __qword_ptr[rbp + 16]);
        a.mov(__qword_ptr[rsp + EntryBlock.StackArgsOffset], rax);
        a.mov(edi, r10d);
        a.mov(rsi, rsp);
        a.mov(rax, (ulong)dispatcher);
        a.call(rax);
        a.mov(rax, __qword_ptr[rsp + EntryBlock.RaxOffset]);
        a.mov(rdx, __qword_ptr[rsp + EntryBlock.RaxOffset + 8]);
        a.movsd(xmm0, __qword_ptr[rsp + EntryBlock.RaxOffset + 16]);
        a.movsd(xmm1, __qword_ptr[rsp + EntryBlock.RaxOffset + 24]);
        a.leave();
        a.ret();
        return a;
    }
}

/// <summary>
/// What an entry thunk saves: its first 176 bytes are exactly a System V register save area (6 GP
/// registers, then 8 XMM registers of 16 bytes), followed by the address of the caller's stack arguments
/// and the return registers the dispatcher fills in.
/// </summary>
public static class EntryBlock
{
    public const int Size = 224;
    public const int XmmOffset = 48;
    public const int StackArgsOffset = 176;
    public const int RaxOffset = 184;
    public const int RdxOffset = 192;
    public const int Xmm0Offset = 200;
    public const int Xmm1Offset = 208;
}
