using Lantern.Observability.Interop;

namespace Lantern.Observability.Tests.Interop;

/// <summary>The one signal table: names and gdb's descriptions, as `lantern dbg` and the crash report print them.</summary>
public class SignalsTests
{
    [Theory]
    [InlineData(Signals.SigSegv, "SIGSEGV", "Segmentation fault")]
    [InlineData(Signals.SigFpe, "SIGFPE", "Arithmetic exception")]
    [InlineData(Signals.SigAbrt, "SIGABRT", "Aborted")]
    [InlineData(Signals.SigBus, "SIGBUS", "Bus error")]
    [InlineData(Signals.SigIll, "SIGILL", "Illegal instruction")]
    [InlineData(Signals.SigTrap, "SIGTRAP", "Trace/breakpoint trap")]
    [InlineData(Signals.SigInt, "SIGINT", "Interrupt")]
    public void KnownSignal_HasGdbsNameAndDescription(int signal, string name, string description)
    {
        Assert.True(Signals.TryGet(signal, out string n, out string d));
        Assert.Equal(name, n);
        Assert.Equal(description, d);
        Assert.Equal(name, Signals.Name(signal));
        Assert.Equal(description, Signals.Description(signal));
    }

    [Fact]
    public void SignalOutsideTheTable_IsNamedByNumber()
    {
        Assert.False(Signals.TryGet(40, out _, out _));
        Assert.Equal("SIG40", Signals.Name(40));
        Assert.Equal("Unknown signal 40", Signals.Description(40));
    }

    [Theory]
    [InlineData(Signals.SigInt)]
    [InlineData(Signals.SigIll)]
    [InlineData(Signals.SigTrap)]
    [InlineData(Signals.SigAbrt)]
    [InlineData(Signals.SigBus)]
    [InlineData(Signals.SigFpe)]
    [InlineData(Signals.SigKill)]
    [InlineData(Signals.SigSegv)]
    [InlineData(Signals.SigPipe)]
    [InlineData(Signals.SigTerm)]
    [InlineData(Signals.SigUrg)]
    [InlineData(Signals.SigProf)]
    public void Number_IsTheSystemsOwn(int signal)
    {
        // the shell's `kill -l N` names signal N as this system numbers it
        var info = new System.Diagnostics.ProcessStartInfo("bash", ["-c", $"kill -l {signal}"]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(info)!;
        string name = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        if (Signals.TryGet(signal, out string ours, out _))
        {
            Assert.Equal(ours, "SIG" + name);
        }
        else
        {
            Assert.Contains(name, new[] { "URG", "PROF" });
        }
    }
}
