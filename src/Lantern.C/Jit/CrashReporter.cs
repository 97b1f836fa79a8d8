using System.Runtime.InteropServices;
using System.Text;
using Iced.Intel;
using Lantern.C.Describe;
using Lantern.X64;
using Lantern.C.Runtime;
using Lantern.Observability;
using Lantern.Observability.Interop;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

/// <summary>
/// Turns a fatal signal of the C program (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT from abort(), stack overflow)
/// into a source-level report: signal, faulting address, and a backtrace of C frames with file:line.
/// <para>
/// Mechanism: the signal handler is machine code (no managed code may run in a signal handler). On the program's
/// thread it records the signal and the registers (rip, rbp, rsp), wakes a watcher thread through a pipe, and parks
/// the faulting thread. The watcher is a plain pthread whose machine-code body waits in <c>read</c> and enters managed
/// code only when a byte arrives (a crash or a timeout): a run that ends normally never starts a .NET thread for it,
/// which is start-up time of every <c>lantern run</c>. It walks the frame-pointer chain of the parked thread with the JIT's
/// line tables, prints the report and ends the process with status 128 + signal. Signals on any other thread are
/// chained to the previous handler (CoreCLR uses SIGSEGV for NullReferenceException). The program's thread runs on
/// an alternate signal stack so that a stack overflow can be reported too.
/// </para>
/// <para>
/// Threads the C program creates: the JIT binds <c>pthread_create</c> to <see cref="PthreadCreateWrapper"/>, which
/// starts the thread in a machine-code entry stub. The stub records the thread's id in a table the handler reads,
/// gives the thread an alternate signal stack, calls the C start routine, and unregisters the thread when the
/// routine returns. A fatal signal on a registered thread is reported like one on the program's thread (the first
/// thread to fault reports; any other faulting thread parks). A thread that leaves through <c>pthread_exit</c>
/// keeps its table entry and alternate stack until the process ends.
/// </para>
/// </summary>
public static unsafe class CrashReporter
{
    private const int AltStackSize = 256 * 1024;

    // block layout
    private const int BlockTid = 0;
    private const int BlockSig = 8;
    private const int BlockAddr = 16;
    private const int BlockRip = 24;
    private const int BlockRbp = 32;
    private const int BlockRsp = 40;
    private const int BlockFd = 48;
    private const int BlockOwner = 56; // tid of the thread whose signal is being reported (0: none yet)
    private const int BlockPthread = 64; // its pthread_t (fs:[0x10])
    private const int BlockDefault = 72;
    private const int BlockOld = BlockDefault + LibC.SigactionSize;
    private const int BlockThreads = BlockOld + 32 * LibC.SigactionSize; // tids of the threads the program created
    private const int ThreadSlots = 1024;
    private const int BlockSize = BlockThreads + ThreadSlots * 8;
    private const int ThreadAltStackSize = 64 * 1024;

    // SIGURG (ignored by default, unused by CoreCLR) is sent to the program's thread on --timeout to learn where it is
    private static readonly int[] s_signals = { Signals.SigIll, Signals.SigAbrt, Signals.SigBus, Signals.SigFpe, Signals.SigSegv, Signals.SigUrg };
    private static double s_timeoutSeconds;
    private static readonly object s_lock = new();

    static CrashReporter()
    {
        new Span<byte>((void*)s_threadHooks, 16).Clear();
    }
    private static nint s_block;
    private static nint s_handler;
    private static nint s_pthreadCreate;
    private static nint s_watcherEntry;
    private static CodeCache? s_stubCache;

    // the program thread's stack: every read of the parked thread's stack stays inside it
    private static nint s_stackLow;
    private static nint s_stackHigh;

    private static bool OnStack(nint address) => address >= s_stackLow && address + 16 <= s_stackHigh && (address & 7) == 0;

    /// <summary>
    /// For a time limit: interrupts the running program's thread; the watcher then prints
    /// "timeout after N s" with the C backtrace of where the program was, and ends the process with status 124.
    /// Returns false if no program is running under <see cref="RunArmed"/>.
    /// </summary>
    public static bool InterruptForTimeout(double seconds)
    {
        if (s_block == 0)
        {
            return false;
        }

        int tid = (int)*(long*)(s_block + BlockTid);
        if (tid == 0)
        {
            return false;
        }

        s_timeoutSeconds = seconds;
        return LibC.Tgkill(LibC.GetPid(), tid, Signals.SigUrg) == 0;
    }

    /// <summary>
    /// Runs on the watcher thread after a crash or timeout report was printed, just before the process ends with
    /// 128+signal (124): e.g. a profiler writes the profile of the run. Exceptions are ignored.
    /// </summary>
    public static Action<int>? BeforeExit { get; set; }

    /// <summary>
    /// Runs <paramref name="body"/> on the current thread (the program's) with crash reporting armed for
    /// <paramref name="module"/>; returns what the body returns. A fatal signal on this thread never returns.
    /// </summary>
    public static int RunArmed(JitModule module, Func<int> body)
    {
        lock (s_lock)
        {
            InstallOnce();
        }

        StartupTrace.Mark("crash handler installed");

        int* fds = stackalloc int[2];
        if (LibC.Pipe(fds) != 0)
        {
            return body();
        }

        // alternate signal stack for this thread (stack overflow), restored afterwards
        nint altStack = (nint)LibC.MapAnonymousMemory(AltStackSize, LibC.ProtRead | LibC.ProtWrite);
        byte* ss = stackalloc byte[24];
        byte* oldSs = stackalloc byte[24];
        *(nint*)ss = altStack;
        *(int*)(ss + 8) = 0;
        *(nint*)(ss + 16) = AltStackSize;
        bool altSet = LibC.Sigaltstack((nint)ss, (nint)oldSs) == 0;

        SetStackBounds(LibC.PthreadSelf());
        *(long*)(s_block + BlockOwner) = 0;
        *(long*)(s_block + BlockFd) = fds[1];
        int readFd = fds[0];

        // the watcher: {read fd, GC handle of the module} for its machine-code body
        GCHandle moduleHandle = GCHandle.Alloc(module);
        nint watcherArgs = Marshal.AllocHGlobal(16);
        *(long*)watcherArgs = readFd;
        *(nint*)(watcherArgs + 8) = GCHandle.ToIntPtr(moduleHandle);
        nint watcher;
        Thread? managedWatcher = null;
        if (LibC.PthreadCreate(&watcher, 0, s_watcherEntry, watcherArgs) != 0)
        {
            watcher = 0;
            managedWatcher = new Thread(() => Watch(module, readFd)) { IsBackground = true, Name = "lantern-crash-watcher" };
            managedWatcher.Start();
        }

        StartupTrace.Mark("crash watcher started");
        *(long*)(s_block + BlockTid) = LibC.GetTid();
        try
        {
            return body();
        }
        finally
        {
            *(long*)(s_block + BlockTid) = 0;
            LibC.Close(fds[1]); // the watcher sees end of file and stops
            if (watcher != 0)
            {
                LibC.PthreadJoin(watcher, null);
            }

            managedWatcher?.Join();
            Marshal.FreeHGlobal(watcherArgs);
            moduleHandle.Free();
            LibC.Close(readFd);
            if (altSet)
            {
                LibC.Sigaltstack((nint)oldSs, 0);
            }

            LibC.Munmap(altStack, AltStackSize);
        }
    }

    /// <summary>
    /// What the JIT binds <c>pthread_create</c> to: the same signature, the thread runs the C start routine through
    /// an entry stub that registers it for crash reports (see the class remarks).
    /// </summary>
    public static nint PthreadCreateWrapper
    {
        get
        {
            lock (s_lock)
            {
                EmitStubsOnce();
                return s_pthreadCreate;
            }
        }
    }

    private static void EmitStubsOnce()
    {
        if (s_block != 0)
        {
            return;
        }

        s_block = (nint)LibC.MapAnonymousMemory(BlockSize, LibC.ProtRead | LibC.ProtWrite);
        s_stubCache = new CodeCache(1 << 16);
        s_handler = EmitHandler(s_block);
        s_pthreadCreate = EmitPthreadCreateWrapper(s_block);
        s_watcherEntry = EmitWatcherEntry();
    }

    /// <summary>
    /// The watcher thread's start routine, <c>void* watch(args*)</c> with args = {read fd, GC handle of the module}:
    /// reads one byte from the pipe (again after EINTR); a byte (a crash or a timeout) calls
    /// <see cref="WatchFromNative"/>, which reports and ends the process; end of file (the run finished) returns.
    /// </summary>
    private static nint EmitWatcherEntry()
    {
        var a = new X64Assembler(64);
        X64Label retry = a.CreateLabel();
        X64Label done = a.CreateLabel();
        a.push(rbx); // rsp is 16-byte aligned from here
        a.mov(rbx, rdi);
        a.sub(rsp, 16);
        a.Label(ref retry);
        a.mov(edi, __dword_ptr[rbx]);
        a.mov(rsi, rsp);
        a.mov(edx, 1);
        a.xor(eax, eax); // read
        a.syscall();
        a.cmp(rax, -4); // EINTR
        a.je(retry);
        a.cmp(rax, 1);
        a.jne(done);
        a.mov(rdi, rbx);
        a.mov(rax, (long)(delegate* unmanaged<nint, void>)&WatchFromNative);
        a.call(rax);
        a.Label(ref done);
        a.xor(eax, eax);
        a.add(rsp, 16);
        a.pop(rbx);
        a.ret();
        return Assemble(a);
    }

    /// <summary>The watcher's managed part, after its machine-code body read a byte: reports and ends the process.</summary>
    [UnmanagedCallersOnly]
    private static void WatchFromNative(nint args)
    {
        try
        {
            var module = (JitModule)GCHandle.FromIntPtr(*(nint*)(args + 8)).Target!;
            Report(module);
        }
        catch (Exception e)
        {
            // never let an exception cross into the native thread
            Console.Error.WriteLine($"lantern: reporting the crash failed: {e.Message}");
            LibC.Exit(70);
        }
    }

    private static bool s_installed;

    /// <summary>The stack of <paramref name="thread"/> bounds every read of the walk (<see cref="OnStack"/>).</summary>
    private static void SetStackBounds(nint thread)
    {
        byte* attr = stackalloc byte[128];
        nint stackAddr = 0;
        nint stackSize = 0;
        if (LibC.PthreadGetattrNp(thread, attr) == 0)
        {
            LibC.PthreadAttrGetstack(attr, &stackAddr, &stackSize);
            LibC.PthreadAttrDestroy(attr);
        }

        s_stackLow = stackAddr;
        s_stackHigh = stackAddr + stackSize;
    }

    private static void InstallOnce()
    {
        EmitStubsOnce();
        if (s_installed)
        {
            return;
        }

        s_installed = true;
        byte* act = stackalloc byte[LibC.SigactionSize];
        new Span<byte>(act, LibC.SigactionSize).Clear();
        *(nint*)act = s_handler;
        *(int*)(act + 8 + 128) = LibC.SaSigInfo | LibC.SaOnStack;
        foreach (int sig in s_signals)
        {
            LibC.Sigaction(sig, (nint)act, s_block + BlockOld + sig * LibC.SigactionSize);
        }
    }

    private static nint EmitHandler(nint block)
    {
        var a = new X64Assembler(64);
        X64Label chain = a.CreateLabel();
        X64Label park = a.CreateLabel();

        X64Label report = a.CreateLabel();
        X64Label nextSlot = a.CreateLabel();

        // void handler(int sig /*edi*/, siginfo_t* info /*rsi*/, ucontext_t* uc /*rdx*/)
        a.push(rbx);
        a.mov(eax, 186); // gettid (syscall keeps rdi, rsi, rdx)
        a.syscall();
        a.mov(rbx, (long)block);
        a.cmp(__qword_ptr[rbx + BlockTid], 0);
        a.je(chain); // no program is running
        a.cmp(eax, __dword_ptr[rbx + BlockTid]);
        a.je(report);

        // a thread the program created (registered by the pthread_create entry stub)?
        a.lea(rcx, __[rbx + BlockThreads]);
        a.lea(r8, __[rbx + BlockThreads + ThreadSlots * 8]);
        a.Label(ref nextSlot);
        a.cmp(eax, __dword_ptr[rcx]);
        a.je(report);
        a.add(rcx, 8);
        a.cmp(rcx, r8);
        a.jb(nextSlot);
        a.jmp(chain);

        // the program's thread or one of its threads: the first to get here reports, any other parks
        a.Label(ref report);
        a.mov(r8d, eax);
        a.xor(eax, eax);
        a.@lock.cmpxchg(__qword_ptr[rbx + BlockOwner], r8);
        a.jne(park);
        a.mov(rax, __qword_ptr.fs[0x10]); // pthread_self()
        a.mov(__qword_ptr[rbx + BlockPthread], rax);

        // record, wake the watcher, park
        a.mov(__qword_ptr[rbx + BlockSig], rdi);
        a.mov(rax, __qword_ptr[rsi + 16]); // si_addr
        a.mov(__qword_ptr[rbx + BlockAddr], rax);
        a.mov(rax, __qword_ptr[rdx + 40 + 16 * 8]); // uc_mcontext.gregs[REG_RIP]
        a.mov(__qword_ptr[rbx + BlockRip], rax);
        a.mov(rax, __qword_ptr[rdx + 40 + 10 * 8]); // gregs[REG_RBP]
        a.mov(__qword_ptr[rbx + BlockRbp], rax);
        a.mov(rax, __qword_ptr[rdx + 40 + 15 * 8]); // gregs[REG_RSP]
        a.mov(__qword_ptr[rbx + BlockRsp], rax);
        a.mov(edi, __dword_ptr[rbx + BlockFd]);
        a.lea(rsi, __[rbx + BlockSig]);
        a.mov(edx, 1);
        a.mov(eax, 1); // write
        a.syscall();
        a.Label(ref park);
        a.mov(eax, 34); // pause
        a.syscall();
        a.jmp(park);

        // another thread: chain to the previous action of this signal
        a.Label(ref chain);
        a.pop(rbx);
        SignalChain.EmitChainToPreviousAction(a, (ulong)(block + BlockOld), (ulong)(block + BlockDefault), (ulong)SymbolResolver.Resolve("sigaction"));
        return Assemble(a);
    }

    /// <summary>
    /// <c>int pthread_create(pthread_t*, const pthread_attr_t*, void* (*start)(void*), void* arg)</c>: passes
    /// {start, arg} in a malloc'ed record to the real pthread_create with the entry stub as the start routine.
    /// </summary>
    private static nint EmitPthreadCreateWrapper(nint block)
    {
        nint entry = EmitThreadEntry(block);
        var a = new X64Assembler(64);
        X64Label failed = a.CreateLabel();
        X64Label done = a.CreateLabel();
        a.push(rbp);
        a.mov(rbp, rsp);
        a.push(rdi); // [rbp-8] thread
        a.push(rsi); // [rbp-16] attr
        a.push(rdx); // [rbp-24] start
        a.push(rcx); // [rbp-32] arg, then the record
        a.mov(edi, 16);
        a.mov(rax, (long)SymbolResolver.Resolve("malloc"));
        a.call(rax);
        a.test(rax, rax);
        a.jz(failed);
        a.mov(rcx, __qword_ptr[rbp - 24]);
        a.mov(__qword_ptr[rax], rcx);
        a.mov(rcx, __qword_ptr[rbp - 32]);
        a.mov(__qword_ptr[rax + 8], rcx);
        a.mov(__qword_ptr[rbp - 32], rax);
        a.mov(rdi, __qword_ptr[rbp - 8]);
        a.mov(rsi, __qword_ptr[rbp - 16]);
        a.mov(rdx, (long)entry);
        a.mov(rcx, rax);
        a.mov(rax, (long)SymbolResolver.Resolve("pthread_create"));
        a.call(rax);
        a.test(eax, eax);
        a.jz(done);
        a.mov(__qword_ptr[rbp - 24], rax); // the error: free the record, return the error
        a.mov(rdi, __qword_ptr[rbp - 32]);
        a.mov(rax, (long)SymbolResolver.Resolve("free"));
        a.call(rax);
        a.mov(rax, __qword_ptr[rbp - 24]);
        a.jmp(done);
        a.Label(ref failed);
        a.mov(eax, 11); // EAGAIN
        a.Label(ref done);
        a.leave();
        a.ret();
        return Assemble(a);
    }

    /// <summary>
    /// The start routine of every thread the program creates: <c>void* entry(record*)</c>. Registers the thread's
    /// tid in the block's table, maps and installs an alternate signal stack, runs start(arg), then undoes both.
    /// </summary>
    private static nint EmitThreadEntry(nint block)
    {
        var a = new X64Assembler(64);
        X64Label nextSlot = a.CreateLabel();
        X64Label registered = a.CreateLabel();
        X64Label noAltStack = a.CreateLabel();
        X64Label noUnmap = a.CreateLabel();
        X64Label noSlot = a.CreateLabel();
        a.push(rbp);
        a.mov(rbp, rsp);
        a.push(rbx);
        a.push(r12);
        a.push(r13);
        a.push(r14);
        a.mov(rbx, __qword_ptr[rdi]); // start
        a.mov(r12, __qword_ptr[rdi + 8]); // arg
        a.mov(rax, (long)SymbolResolver.Resolve("free"));
        a.call(rax);

        // register: claim a free slot of the table with this thread's tid
        a.mov(eax, 186); // gettid
        a.syscall();
        a.mov(r8d, eax);
        a.mov(r13, (long)(block + BlockThreads));
        a.mov(r14, (long)(block + BlockThreads + ThreadSlots * 8));
        a.Label(ref nextSlot);
        a.xor(eax, eax);
        a.@lock.cmpxchg(__qword_ptr[r13], r8);
        a.je(registered);
        a.add(r13, 8);
        a.cmp(r13, r14);
        a.jb(nextSlot);
        a.xor(r13d, r13d); // the table is full: this thread is not registered
        a.Label(ref registered);

        // alternate signal stack: mmap, then sigaltstack({ss_sp, 0, size}, NULL)
        a.xor(edi, edi);
        a.mov(esi, ThreadAltStackSize);
        a.mov(edx, 3); // PROT_READ | PROT_WRITE
        a.mov(r10d, 0x22); // MAP_PRIVATE | MAP_ANONYMOUS
        a.mov(r8, -1);
        a.xor(r9d, r9d);
        a.mov(eax, 9); // mmap
        a.syscall();
        a.mov(r14, rax);
        a.cmp(rax, -4096);
        a.ja(noAltStack);
        a.sub(rsp, 32);
        a.mov(__qword_ptr[rsp], rax);
        a.mov(__qword_ptr[rsp + 8], 0);
        a.mov(__qword_ptr[rsp + 16], ThreadAltStackSize);
        a.mov(rdi, rsp);
        a.xor(esi, esi);
        a.mov(eax, 131); // sigaltstack
        a.syscall();
        a.add(rsp, 32);
        a.Label(ref noAltStack);

        EmitHookCall(a, 0); // rsp is 16-byte aligned here (return address + 5 pushes)
        a.mov(rdi, r12);
        a.call(rbx); // start(arg)
        a.mov(r12, rax);
        EmitHookCall(a, 8);

        a.cmp(r14, -4096);
        a.ja(noUnmap);
        a.sub(rsp, 32);
        a.mov(__qword_ptr[rsp], 0);
        a.mov(__qword_ptr[rsp + 8], 2); // SS_DISABLE
        a.mov(__qword_ptr[rsp + 16], 0);
        a.mov(rdi, rsp);
        a.xor(esi, esi);
        a.mov(eax, 131); // sigaltstack
        a.syscall();
        a.add(rsp, 32);
        a.mov(rdi, r14);
        a.mov(esi, ThreadAltStackSize);
        a.mov(eax, 11); // munmap
        a.syscall();
        a.Label(ref noUnmap);
        a.test(r13, r13);
        a.jz(noSlot);
        a.mov(__qword_ptr[r13], 0);
        a.Label(ref noSlot);
        a.mov(rax, r12);
        a.pop(r14);
        a.pop(r13);
        a.pop(r12);
        a.pop(rbx);
        a.pop(rbp);
        a.ret();
        return Assemble(a);
    }

    // two native cells read by every thread entry stub: void hook(void) called before start(arg) and after it
    private static readonly nint s_threadHooks = Marshal.AllocHGlobal(16);

    /// <summary>
    /// Functions (<c>void f(void)</c>, e.g. <c>[UnmanagedCallersOnly]</c>) that every thread the program creates
    /// calls on itself just before its start routine and just after it returns (a profiler samples the thread);
    /// 0 for none.
    /// </summary>
    public static void SetThreadHooks(nint starting, nint finished)
    {
        *(nint*)s_threadHooks = starting;
        *(nint*)(s_threadHooks + 8) = finished;
    }

    private static void EmitHookCall(X64Assembler a, int offset)
    {
        X64Label none = a.CreateLabel();
        a.mov(rax, (long)s_threadHooks);
        a.mov(rax, __qword_ptr[rax + offset]);
        a.test(rax, rax);
        a.jz(none);
        a.call(rax);
        a.Label(ref none);
    }

    private static nint Assemble(X64Assembler a)
    {
        nint rip = s_stubCache!.NextAddress();
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), (ulong)rip);
        return s_stubCache.Add(stream.ToArray());
    }

    private static void Watch(JitModule module, int fd)
    {
        byte b;
        nint n = LibC.Read(fd, &b, 1);
        if (n != 1)
        {
            return; // the program finished normally
        }

        Report(module);
    }

    /// <summary>Prints the report of the signal recorded in the block, runs <see cref="BeforeExit"/>, ends the process.</summary>
    private static void Report(JitModule module)
    {
        int sig = (int)*(long*)(s_block + BlockSig);
        nint addr = *(nint*)(s_block + BlockAddr);
        nint rip = *(nint*)(s_block + BlockRip);
        nint rbp = *(nint*)(s_block + BlockRbp);
        nint rsp = *(nint*)(s_block + BlockRsp);
        int owner = (int)*(long*)(s_block + BlockOwner);
        int programTid = (int)*(long*)(s_block + BlockTid);
        if (owner != programTid)
        {
            // a thread the program created: its own stack bounds for the walk
            SetStackBounds(*(nint*)(s_block + BlockPthread));
        }

        string report = FormatReport(module, sig, addr, rip, rbp, rsp);
        if (owner != programTid && sig != Signals.SigUrg)
        {
            int newline = report.IndexOf('\n');
            report = report[..newline] + $" in thread {owner} (created by the program)" + report[newline..];
        }

        byte[] bytes = Encoding.UTF8.GetBytes(report);
        fixed (byte* p = bytes)
        {
            LibC.Write(2, p, (nuint)bytes.Length);
        }

        int status = sig == Signals.SigUrg ? 124 : 128 + sig;
        try
        {
            BeforeExit?.Invoke(status);
        }
        catch (Exception)
        {
            // the process ends anyway; the report is out
        }

        LibC.Exit(status);
    }

    // "SIGSEGV (segmentation fault)": gdb's description in lower case
    private static string SignalName(int sig)
        => Signals.TryGet(sig, out string name, out string description) ? $"{name} ({description.ToLowerInvariant()})" : $"signal {sig}";

    /// <summary>Builds the report text: signal, address, and the C backtrace from the registers at the fault.</summary>
    public static string FormatReport(JitModule module, int sig, nint addr, nint rip, nint rbp, nint rsp)
    {
        var sb = new StringBuilder();
        if (sig == Signals.SigUrg)
        {
            sb.Append(FormattableString.Invariant($"lantern: timeout after {s_timeoutSeconds} s\n"));
            AppendFrames(module, sb, rip, rbp, rsp);
            return sb.ToString();
        }

        bool overflow = sig == Signals.SigSegv && addr != 0 && Math.Abs((long)addr - (long)rsp) < 64 * 1024;
        sb.Append("lantern: program terminated by ").Append(SignalName(sig));
        if (overflow)
        {
            sb.Append(": stack overflow");
        }

        if (sig is Signals.SigSegv or Signals.SigBus)
        {
            sb.Append($" at address 0x{(ulong)addr:x}");
        }

        sb.Append('\n');
        AppendFrames(module, sb, rip, rbp, rsp);
        return sb.ToString();
    }

    private static void AppendFrames(JitModule module, StringBuilder sb, nint rip, nint rbp, nint rsp)
    {
        var frames = new List<string>();
        FunctionLayout? f = module.FindFunction(rip);
        if (f is null)
        {
            frames.Add($"0x{(ulong)rip:x} in {NativeName(rip)}");
            (nint ret, nint frame) = FindJitCaller(module, rsp, rbp);
            if (ret != 0)
            {
                AppendJitFrames(module, frames, ret - 1, frame, rsp);
            }
        }
        else
        {
            AppendJitFrames(module, frames, rip, rbp, rsp);
        }

        // a deep recursion (stack overflow) prints its first and last frames only
        for (int k = 0; k < frames.Count; k++)
        {
            if (frames.Count > 40 && k == 20)
            {
                sb.Append($"  ... {frames.Count - 30} frames omitted ...\n");
                k = frames.Count - 10;
            }

            sb.Append($"  #{k} ").Append(frames[k]).Append('\n');
        }
    }

    private static void AppendJitFrames(JitModule module, List<string> frames, nint pc, nint rbp, nint rsp)
    {
        bool first = frames.Count == 0;
        for (int depth = 0; depth < 1_000_000; depth++)
        {
            FunctionLayout? f = module.FindFunction(pc);
            if (f is null)
            {
                break;
            }

            int offset = (int)(pc - f.Start);
            LayoutLine? line = f.LineAt(offset);
            string where = line is LayoutLine l ? $" at {l.Location.DisplayPath}:{l.Location.DisplayLine}" : "";
            frames.Add($"0x{(ulong)(first ? pc : pc + 1):x} in {f.Name}{where}");
            first = false;

            // inside the prologue before "mov rbp, rsp" the frame is not set up yet: the caller is at [rsp]
            if (offset < 4)
            {
                nint slot = offset == 0 ? rsp : rsp + 8;
                if (depth > 0 || !OnStack(slot))
                {
                    break;
                }

                pc = *(nint*)slot - 1;
                continue;
            }

            if (!OnStack(rbp) || rbp < rsp)
            {
                break;
            }

            nint ret = *(nint*)(rbp + 8);
            nint next = *(nint*)rbp;
            if (next <= rbp)
            {
                break;
            }

            pc = ret - 1;
            rbp = next;
        }
    }

    /// <summary>
    /// The fault happened outside JIT code (in the C library): find the JIT function that called into it by
    /// scanning the stack for a return address just after one of the backend's call instructions, then the
    /// caller's frame pointer (return slot + 8 + its frame size, checked against the chain above it).
    /// </summary>
    private static (nint Ret, nint Rbp) FindJitCaller(JitModule module, nint rsp, nint rbp)
    {
        for (nint p = rsp; p < rsp + (1 << 20) && OnStack(p); p += 8)
        {
            nint w = *(nint*)p;
            FunctionLayout? f = module.FindFunction(w);
            if (f is null)
            {
                continue;
            }

            byte* code = (byte*)w;
            // call [rip+disp32] (direct calls through a cell near the code), call [r11] (a far cell), call r11 (pointer)
            bool afterCall = (code[-6] == 0xFF && code[-5] == 0x15)
                || (code[-3] == 0x41 && code[-2] == 0xFF && (code[-1] == 0x13 || code[-1] == 0xD3));
            if (!afterCall)
            {
                continue;
            }

            // the C library preserves rbp (callee-saved) unless it uses it itself: prefer the register if plausible
            if (rbp > p && rbp < p + (1 << 20) && OnStack(rbp) && *(nint*)rbp > rbp)
            {
                return (w, rbp);
            }

            for (int extra = 0; extra <= 4096; extra += 16)
            {
                nint candidate = p + 8 + f.FrameSize + extra;
                if (!OnStack(candidate))
                {
                    break;
                }

                nint next = *(nint*)candidate;
                if (next > candidate && next < candidate + (1L << 30))
                {
                    return (w, candidate);
                }
            }
        }

        return (0, 0);
    }

    private static string NativeName(nint address)
    {
        nint* info = stackalloc nint[4];
        if (LibC.Dladdr(address, info) != 0)
        {
            string? lib = info[0] != 0 ? Path.GetFileName(Marshal.PtrToStringUTF8(info[0])) : null;
            string? sym = info[2] != 0 ? Marshal.PtrToStringUTF8(info[2]) : null;
            return $"{sym ?? "??"} ({lib ?? "?"})";
        }

        return "?? (unknown code)";
    }
}
