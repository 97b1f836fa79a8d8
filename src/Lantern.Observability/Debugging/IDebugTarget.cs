using Lantern.Observability.Dwarf.Read;

namespace Lantern.Observability.Debugging;

// The contract between the debugger session (Debugging/DebugSession.cs) and what runs the program: the JIT
// (machine code with patch sites, src/Lantern.C/Jit) or the interpreter (src/Lantern.C/Interp). The session knows
// nothing of C and reads all program state through this interface and the DWARF in Debug.

/// <summary>Where a patch site sits in the code: a statement boundary, a function's entry (after the prologue) or its return (before the epilogue).</summary>
public enum PatchSiteKind
{
    Statement,
    Entry,
    Return,
}

/// <summary>One patch site: a 5-byte NOP in JIT code (or a statement marker in the interpreter) that can be armed to stop the program.</summary>
public readonly record struct PatchSite(ulong Address, PatchSiteKind Kind);

/// <summary>Why the program's thread stopped (or ended).</summary>
public enum StopReason
{
    /// <summary>The thread reached an armed patch site (breakpoint, step, finish).</summary>
    Site,

    /// <summary>The thread reached an instruction breakpoint (int3) or finished one instruction step.</summary>
    Instruction,

    /// <summary>A fatal signal in program code (SIGSEGV, SIGFPE, ...); the thread is parked at the faulting instruction.</summary>
    Signal,

    /// <summary>The controller asked the running program to stop (<see cref="IDebugTarget.Interrupt"/>, Ctrl-C).</summary>
    Interrupted,

    /// <summary>The program ended (main returned, exit() was called, or it was killed); <see cref="TargetStop.ExitStatus"/> holds the status.</summary>
    Exited,
}

/// <summary>What <see cref="IDebugTarget.WaitForStop"/> reports.</summary>
public sealed record TargetStop(StopReason Reason, ulong Pc, int Signal = 0, ulong FaultAddress = 0, int ExitStatus = 0);

/// <summary>How the parked thread resumes.</summary>
public enum ResumeMode
{
    /// <summary>Run until an armed site, an instruction breakpoint, a signal, an interrupt or the end.</summary>
    Continue,

    /// <summary>Execute exactly one machine instruction (JIT only; displaced execution, then stop with <see cref="StopReason.Instruction"/>).</summary>
    StepInstruction,
}

/// <summary>
/// One frame of the parked thread, innermost first: its pc and the register values that the unwinder recovered
/// (DWARF register numbers; at least rip (16), rsp (7), rbp (6)), and the CFA.
/// </summary>
public sealed record FrameState(ulong Pc, ulong Cfa, IReadOnlyDictionary<int, ulong> Registers);

/// <summary>
/// A program that runs on a worker thread and parks there at stops. All register numbers are DWARF x86-64 numbers
/// (0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 rip, 17-32 xmm0-15 (low 8 bytes), 49 rflags).
/// Every member except <see cref="Interrupt"/> is called from the controller thread only.
/// </summary>
public interface IDebugTarget : IDisposable
{
    /// <summary>"jit" or "interp".</summary>
    string Kind { get; }

    /// <summary>The DWARF describing all the target's code (for the JIT, the same symfile bytes gdb reads).</summary>
    DebugData Debug { get; }

    /// <summary>Every patch site, sorted by address.</summary>
    IReadOnlyList<PatchSite> Sites { get; }

    /// <summary>True if instruction breakpoints and <see cref="ResumeMode.StepInstruction"/> are supported (the JIT).</summary>
    bool SupportsInstructions { get; }

    /// <summary>
    /// Optional fast path (added by the debugger core, additive: the default implementation ignores it and returns null).
    /// When set, a target that supports it calls the filter on the program's thread each time it reaches an armed site,
    /// before waking the controller; while the filter runs, <see cref="ReadRegister"/>, <see cref="Unwind"/> and
    /// <see cref="ReadMemory"/> work as at a stop. Returning false resumes at once (the stop is not reported), so
    /// breakpoint conditions, ignore counts and stepping decisions cost no thread switch. The session makes the same
    /// decision on the controller thread for targets without it, so the sequence of stops is the same.
    /// </summary>
    Func<TargetStop, bool>? StopFilter
    {
        get => null;
        set { }
    }

    /// <summary>Arms or disarms the patch site at <paramref name="address"/> (safe while the program runs).</summary>
    void SetSite(ulong address, bool armed);

    /// <summary>Arms or disarms an instruction breakpoint (int3) at any instruction start.</summary>
    void SetInstructionBreakpoint(ulong address, bool armed);

    /// <summary>Starts main(argc, argv) on the worker thread; it runs until the first stop.</summary>
    void Launch(string programName, IReadOnlyList<string> args);

    /// <summary>Blocks until the worker parks or the program ends; null if <paramref name="timeout"/> passed first.</summary>
    TargetStop? WaitForStop(TimeSpan? timeout = null);

    /// <summary>Releases the parked worker.</summary>
    void Resume(ResumeMode mode);

    /// <summary>Asks the running program to stop at its next opportunity (any thread; Ctrl-C).</summary>
    void Interrupt();

    /// <summary>Ends the program; a later <see cref="WaitForStop"/> reports <see cref="StopReason.Exited"/>.</summary>
    void Kill();

    /// <summary>Reads a register of the parked thread's innermost frame.</summary>
    ulong ReadRegister(int dwarfRegister);

    /// <summary>Writes a register of the parked thread's innermost frame (applied when it resumes).</summary>
    void WriteRegister(int dwarfRegister, ulong value);

    /// <summary>The parked thread's frames, innermost first (JIT: CFI from <see cref="Debug"/>).</summary>
    IReadOnlyList<FrameState> Unwind();

    /// <summary>Reads program memory; false (nothing read) if any byte is not readable.</summary>
    bool ReadMemory(ulong address, Span<byte> buffer);

    /// <summary>Writes program memory; false if any byte is not writable.</summary>
    bool WriteMemory(ulong address, ReadOnlySpan<byte> data);

    /// <summary>
    /// Calls the program function at <paramref name="entry"/> on the parked worker with System V integer/pointer
    /// arguments (at most 6) and SSE arguments (at most 8; the 64 bits of each double pass unchanged, so a float or two
    /// packed floats travel as their bit pattern) in order within each class, and <paramref name="stackArgs"/> (a multiple of 8 bytes) as the
    /// argument area on the stack; returns rax, rdx, xmm0 and xmm1. Armed sites are ignored during the call. A fault in
    /// the callee is reported as an exception, and the thread stays parked where it was.
    /// </summary>
    CallResult CallFunction(ulong entry, IReadOnlyList<ulong> integerArgs, IReadOnlyList<double> doubleArgs, byte[]? stackArgs = null);
}

/// <summary>The return registers of a function called in the program (<see cref="IDebugTarget.CallFunction"/>): rax, rdx and the low 64 bits of xmm0 and xmm1.</summary>
public readonly record struct CallResult(ulong Rax, ulong Rdx, ulong Xmm0, ulong Xmm1);
