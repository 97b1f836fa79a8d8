namespace Lantern.Observability.Debugging;

/// <summary>Breakpoint or software watchpoint (they share one numbering, as in gdb).</summary>
public enum BreakpointKind
{
    /// <summary>Stops at code addresses (patch sites, or int3 for <c>*address</c>).</summary>
    Breakpoint,

    /// <summary>Stops at the first statement boundary after the watched bytes change.</summary>
    Watchpoint,
}

/// <summary>A breakpoint or watchpoint of a <see cref="DebugSession"/>. Change it through the session's methods.</summary>
public sealed class Breakpoint
{
    internal Breakpoint(int number, BreakpointKind kind, string location, IReadOnlyList<ulong> addresses, bool temporary)
    {
        Number = number;
        Kind = kind;
        Location = location;
        Addresses = addresses;
        Temporary = temporary;
    }

    /// <summary>The number (1, 2, ...).</summary>
    public int Number { get; }

    /// <summary>Breakpoint or watchpoint.</summary>
    public BreakpointKind Kind { get; }

    /// <summary>The location as the user wrote it (a watchpoint: the expression).</summary>
    public string Location { get; }

    /// <summary>The code addresses (a function may have one, a line several); empty for a watchpoint.</summary>
    public IReadOnlyList<ulong> Addresses { get; }

    /// <summary>A temporary breakpoint (tbreak) is deleted when it stops the program.</summary>
    public bool Temporary { get; }

    /// <summary>Disabled breakpoints never stop the program.</summary>
    public bool Enabled { get; internal set; } = true;

    /// <summary>The number of times the breakpoint was reached with its condition true (ignored hits included).</summary>
    public int HitCount { get; internal set; }

    /// <summary>The number of upcoming hits to ignore.</summary>
    public int IgnoreCount { get; internal set; }

    /// <summary>The condition's text, or null.</summary>
    public string? ConditionText { get; internal set; }

    /// <summary>The condition, evaluated with frame 0 selected (possibly on the program's thread, see <see cref="IDebugTarget.StopFilter"/>).</summary>
    public Func<DebugSession, bool>? Condition { get; internal set; }

    /// <summary>For a watchpoint: the watched address.</summary>
    public ulong WatchAddress { get; internal init; }

    /// <summary>For a watchpoint: the watched size in bytes.</summary>
    public int WatchSize { get; internal init; }

    /// <summary>For a watchpoint: the value last seen.</summary>
    public byte[]? WatchValue { get; internal set; }

    /// <summary>For a watchpoint on locals: the CFA of their frame (0: global scope).</summary>
    public ulong ScopeCfa { get; internal init; }

    /// <summary>True for instruction breakpoints (int3 at <c>*address</c>) rather than patch sites.</summary>
    public bool IsInstruction { get; internal init; }
}
