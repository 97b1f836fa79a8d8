using System.Runtime.InteropServices;
using Iced.Intel;
using Lantern.X64;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Runtime;

/// <summary>
/// The argument block of the native call bridge: everything a System V call needs, laid out for the
/// generated stub (offsets are part of the machine code, do not reorder).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CallBlock
{
    /// <summary>Address of the native function (offset 0).</summary>
    public long Function;

    /// <summary>rdi, rsi, rdx, rcx, r8, r9 (offset 8).</summary>
    public fixed long Gp[6];

    /// <summary>xmm0..xmm7, low 8 bytes each (offset 56).</summary>
    public fixed long Xmm[8];

    /// <summary>Number of 8-byte stack argument slots (offset 120).</summary>
    public long StackCount;

    /// <summary>Pointer to the stack argument slots, first slot at the lowest address (offset 128).</summary>
    public long* Stack;

    /// <summary>Value of al: number of vector registers used, for variadic callees (offset 136).</summary>
    public long SseCount;

    /// <summary>rax, rdx after the call (offsets 144, 152).</summary>
    public long Rax;
    public long Rdx;

    /// <summary>xmm0, xmm1 low 8 bytes after the call (offsets 160, 168).</summary>
    public long Xmm0;
    public long Xmm1;
}

/// <summary>
/// Calls native code with any System V x86-64 signature. The stub, generated once at start-up, loads the
/// argument registers and stack slots from a <see cref="CallBlock"/>, sets al, calls, and stores rax, rdx,
/// xmm0 and xmm1 back into the block.
/// </summary>
public static unsafe class CallBridge
{
    private static readonly Lazy<nint> s_stub = new(Generate);

    /// <summary>Address of the generated stub: <c>void bridge(CallBlock*)</c>.</summary>
    public static nint Stub => s_stub.Value;

    /// <summary>Performs the call described by <paramref name="block"/>; results land in the block.</summary>
    public static void Invoke(CallBlock* block)
    {
        ((delegate* unmanaged<CallBlock*, void>)s_stub.Value)(block);
    }

    private static nint Generate() => ExecutableMemory.Emit(() =>
    {
        var a = new X64Assembler(64);
        a.push(rbp);
        a.mov(rbp, rsp);
        a.push(rbx);
        a.push(r12);
        a.mov(rbx, rdi);

        // Stack arguments: reserve, realign to 16, copy.
        a.mov(rcx, __qword_ptr[rbx + 120]);
        a.lea(rax, __qword_ptr[rcx * 8]);
        a.sub(rsp, rax);
        a.and(rsp, -16);
        a.mov(rsi, __qword_ptr[rbx + 128]);
        a.mov(rdi, rsp);
        a.cld();
        a.rep.movsq();

        AssemblerRegisterXMM[] xmms = { xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7 };
        for (int i = 0; i < 8; i++)
        {
            a.movsd(xmms[i], __qword_ptr[rbx + 56 + 8 * i]);
        }

        a.mov(rdi, __qword_ptr[rbx + 8]);
        a.mov(rsi, __qword_ptr[rbx + 16]);
        a.mov(rdx, __qword_ptr[rbx + 24]);
        a.mov(rcx, __qword_ptr[rbx + 32]);
        a.mov(r8, __qword_ptr[rbx + 40]);
        a.mov(r9, __qword_ptr[rbx + 48]);
        a.mov(eax, __dword_ptr[rbx + 136]);
        a.mov(r11, __qword_ptr[rbx]);
        a.call(r11);
        a.mov(__qword_ptr[rbx + 144], rax);
        a.mov(__qword_ptr[rbx + 152], rdx);
        a.movsd(__qword_ptr[rbx + 160], xmm0);
        a.movsd(__qword_ptr[rbx + 168], xmm1);
        a.lea(rsp, __qword_ptr[rbp - 16]);
        a.pop(r12);
        a.pop(rbx);
        a.pop(rbp);
        a.ret();
        return a;
    });
}
