using Lantern.Observability.Debugging;

namespace Lantern.Cli.Dbg;

/// <summary>Why a run command (run, continue, step, ...) came back.</summary>
internal enum DbgStopReason
{
    /// <summary>An armed breakpoint address was reached (<see cref="DbgStop.Pc"/>).</summary>
    Breakpoint,

    /// <summary>A step/next/until/stepi/nexti/advance finished.</summary>
    Step,

    /// <summary>finish: the selected frame returned; <see cref="DbgStop.ReturnRax"/>/<see cref="DbgStop.ReturnXmm0"/> hold the value.</summary>
    Finished,

    /// <summary>A fatal signal; the program is stopped at the faulting instruction.</summary>
    Signal,

    /// <summary>Ctrl-C.</summary>
    Interrupted,

    /// <summary>The program ended.</summary>
    Exited,
}

/// <summary>A stop as the command layer sees it.</summary>
internal sealed record DbgStop(DbgStopReason Reason, ulong Pc, int Signal = 0, ulong FaultAddress = 0, int ExitStatus = 0, ulong ReturnRax = 0, ulong ReturnXmm0 = 0);

/// <summary>How a step moves.</summary>
internal enum DbgStepKind
{
    /// <summary>step: to the next line, entering calls.</summary>
    Step,

    /// <summary>next: to the next line of this frame or an outer one.</summary>
    Next,

    /// <summary>until (no argument): like next, but never stops at a line at or before the current one in this frame (leaves loops).</summary>
    Until,

    /// <summary>finish: until the selected frame returns.</summary>
    Finish,

    /// <summary>stepi: one instruction.</summary>
    StepInstruction,

    /// <summary>nexti: one instruction, over calls.</summary>
    NextInstruction,
}

/// <summary>
/// What the <c>lantern dbg</c> command layer needs from the debugger core: launching, address breakpoints,
/// resuming and stepping (each call blocks until the next reported stop), and the parked thread's frames. The C
/// parts (conditions, watch expressions, printing) stay in the command layer. <see cref="DbgSessionAdapter"/>
/// implements it over <c>Lantern.Observability.Debugging.DebugSession</c>.
/// </summary>
internal interface IDbgSession : IDisposable
{
    IDebugTarget Target { get; }

    /// <summary>Whether a program has been launched and has not ended.</summary>
    bool IsAlive { get; }

    /// <summary>The resolved breakpoint address for a function (after its prologue) or null.</summary>
    ulong? FunctionBreakAddress(string function);

    /// <summary>The first statement address of a source line (file suffix match, or any file when null); null if none.</summary>
    ulong? LineBreakAddress(string? file, int line);

    void SetBreakpoint(ulong address, bool armed);

    DbgStop Run(string programName, IReadOnlyList<string> args);

    DbgStop Continue();

    /// <summary>A step of <paramref name="kind"/> relative to frame <paramref name="frame"/> (0 innermost; finish uses it).</summary>
    DbgStop Step(DbgStepKind kind, int frame);

    /// <summary>Runs until <paramref name="address"/> is reached or the current frame (<paramref name="frame"/>) returns (until/advance LOCATION).</summary>
    DbgStop RunTo(ulong address, int frame);

    void Kill();

    void Interrupt();

    /// <summary>The parked thread's frames, innermost first.</summary>
    IReadOnlyList<FrameState> Frames();
}
