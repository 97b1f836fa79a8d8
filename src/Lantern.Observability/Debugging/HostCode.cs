using Iced.Intel;
using Lantern.Observability.Interop;
using Lantern.X64;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.Observability.Debugging;

/// <summary>
/// The machine code of the debugger's host layer, generated with X64Assembler at start-up into the target's code memory:
/// the patch-site trampoline, the signal handler (no managed code may run in a signal handler) and the call stub.
/// </summary>
internal static class HostCode
{
    // control block layout (bytes), shared by the machine code and NativeDebugTarget
    public const int CtlStopSeq = 0;        // int: incremented by the worker at each stop (the controller futex-waits on it)
    public const int CtlResumeSeq = 4;      // int: incremented by the controller to release the worker
    public const int CtlTid = 8;            // long: the worker's thread id
    public const int CtlInProgram = 16;     // long: 1 while the worker runs program code (not the managed site handler)
    public const int CtlStopKind = 24;      // long: StopKindSite / StopKindSignal / StopKindExited
    public const int CtlSignal = 32;        // long: signal number
    public const int CtlFaultAddress = 40;  // long: si_addr
    public const int CtlBlock = 48;         // long: address of the register block of the current stop
    public const int CtlSiCode = 56;        // long: si_code
    public const int CtlExitStatus = 64;    // long: the program's exit status (StopKindExited)
    public const int CtlSignalBlock = 128;  // the register block of signal stops
    public const int CtlSize = CtlSignalBlock + RegisterBlock.Size;

    // the process-wide signal state (one handler for all targets): the active target's control block, then the actions
    public const int SharedControl = 0;
    public const int SharedDefaultAction = 64;  // struct sigaction, all zero (SIG_DFL)
    public const int SharedOldActions = SharedDefaultAction + LibC.SigactionSize;
    public const int SharedSize = SharedOldActions + (65 * LibC.SigactionSize);

    public const long StopKindSite = 1;
    public const long StopKindSignal = 2;
    public const long StopKindExited = 3;

    // ucontext_t: uc_mcontext.gregs at 40 (REG_R8 = 0 ... REG_RIP = 16, REG_EFL = 17), fpregs pointer at gregs[23]
    private const int UcGregs = 40;
    private const int UcFpregs = UcGregs + (23 * 8);
    private const int FpXmm = 160;

    // DWARF register number (0..16) -> gregs index; then rflags
    private static readonly int[] s_gregOfDwarf = { 13, 12, 14, 11, 9, 8, 10, 15, 0, 1, 2, 3, 4, 5, 6, 7, 16 };
    private const int GregEfl = 17;

    /// <summary>
    /// The patch-site trampoline. A site's <c>call rel32</c> enters it with the return address (site + 5) on the
    /// stack. It saves every GPR, rflags and xmm0-15 into a register block on the stack, realigns the stack to 16,
    /// calls <c>handler(block, cookie)</c>, then restores the (possibly edited) registers, rsp included, and continues
    /// at the block's rip, or at site + 5 if rip still names the site.
    /// </summary>
    public static byte[] Trampoline(ulong address, ulong handler, ulong cookie, ulong control)
    {
        var a = new X64Assembler(64);
        X64Label resumeAtRip = a.CreateLabel();
        a.pushfq();
        a.push(rax);
        a.mov(rax, rsp);                                        // rax -> [saved rax, rflags, return address]
        a.and(rsp, -16);
        a.sub(rsp, RegisterBlock.Size);
        a.mov(__qword_ptr[rsp + (1 * 8)], rdx);
        a.mov(__qword_ptr[rsp + (2 * 8)], rcx);
        a.mov(__qword_ptr[rsp + (3 * 8)], rbx);
        a.mov(__qword_ptr[rsp + (4 * 8)], rsi);
        a.mov(__qword_ptr[rsp + (5 * 8)], rdi);
        a.mov(__qword_ptr[rsp + (6 * 8)], rbp);
        AssemblerRegister64[] high = { r8, r9, r10, r11, r12, r13, r14, r15 };
        for (int i = 0; i < 8; i++)
        {
            a.mov(__qword_ptr[rsp + ((8 + i) * 8)], high[i]);
        }

        a.mov(rdx, __qword_ptr[rax]);
        a.mov(__qword_ptr[rsp], rdx);                           // rax
        a.mov(rdx, __qword_ptr[rax + 8]);
        a.mov(__qword_ptr[rsp + RegisterBlock.Rflags], rdx);
        a.mov(rdx, __qword_ptr[rax + 16]);
        a.sub(rdx, 5);
        a.mov(__qword_ptr[rsp + RegisterBlock.Rip], rdx);       // rip = the site
        a.mov(__qword_ptr[rsp + RegisterBlock.Site], rdx);
        a.lea(rdx, __[rax + 24]);
        a.mov(__qword_ptr[rsp + (7 * 8)], rdx);                 // rsp at the site
        AssemblerRegisterXMM[] xmms = { xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15 };
        for (int i = 0; i < 16; i++)
        {
            a.movdqu(__xmmword_ptr[rsp + RegisterBlock.Xmm0 + (16 * i)], xmms[i]);
        }

        a.mov(rbx, rsp);
        a.mov(rax, (long)control);
        a.mov(__qword_ptr[rax + CtlInProgram], 0);
        a.mov(rdi, rsp);
        a.mov(rsi, (long)cookie);
        a.mov(rax, (long)handler);
        a.call(rax);
        a.mov(rax, (long)control);
        a.mov(__qword_ptr[rax + CtlInProgram], 1);

        for (int i = 0; i < 16; i++)
        {
            a.movdqu(xmms[i], __xmmword_ptr[rbx + RegisterBlock.Xmm0 + (16 * i)]);
        }

        // Build [rbx, rax, rflags, rip] just below the new rsp (the program keeps nothing below rsp: no red zone),
        // switch to it and pop. The block's top 16 bytes are unused, so these stores never clobber what is still read.
        a.mov(rax, __qword_ptr[rbx + (7 * 8)]);
        a.sub(rax, 32);
        a.mov(rcx, __qword_ptr[rbx + RegisterBlock.Rip]);
        a.cmp(rcx, __qword_ptr[rbx + RegisterBlock.Site]);
        a.jne(resumeAtRip);
        a.add(rcx, 5);
        a.Label(ref resumeAtRip);
        a.mov(__qword_ptr[rax + 24], rcx);
        a.mov(rcx, __qword_ptr[rbx + RegisterBlock.Rflags]);
        a.mov(__qword_ptr[rax + 16], rcx);
        a.mov(rcx, __qword_ptr[rbx]);
        a.mov(__qword_ptr[rax + 8], rcx);
        a.mov(rdx, __qword_ptr[rbx + (1 * 8)]);
        a.mov(rsi, __qword_ptr[rbx + (4 * 8)]);
        a.mov(rdi, __qword_ptr[rbx + (5 * 8)]);
        a.mov(rbp, __qword_ptr[rbx + (6 * 8)]);
        for (int i = 0; i < 8; i++)
        {
            a.mov(high[i], __qword_ptr[rbx + ((8 + i) * 8)]);
        }

        a.mov(rcx, __qword_ptr[rbx + (3 * 8)]);
        a.mov(__qword_ptr[rax], rcx);
        a.mov(rcx, __qword_ptr[rbx + (2 * 8)]);
        a.mov(rsp, rax);
        a.pop(rbx);
        a.pop(rax);
        a.popfq();
        a.ret();
        return Assemble(a, address);
    }

    /// <summary>
    /// The signal handler <c>(int sig, siginfo_t* info, ucontext_t* uc)</c> for SIGTRAP, SIGSEGV, SIGBUS, SIGFPE,
    /// SIGILL and SIGABRT. On the worker thread while it runs program code, it copies the ucontext registers into
    /// the control block's register block, publishes the stop (futex wake), parks (futex wait) until the controller
    /// releases it, and writes the (possibly edited) registers back into the ucontext. Anything else is chained to
    /// the previous action of the signal (CoreCLR's, the crash reporter's), or to the default action.
    /// </summary>
    public static byte[] SignalHandler(ulong address, ulong shared, ulong sigactionFunction)
    {
        var a = new X64Assembler(64);
        X64Label chain = a.CreateLabel();
        X64Label wait = a.CreateLabel();
        X64Label resumed = a.CreateLabel();
        X64Label noFpIn = a.CreateLabel();
        X64Label noFpOut = a.CreateLabel();
        a.push(rbx);
        a.push(r12);
        a.push(r13);
        a.mov(r12, rsi);
        a.mov(r13, rdx);
        a.mov(eax, LibC.SysGettid);                             // syscall keeps rdi, rsi, rdx
        a.syscall();
        a.mov(rbx, (long)shared);
        a.mov(rbx, __qword_ptr[rbx + SharedControl]);
        a.test(rbx, rbx);
        a.jz(chain);
        a.cmp(eax, __dword_ptr[rbx + CtlTid]);
        a.jne(chain);
        X64Label inProgram = a.CreateLabel();
        a.cmp(__qword_ptr[rbx + CtlInProgram], 0);
        a.jne(inProgram);
        // not in program code: an interrupt's SIGTRAP (tgkill, si_code SI_TKILL) that came late is dropped
        a.cmp(edi, Signals.SigTrap);
        a.jne(chain);
        a.cmp(__dword_ptr[r12 + 8], -6);
        a.jne(chain);
        a.pop(r13);
        a.pop(r12);
        a.pop(rbx);
        a.ret();
        a.Label(ref inProgram);

        // the program's thread: record the signal and registers
        a.mov(__qword_ptr[rbx + CtlSignal], rdi);
        a.mov(rax, __qword_ptr[r12 + 16]);                      // si_addr
        a.mov(__qword_ptr[rbx + CtlFaultAddress], rax);
        a.movsxd(rax, __dword_ptr[r12 + 8]);                     // si_code
        a.mov(__qword_ptr[rbx + CtlSiCode], rax);
        a.mov(__qword_ptr[rbx + CtlStopKind], (int)StopKindSignal);
        a.lea(r8, __[rbx + CtlSignalBlock]);
        for (int d = 0; d < s_gregOfDwarf.Length; d++)
        {
            a.mov(rax, __qword_ptr[r13 + UcGregs + (8 * s_gregOfDwarf[d])]);
            a.mov(__qword_ptr[r8 + (8 * d)], rax);
        }

        a.mov(rax, __qword_ptr[r13 + UcGregs + (8 * GregEfl)]);
        a.mov(__qword_ptr[r8 + RegisterBlock.Rflags], rax);
        a.mov(__qword_ptr[r8 + RegisterBlock.Site], 0);
        a.mov(r9, __qword_ptr[r13 + UcFpregs]);
        a.test(r9, r9);
        a.jz(noFpIn);
        for (int i = 0; i < 32; i++)
        {
            a.mov(rax, __qword_ptr[r9 + FpXmm + (8 * i)]);
            a.mov(__qword_ptr[r8 + RegisterBlock.Xmm0 + (8 * i)], rax);
        }

        a.Label(ref noFpIn);
        a.mov(__qword_ptr[rbx + CtlBlock], r8);

        // publish the stop, wake the controller, park until the resume sequence changes
        a.mov(r12d, __dword_ptr[rbx + CtlResumeSeq]);
        a.@lock.inc(__dword_ptr[rbx + CtlStopSeq]);
        a.lea(rdi, __[rbx + CtlStopSeq]);
        a.mov(esi, LibC.FutexWakePrivate);
        a.mov(edx, int.MaxValue);
        a.mov(eax, LibC.SysFutex);
        a.syscall();
        a.Label(ref wait);
        a.mov(eax, __dword_ptr[rbx + CtlResumeSeq]);
        a.cmp(eax, r12d);
        a.jne(resumed);
        a.lea(rdi, __[rbx + CtlResumeSeq]);
        a.mov(esi, LibC.FutexWaitPrivate);
        a.mov(edx, r12d);
        a.xor(r10d, r10d);
        a.mov(eax, LibC.SysFutex);
        a.syscall();
        a.jmp(wait);

        // released: write the registers back
        a.Label(ref resumed);
        a.lea(r8, __[rbx + CtlSignalBlock]);
        for (int d = 0; d < s_gregOfDwarf.Length; d++)
        {
            a.mov(rax, __qword_ptr[r8 + (8 * d)]);
            a.mov(__qword_ptr[r13 + UcGregs + (8 * s_gregOfDwarf[d])], rax);
        }

        a.mov(rax, __qword_ptr[r8 + RegisterBlock.Rflags]);
        a.mov(__qword_ptr[r13 + UcGregs + (8 * GregEfl)], rax);
        a.mov(r9, __qword_ptr[r13 + UcFpregs]);
        a.test(r9, r9);
        a.jz(noFpOut);
        for (int i = 0; i < 32; i++)
        {
            a.mov(rax, __qword_ptr[r8 + RegisterBlock.Xmm0 + (8 * i)]);
            a.mov(__qword_ptr[r9 + FpXmm + (8 * i)], rax);
        }

        a.Label(ref noFpOut);
        a.pop(r13);
        a.pop(r12);
        a.pop(rbx);
        a.ret();

        // another thread, or the managed site handler: chain to the previous action of this signal
        a.Label(ref chain);
        a.pop(r13);
        a.pop(r12);
        a.pop(rbx);
        SignalChain.EmitChainToPreviousAction(a, shared + SharedOldActions, shared + SharedDefaultAction, sigactionFunction);
        return Assemble(a, address);
    }

    /// <summary>
    /// <c>void call(ulong entry, ulong* ints /*6*/, ulong* doubles /*8*/, ulong* result /*rax, rdx, xmm0, xmm1*/,
    /// ulong* stack, ulong stackQwords)</c>: copies the stack arguments below a 16-byte aligned rsp, loads the System V
    /// argument registers, sets al = 8 (variadic callees), calls, stores rax, rdx, xmm0 and xmm1.
    /// </summary>
    public static byte[] CallStub(ulong address)
    {
        var a = new X64Assembler(64);
        X64Label copy = a.CreateLabel();
        X64Label copied = a.CreateLabel();
        a.push(rbp);
        a.mov(rbp, rsp);
        a.push(rbx);
        a.sub(rsp, 8);
        a.mov(rbx, rcx);
        a.mov(rax, rdi);
        a.mov(r10, rsi);
        a.lea(r11, __[r9 * 8 + 15]);
        a.and(r11, -16);
        a.sub(rsp, r11);
        a.xor(ecx, ecx);
        a.Label(ref copy);
        a.cmp(rcx, r9);
        a.jae(copied);
        a.mov(r11, __qword_ptr[r8 + rcx * 8]);
        a.mov(__qword_ptr[rsp + rcx * 8], r11);
        a.inc(rcx);
        a.jmp(copy);
        a.Label(ref copied);
        for (int i = 0; i < 8; i++)
        {
            a.movsd(new[] { xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7 }[i], __qword_ptr[rdx + (8 * i)]);
        }

        a.mov(rdi, __qword_ptr[r10]);
        a.mov(rsi, __qword_ptr[r10 + 8]);
        a.mov(rdx, __qword_ptr[r10 + 16]);
        a.mov(rcx, __qword_ptr[r10 + 24]);
        a.mov(r8, __qword_ptr[r10 + 32]);
        a.mov(r9, __qword_ptr[r10 + 40]);
        a.mov(r11, rax);
        a.mov(eax, 8);
        a.call(r11);
        a.mov(__qword_ptr[rbx], rax);
        a.mov(__qword_ptr[rbx + 8], rdx);
        a.movq(__qword_ptr[rbx + 16], xmm0);
        a.movq(__qword_ptr[rbx + 24], xmm1);
        a.lea(rsp, __[rbp - 8]);
        a.pop(rbx);
        a.pop(rbp);
        a.ret();
        return Assemble(a, address);
    }

    private static byte[] Assemble(X64Assembler a, ulong address)
    {
        a.Assemble(address, out byte[] code);
        return code;
    }
}
