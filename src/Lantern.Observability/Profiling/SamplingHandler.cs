using Iced.Intel;
using Lantern.X64;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.Observability.Profiling;

/// <summary>
/// The SIGPROF handler of the sampler, written as machine code at start-up (a signal handler must never run
/// managed code). It finds the interrupted thread's slot by its stack, walks the thread's stack into the slot's
/// pre-allocated sample buffer and re-arms the engine with a jittered period. No allocation, no lock, no call.
/// <para>
/// The walk: the interrupted rip is the leaf. If it is in JIT code, a sorted table of JIT code ranges says where
/// the return address is: at [rsp] before <c>push rbp</c> and at the <c>ret</c> of an epilogue, at [rsp+8]
/// between <c>push rbp</c> and <c>mov rbp, rsp</c>, through the frame-pointer chain everywhere else. If it is
/// in native code (libc), the stack is scanned upward from rsp for the first return address into JIT code that
/// follows a call instruction (<c>call rel32</c>, <c>call [rip+disp32]</c>, <c>call reg</c> or <c>call [reg]</c>), and the chain continues from rbp if rbp lies above it (libc keeps rbp). Every
/// stack read is checked against the thread's stack bounds; the chain must grow upward; the walk ends at the
/// first return address outside JIT code (the entry stub that called main).
/// </para>
/// </summary>
internal static class SamplingHandler
{
    // block header
    public const int BlockSlotCount = 0;
    public const int BlockTable = 8;
    public const int BlockTableCount = 16;
    public const int BlockCodeLow = 24;
    public const int BlockCodeHigh = 32;
    public const int BlockEngine = 40;      // 0 perf_event (re-arm by PERF_EVENT_IOC_PERIOD), 1 POSIX timer, 2 no re-arm
    public const int BlockOldAction = 128;  // struct sigaction (152 bytes)
    public const int BlockSlots = 512;
    public const int MaxSlots = 64;
    public const int BlockSize = BlockSlots + MaxSlots * SlotSize;

    // per-thread slot
    public const int SlotSize = 128;
    public const int SlotTid = 0;           // for the managed side; the handler finds a slot by its stack
    public const int SlotStackLow = 8;
    public const int SlotStackHigh = 16;
    public const int SlotWrite = 24;        // next free byte of the sample buffer; published after a record is complete
    public const int SlotLimit = 32;
    public const int SlotReceived = 40;
    public const int SlotDropped = 48;
    public const int SlotHandle = 56;       // perf_event fd or timer id
    public const int SlotPeriod = 64;       // base period in ns
    public const int SlotRandom = 72;       // xorshift64 state
    public const int SlotJitter = 80;       // jitter span in ns (period = base - span/2 + U[0, span))
    public const int SlotActive = 88;       // (int) 1 while sampling
    public const int SlotSignals = 92;      // (int) signals handled, for re-arming every RearmEvery-th
    public const int SlotInterval = 96;     // struct itimerspec: it_interval (16 bytes, set once) ...
    public const int SlotValue = 112;       // ... it_value (16 bytes), also the u64 period for the ioctl

    /// <summary>The handler draws a new jittered period every this many signals (a power of two).</summary>
    public const int RearmEvery = 8;

    /// <summary>Frames recorded per sample at most (deeper stacks keep their leaf-most frames).</summary>
    public const int MaxDepth = 1024;

    /// <summary>Stack words scanned for a JIT return address when the leaf is in native code.</summary>
    public const int ScanWords = 2048;

    // table entry: low, high, kind
    public const int EntrySize = 24;
    public const long KindReturnAtRsp = 0;
    public const long KindReturnAtRsp8 = 1;
    public const long KindFramePointer = 2;

    private const int PerfEventIocPeriod = 0x40082404;

    // ucontext_t.uc_mcontext.gregs
    private const int Gregs = 40;
    private const int RegRbp = 10;
    private const int RegRsp = 15;
    private const int RegRip = 16;

    /// <summary>Assembles the handler for the block at <paramref name="block"/> to run at <paramref name="rip"/>.</summary>
    public static byte[] Emit(nint block, ulong rip)
    {
        var a = new X64Assembler(64);
        X64Label find = a.CreateLabel();
        X64Label next = a.CreateLabel();
        X64Label found = a.CreateLabel();
        X64Label outLabel = a.CreateLabel();
        X64Label full = a.CreateLabel();
        X64Label rearm = a.CreateLabel();
        X64Label finish = a.CreateLabel();
        X64Label chain = a.CreateLabel();
        X64Label native = a.CreateLabel();
        X64Label scan = a.CreateLabel();
        X64Label scanNext = a.CreateLabel();
        X64Label candidate = a.CreateLabel();
        X64Label fromSlot = a.CreateLabel();
        X64Label kind1 = a.CreateLabel();
        X64Label lookup = a.CreateLabel();
        X64Label timer = a.CreateLabel();

        // void handler(int sig /*edi*/, siginfo_t* info /*rsi*/, ucontext_t* uc /*rdx*/)
        a.push(rbx);
        a.push(rbp);
        a.push(r12);
        a.push(r13);
        a.push(r14);
        a.push(r15);
        a.mov(r15, rdx);
        // The thread's slot is the active one whose stack holds the interrupted rsp: no gettid (a system call costs
        // more than a microsecond in this VM), and a thread that reuses the stack of an ended one has its own slot.
        a.mov(r9, __qword_ptr[r15 + Gregs + RegRsp * 8]);
        a.mov(rbx, (long)block);
        a.lea(r12, __[rbx + BlockSlots]);
        a.mov(rcx, __qword_ptr[rbx + BlockSlotCount]);
        a.Label(ref find);
        a.test(rcx, rcx);
        a.jz(outLabel); // not a profiled thread (or on its alternate stack): ignore
        a.cmp(r9, __qword_ptr[r12 + SlotStackLow]);
        a.jb(next);
        a.cmp(r9, __qword_ptr[r12 + SlotStackHigh]);
        a.jae(next);
        a.cmp(__dword_ptr[r12 + SlotActive], 0);
        a.jne(found);
        a.Label(ref next);
        a.add(r12, SlotSize);
        a.dec(rcx);
        a.jmp(find);

        a.Label(ref found);
        a.mov(r13, __qword_ptr[r12 + SlotWrite]);
        a.mov(rax, __qword_ptr[r12 + SlotLimit]);
        a.sub(rax, r13);
        a.cmp(rax, (MaxDepth + 1) * 8);
        a.jb(full);
        a.lea(r14, __[r13 + 8]);                        // next frame slot (the record starts with its frame count)
        a.lea(rdx, __[r13 + 8 + MaxDepth * 8]);         // end of the frame area
        a.mov(rdi, __qword_ptr[r12 + SlotStackLow]);
        a.mov(rsi, __qword_ptr[r12 + SlotStackHigh]);
        a.mov(r8, __qword_ptr[r15 + Gregs + RegRip * 8]);
        a.mov(r9, __qword_ptr[r15 + Gregs + RegRsp * 8]);
        a.mov(r10, __qword_ptr[r15 + Gregs + RegRbp * 8]);
        a.mov(__qword_ptr[r14], r8);                    // the leaf
        a.add(r14, 8);
        a.call(lookup);
        a.cmp(eax, (int)KindReturnAtRsp);
        a.je(fromSlot);
        a.cmp(eax, (int)KindReturnAtRsp8);
        a.je(kind1);
        a.cmp(eax, -1);
        a.je(native);
        a.jmp(chain);

        // in a prologue or at a ret: the return address is on top of the stack, rbp is still the caller's
        a.Label(ref kind1);
        a.add(r9, 8);
        a.Label(ref fromSlot);
        EmitCheckInStack(a, r9, 8, finish);
        EmitLookupReturnAddress(a, __qword_ptr[r9], lookup, finish);
        a.mov(rax, __qword_ptr[r9]);
        a.mov(__qword_ptr[r14], rax);
        a.add(r14, 8);
        a.jmp(chain);

        // in native code: find the JIT caller on the stack (r15 = scan pointer, r9 = scan end; uc is not needed now)
        a.Label(ref native);
        a.mov(r15, r9);
        a.and(r15, -8);
        a.lea(r9, __[r15 + ScanWords * 8]);
        a.Label(ref scan);
        a.cmp(r15, r9);
        a.jae(finish);
        EmitCheckInStack(a, r15, 8, finish);
        EmitLookupReturnAddress(a, __qword_ptr[r15], lookup, scanNext); // r8 = word - 1 in a JIT range (rbp = its entry)?
        a.lea(rax, __[r8 - 5]);                        // the call instruction must lie inside the range
        a.cmp(rax, __qword_ptr[rbp]);
        a.jb(scanNext);
        a.movzx(eax, __byte_ptr[r8 - 4]);
        a.cmp(eax, 0xE8);                              // call rel32
        a.je(candidate);
        a.movzx(eax, __word_ptr[r8 - 5]);
        a.cmp(eax, 0x15FF);                            // call [rip+disp32]
        a.je(candidate);
        a.movzx(eax, __byte_ptr[r8 - 1]);
        a.cmp(eax, 0xFF);                              // call r/m64 (FF /2) with a register or [register] operand
        a.jne(scanNext);
        a.movzx(eax, __byte_ptr[r8]);
        a.and(eax, 0x38);
        a.cmp(eax, 0x10);
        a.jne(scanNext);
        a.Label(ref candidate);
        a.inc(r8);
        a.mov(__qword_ptr[r14], r8);
        a.add(r14, 8);
        a.cmp(r10, r15);                               // libc kept the caller's rbp: continue the chain from it
        a.jbe(finish);
        a.jmp(chain);
        a.Label(ref scanNext);
        a.add(r15, 8);
        a.jmp(scan);

        // the frame-pointer chain from r10
        a.Label(ref chain);
        a.cmp(r14, rdx);
        a.jae(finish);
        a.test(r10, 7);
        a.jnz(finish);
        EmitCheckInStack(a, r10, 16, finish);
        EmitLookupReturnAddress(a, __qword_ptr[r10 + 8], lookup, finish); // the caller is not JIT code (the entry stub): done
        a.mov(rax, __qword_ptr[r10 + 8]);
        a.mov(__qword_ptr[r14], rax);
        a.add(r14, 8);
        a.mov(rax, __qword_ptr[r10]);
        a.cmp(rax, r10);
        a.jbe(finish);
        a.mov(r10, rax);
        a.jmp(chain);

        // publish the record: frame count, then the write pointer
        a.Label(ref finish);
        a.mov(rax, r14);
        a.sub(rax, r13);
        a.shr(rax, 3);
        a.dec(rax);
        a.mov(__qword_ptr[r13], rax);
        a.mov(__qword_ptr[r12 + SlotWrite], r14);
        a.inc(__qword_ptr[r12 + SlotReceived]);
        a.jmp(rearm);
        a.Label(ref full);
        a.inc(__qword_ptr[r12 + SlotDropped]);

        // a jittered next period (xorshift64)
        a.Label(ref rearm);
        // Re-arming restarts the period from now, so the time between the expiry and the re-arm is lost to
        // sampling (tens of microseconds in a VM: 30% at 10 kHz if done at every sample), and the ioctl costs
        // 6-8 us here: re-arm every 8th signal, starting at the first (perf_event keeps the period it was opened
        // with, the random first expiry, until it is re-armed).
        a.cmp(__qword_ptr[rbx + BlockEngine], 2);
        a.je(outLabel);
        a.mov(eax, __dword_ptr[r12 + SlotSignals]);
        a.inc(__dword_ptr[r12 + SlotSignals]);
        a.test(eax, RearmEvery - 1);
        a.jnz(outLabel);
        a.mov(rcx, __qword_ptr[r12 + SlotJitter]);
        a.mov(rax, __qword_ptr[r12 + SlotRandom]);
        a.mov(rdx, rax);
        a.shl(rdx, 13);
        a.xor(rax, rdx);
        a.mov(rdx, rax);
        a.shr(rdx, 7);
        a.xor(rax, rdx);
        a.mov(rdx, rax);
        a.shl(rdx, 17);
        a.xor(rax, rdx);
        a.mov(__qword_ptr[r12 + SlotRandom], rax);
        a.shr(rax, 32);
        a.imul(rax, rcx);
        a.shr(rax, 32);
        a.add(rax, __qword_ptr[r12 + SlotPeriod]);
        a.shr(rcx, 1);
        a.sub(rax, rcx);
        a.cmp(__qword_ptr[rbx + BlockEngine], 0);
        a.jne(timer);
        a.mov(__qword_ptr[r12 + SlotValue], rax);
        a.mov(rdi, __qword_ptr[r12 + SlotHandle]);
        a.mov(esi, PerfEventIocPeriod);
        a.lea(rdx, __[r12 + SlotValue]);
        a.mov(eax, 16); // ioctl
        a.syscall();
        a.jmp(outLabel);
        a.Label(ref timer);
        a.xor(edx, edx);
        a.mov(rcx, 1_000_000_000L);
        a.div(rcx);
        a.mov(__qword_ptr[r12 + SlotValue], rax);
        a.mov(__qword_ptr[r12 + SlotValue + 8], rdx);
        a.mov(rdi, __qword_ptr[r12 + SlotHandle]);
        a.xor(esi, esi);
        a.lea(rdx, __[r12 + SlotInterval]);
        a.xor(r10d, r10d);
        a.mov(eax, 223); // timer_settime
        a.syscall();

        a.Label(ref outLabel);
        a.pop(r15);
        a.pop(r14);
        a.pop(r13);
        a.pop(r12);
        a.pop(rbp);
        a.pop(rbx);
        a.ret();

        // lookup: r8 = address -> eax = kind of the JIT range holding it, or -1. Clobbers rax, rcx, r11, rbp.
        // Binary search for the last entry whose low <= r8.
        X64Label loop = a.CreateLabel();
        X64Label goRight = a.CreateLabel();
        X64Label done = a.CreateLabel();
        X64Label none = a.CreateLabel();
        a.Label(ref lookup);
        a.cmp(r8, __qword_ptr[rbx + BlockCodeLow]);
        a.jb(none);
        a.cmp(r8, __qword_ptr[rbx + BlockCodeHigh]);
        a.jae(none);
        a.xor(ecx, ecx);                               // lo (inclusive)
        a.mov(r11, __qword_ptr[rbx + BlockTableCount]); // hi (exclusive)
        a.Label(ref loop);
        a.mov(rax, r11);
        a.sub(rax, rcx);
        a.cmp(rax, 1);
        a.jbe(done);
        a.shr(rax, 1);
        a.add(rax, rcx);                               // mid
        a.imul(rbp, rax, EntrySize);
        a.add(rbp, __qword_ptr[rbx + BlockTable]);
        a.cmp(r8, __qword_ptr[rbp]);
        a.jae(goRight);
        a.mov(r11, rax);
        a.jmp(loop);
        a.Label(ref goRight);
        a.mov(rcx, rax);
        a.jmp(loop);
        a.Label(ref done);
        a.imul(rbp, rcx, EntrySize);
        a.add(rbp, __qword_ptr[rbx + BlockTable]);
        a.cmp(r8, __qword_ptr[rbp]);
        a.jb(none);
        a.cmp(r8, __qword_ptr[rbp + 8]);
        a.jae(none);
        a.mov(eax, __dword_ptr[rbp + 16]);
        a.ret();
        a.Label(ref none);
        a.mov(eax, -1);
        a.ret();

        a.Assemble(rip, out byte[] code);
        return code;
    }

    /// <summary>
    /// Jumps to <paramref name="outside"/> unless the <paramref name="bytes"/> bytes at <paramref name="address"/> lie
    /// within the thread's stack bounds (rdi = low, rsi = high).
    /// </summary>
    private static void EmitCheckInStack(X64Assembler a, AssemblerRegister64 address, int bytes, X64Label outside)
    {
        a.cmp(address, rdi);
        a.jb(outside);
        a.lea(rax, __[address + bytes]);
        a.cmp(rax, rsi);
        a.ja(outside);
    }

    /// <summary>
    /// Looks up the return address in <paramref name="slot"/>: r8 = the address - 1 (inside the call instruction),
    /// then <c>call lookup</c>; jumps to <paramref name="notJit"/> if that is not in JIT code.
    /// </summary>
    private static void EmitLookupReturnAddress(X64Assembler a, AssemblerMemoryOperand slot, X64Label lookup, X64Label notJit)
    {
        a.mov(r8, slot);
        a.dec(r8);
        a.call(lookup);
        a.cmp(eax, -1);
        a.je(notJit);
    }
}
