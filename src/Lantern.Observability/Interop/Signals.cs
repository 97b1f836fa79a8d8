namespace Lantern.Observability.Interop;

/// <summary>
/// Linux x86-64 signal numbers, and the one table of the names and descriptions Lantern prints for them: the
/// descriptions are gdb's (<c>Program received signal SIGSEGV, Segmentation fault.</c>), which the crash report
/// prints in lower case.
/// </summary>
public static class Signals
{
    /// <summary><c>SIGINT</c>.</summary>
    public const int SigInt = 2;

    /// <summary><c>SIGILL</c>.</summary>
    public const int SigIll = 4;

    /// <summary><c>SIGTRAP</c>.</summary>
    public const int SigTrap = 5;

    /// <summary><c>SIGABRT</c>.</summary>
    public const int SigAbrt = 6;

    /// <summary><c>SIGBUS</c>.</summary>
    public const int SigBus = 7;

    /// <summary><c>SIGFPE</c>.</summary>
    public const int SigFpe = 8;

    /// <summary><c>SIGKILL</c>.</summary>
    public const int SigKill = 9;

    /// <summary><c>SIGSEGV</c>.</summary>
    public const int SigSegv = 11;

    /// <summary><c>SIGPIPE</c>.</summary>
    public const int SigPipe = 13;

    /// <summary><c>SIGTERM</c>.</summary>
    public const int SigTerm = 15;

    /// <summary><c>SIGURG</c>: the crash reporter's timeout signal (ignored by default, so never a crash).</summary>
    public const int SigUrg = 23;

    /// <summary><c>SIGPROF</c>: the profiler's sampling signal.</summary>
    public const int SigProf = 27;

    // the signals a debugged or crashing program stops or ends with; the others print by number
    private static readonly (int Number, string Name, string Description)[] s_table =
    [
        (SigInt, "SIGINT", "Interrupt"),
        (SigIll, "SIGILL", "Illegal instruction"),
        (SigTrap, "SIGTRAP", "Trace/breakpoint trap"),
        (SigAbrt, "SIGABRT", "Aborted"),
        (SigBus, "SIGBUS", "Bus error"),
        (SigFpe, "SIGFPE", "Arithmetic exception"),
        (SigKill, "SIGKILL", "Killed"),
        (SigSegv, "SIGSEGV", "Segmentation fault"),
        (SigPipe, "SIGPIPE", "Broken pipe"),
        (SigTerm, "SIGTERM", "Terminated"),
    ];

    /// <summary>The name and gdb's description of a signal in the table ("SIGSEGV", "Segmentation fault"); false for the others.</summary>
    public static bool TryGet(int signal, out string name, out string description)
    {
        foreach ((int number, string n, string d) in s_table)
        {
            if (number == signal)
            {
                name = n;
                description = d;
                return true;
            }
        }

        name = "";
        description = "";
        return false;
    }

    /// <summary>The name of a signal ("SIGSEGV"; "SIG40" for one not in the table).</summary>
    public static string Name(int signal) => TryGet(signal, out string name, out _) ? name : $"SIG{signal}";

    /// <summary>gdb's description of a signal ("Segmentation fault"; "Unknown signal 40" for one not in the table).</summary>
    public static string Description(int signal) => TryGet(signal, out _, out string description) ? description : $"Unknown signal {signal}";
}
