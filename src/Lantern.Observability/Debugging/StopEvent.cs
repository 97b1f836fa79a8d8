using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Interop;

namespace Lantern.Observability.Debugging;

/// <summary>Why a session command ended (gdb/MI's <c>reason</c> names in the comments).</summary>
public enum StopKind
{
    /// <summary>A breakpoint was hit (<c>breakpoint-hit</c>); <see cref="StopEvent.BreakpointNumber"/> says which.</summary>
    Breakpoint,

    /// <summary>A watched value changed (<c>watchpoint-trigger</c>); <see cref="StopEvent.OldValue"/> and <see cref="StopEvent.NewValue"/> hold the bytes.</summary>
    Watchpoint,

    /// <summary>step, next, until, stepi or nexti ended (<c>end-stepping-range</c>).</summary>
    EndSteppingRange,

    /// <summary>finish ended (<c>function-finished</c>); <see cref="StopEvent.ReturnValue"/> holds rax, rdx, xmm0 and xmm1.</summary>
    FunctionFinished,

    /// <summary>until LOCATION or advance LOCATION reached it, or the frame returned (<c>location-reached</c>).</summary>
    LocationReached,

    /// <summary>A fatal signal in the program (<c>signal-received</c>); the program can be inspected, then killed or run again.</summary>
    Signal,

    /// <summary>The program was interrupted (Ctrl-C, <see cref="DebugSession.Interrupt"/>).</summary>
    Interrupted,

    /// <summary>The program ended (<c>exited</c>, <c>exited-normally</c>); <see cref="StopEvent.ExitStatus"/> holds the status.</summary>
    Exited,

    /// <summary>The program was killed (<see cref="DebugSession.Kill"/>).</summary>
    Killed,

    /// <summary>
    /// A watchpoint's frame returned: the watchpoint was deleted (gdb: "Watchpoint N deleted because the program has
    /// left the block in which its expression is valid."); <see cref="StopEvent.BreakpointNumber"/> says which.
    /// </summary>
    WatchpointScope,
}

/// <summary>
/// One frame of the stopped program, innermost first: level, pc, CFA, function, source position (for outer frames
/// the position of the call, i.e. of pc - 1, as gdb shows it) and the registers the unwinder recovered (DWARF numbers).
/// </summary>
public sealed record Frame(int Level, ulong Pc, ulong Cfa, string? Function, ulong FunctionStart, SourcePosition? Position, IReadOnlyDictionary<int, ulong> Registers)
{
    /// <summary>The source file, or null without line information.</summary>
    public string? File => Position?.File;

    /// <summary>The source line, or 0 without line information.</summary>
    public int Line => Position?.Line ?? 0;
}

/// <summary>What a session command reports when the program stops or ends.</summary>
public sealed record StopEvent(StopKind Kind, Frame? Frame)
{
    /// <summary>The number of the breakpoint or watchpoint that caused the stop, or 0.</summary>
    public int BreakpointNumber { get; init; }

    /// <summary>For a watchpoint: the value before (the bytes at the watched address).</summary>
    public byte[]? OldValue { get; init; }

    /// <summary>For a watchpoint: the value now.</summary>
    public byte[]? NewValue { get; init; }

    /// <summary>For a signal: its number (11 SIGSEGV, 8 SIGFPE, ...).</summary>
    public int Signal { get; init; }

    /// <summary>For a signal: its name ("SIGSEGV").</summary>
    public string? SignalName => Signal == 0 ? null : Signals.Name(Signal);

    /// <summary>For SIGSEGV/SIGBUS: the faulting data address.</summary>
    public ulong FaultAddress { get; init; }

    /// <summary>For <see cref="StopKind.Exited"/>: the exit status.</summary>
    public int ExitStatus { get; init; }

    /// <summary>For <see cref="StopKind.FunctionFinished"/>: rax, rdx and the low 8 bytes of xmm0 and xmm1 when the function returned.</summary>
    public CallResult? ReturnValue { get; init; }

    /// <summary>For <see cref="StopKind.FunctionFinished"/>: the frame that returned (as it was when finish started).</summary>
    public Frame? FinishedFrame { get; init; }
}

/// <summary>A location string (function, file:line, line, *address) that names no code.</summary>
public sealed class LocationException(string message) : Exception(message);
