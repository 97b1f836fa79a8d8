using System.Buffers.Binary;
using Lantern.C.Interp.Debug;
using Lantern.Observability;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf;
using Lantern.Observability.Dwarf.Read;
using Xunit;

namespace Lantern.C.Tests.Interp.Debug;

/// <summary>
/// The interpreter as a debug target, driven directly: sites armed by hand, stops awaited, program state read
/// through the DWARF the target emits (lines, frames, variables) and through its memory and registers.
/// </summary>
[Collection("native stdout")]
public class InterpDebugTargetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const string Program = """
        #include <stdio.h>
        #include <stdlib.h>

        int counter = 5;
        struct point { int x; int y; };

        int square(int v)
        {
            int r = v * v;
            return r;
        }

        double half(double d)
        {
            return d / 2;
        }

        int fact(int n)
        {
            if (n <= 1)
                return 1;
            return n * fact(n - 1);
        }

        int main(void)
        {
            int a = 3;
            struct point p = { 10, 20 };
            a = square(a);
            counter += a;
            p.y = fact(4);
            return counter + p.x + p.y - 48;
        }
        """;

    private static InterpDebugTarget Target(string source)
    {
        CompileResult result = CCompiler.CompileText("test.c", source, new CompileOptions());
        Assert.True(result.Success, result.Diagnostics.FormatAll());
        return new InterpDebugTarget(result.Module!);
    }

    private static TargetStop Wait(IDebugTarget t)
    {
        TargetStop? stop = t.WaitForStop(Timeout);
        Assert.NotNull(stop);
        return stop!;
    }

    private static int LineOf(IDebugTarget t, ulong pc) => t.Debug.FindLine(pc)?.Line ?? -1;

    private static string? FunctionOf(IDebugTarget t, ulong pc) => t.Debug.Lookup(pc)?.Function;

    private static PatchSite Site(IDebugTarget t, string function, PatchSiteKind kind) =>
        t.Sites.First(s => s.Kind == kind && FunctionOf(t, s.Address) == function);

    /// <summary>Reads a variable visible at the innermost frame's pc through DebugData and target memory.</summary>
    private static long ReadInt(IDebugTarget t, string name, int frame = 0, int size = 4)
    {
        FrameState f = t.Unwind()[frame];
        ulong pc = frame == 0 ? f.Pc : f.Pc - 1;
        ScopedVariable v = t.Debug.VariablesAt(pc).First(x => x.Name == name);
        ulong? address = t.Debug.GetVariableAddress(v, pc, r => f.Registers.TryGetValue((int)r, out ulong value) ? value : null, out _);
        Assert.NotNull(address);
        var bytes = new byte[size];
        Assert.True(t.ReadMemory(address!.Value, bytes));
        return size == 4 ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    /// <summary>A global's address from its DW_TAG_variable at unit level.</summary>
    private static ulong GlobalAddress(IDebugTarget t, string name)
    {
        DwarfDie die = t.Debug.Info.Units.SelectMany(u => u.Root.Children).First(d => d.Tag == DwTag.Variable && d.Name == name);
        SimpleLocation? location = t.Debug.LocationAt(die, 0);
        Assert.Equal(LocationKind.Address, location?.Kind);
        return location!.Value.Address;
    }

    private static int ReadGlobal(IDebugTarget t, string name)
    {
        var bytes = new byte[4];
        Assert.True(t.ReadMemory(GlobalAddress(t, name), bytes));
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }

    private static ulong AddressOf(IDebugTarget t, string name)
    {
        FrameState f = t.Unwind()[0];
        ScopedVariable v = t.Debug.VariablesAt(f.Pc).First(x => x.Name == name);
        return t.Debug.GetVariableAddress(v, f.Pc, r => f.Registers.TryGetValue((int)r, out ulong value) ? value : null, out _)!.Value;
    }

    [Fact]
    public void SitesAreSortedAndDescribedByTheLineTable()
    {
        using InterpDebugTarget t = Target(Program);
        Assert.Equal("interp", t.Kind);
        Assert.False(t.SupportsInstructions);
        Assert.Equal(t.Sites.OrderBy(s => s.Address).Select(s => s.Address), t.Sites.Select(s => s.Address));
        foreach (string f in new[] { "square", "half", "fact", "main" })
        {
            Assert.Single(t.Sites, s => s.Kind == PatchSiteKind.Entry && FunctionOf(t, s.Address) == f);
            Assert.Single(t.Sites, s => s.Kind == PatchSiteKind.Return && FunctionOf(t, s.Address) == f);
        }

        // statement sites sit on line rows; the return site on the closing brace; the entry on the declarator
        Assert.Equal(new[] { 27, 28, 29, 30, 31, 32 }, t.Sites.Where(s => s.Kind == PatchSiteKind.Statement && FunctionOf(t, s.Address) == "main")
            .Select(s => t.Debug.FindLine(s.Address)!).Select(p => p.Line));
        Assert.All(t.Sites.Where(s => s.Kind == PatchSiteKind.Statement), s => Assert.Equal(s.Address, t.Debug.FindLine(s.Address)!.RowAddress));
        Assert.Equal(33, LineOf(t, Site(t, "main", PatchSiteKind.Return).Address));
        Assert.Equal(25, LineOf(t, Site(t, "main", PatchSiteKind.Entry).Address));

        // the virtual code is never readable memory
        Assert.False(t.ReadMemory(t.Sites[0].Address, new byte[1]));
        Assert.False(t.ReadMemory(0, new byte[8]));
    }

    [Fact]
    public void RunsToTheEndWithNothingArmed()
    {
        using InterpDebugTarget t = Target(Program);
        t.Launch("test", Array.Empty<string>());
        TargetStop stop = Wait(t);
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(5 + 9 + 10 + 24 - 48, stop.ExitStatus);
    }

    [Fact]
    public void StatementSitesGiveTheSteppingSequence()
    {
        using InterpDebugTarget t = Target(Program);
        foreach (PatchSite s in t.Sites)
        {
            t.SetSite(s.Address, true);
        }

        t.Launch("test", Array.Empty<string>());
        var seen = new List<string>();
        while (true)
        {
            TargetStop stop = Wait(t);
            if (stop.Reason == StopReason.Exited)
            {
                Assert.Equal(0, stop.ExitStatus);
                break;
            }

            Assert.Equal(StopReason.Site, stop.Reason);
            Assert.Equal(stop.Pc, t.ReadRegister(X64Registers.ReturnAddress));
            PatchSite site = t.Sites.Single(s => s.Address == stop.Pc);
            seen.Add($"{FunctionOf(t, stop.Pc)}:{LineOf(t, stop.Pc)}{(site.Kind == PatchSiteKind.Statement ? "" : "/" + site.Kind)}");
            t.Resume(ResumeMode.Continue);
        }

        string expected = "main:25/Entry main:27 main:28 main:29 square:7/Entry square:9 square:10 square:11/Return main:30 main:31 "
            + "fact:18/Entry fact:20 fact:22 fact:18/Entry fact:20 fact:22 fact:18/Entry fact:20 fact:22 fact:18/Entry fact:20 fact:21 "
            + "fact:23/Return fact:23/Return fact:23/Return fact:23/Return main:32 main:33/Return";
        Assert.Equal(expected, string.Join(' ', seen));
    }

    [Fact]
    public void VariablesFramesAndReturnValuesReadThroughDwarf()
    {
        using InterpDebugTarget t = Target(Program);
        PatchSite factReturn = Site(t, "fact", PatchSiteKind.Return);
        ulong line21 = t.Sites.First(s => s.Kind == PatchSiteKind.Statement && LineOf(t, s.Address) == 21).Address;
        t.SetSite(line21, true);
        t.Launch("test", Array.Empty<string>());
        TargetStop stop = Wait(t);
        Assert.Equal(line21, stop.Pc);

        // four fact frames under main, each with its own n
        IReadOnlyList<FrameState> frames = t.Unwind();
        Assert.Equal(new[] { "fact", "fact", "fact", "fact", "main" }, frames.Select((f, i) => FunctionOf(t, i == 0 ? f.Pc : f.Pc - 1)));
        Assert.Equal(new long[] { 1, 2, 3, 4 }, Enumerable.Range(0, 4).Select(i => ReadInt(t, "n", i)));
        Assert.Equal(31, LineOf(t, frames[4].Pc - 1));
        Assert.Equal(22, LineOf(t, frames[1].Pc - 1));
        Assert.Equal(9, ReadInt(t, "a", 4));
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.First.Cfa < p.Second.Cfa), "CFAs grow outwards");
        Assert.Equal(frames[0].Cfa, t.Debug.GetCfa(frames[0].Pc, r => frames[0].Registers.TryGetValue((int)r, out ulong v) ? v : null));

        // struct members and globals through DWARF types
        FrameState main = frames[4];
        ScopedVariable p = t.Debug.VariablesAt(main.Pc - 1).First(v => v.Name == "p");
        Assert.Equal("struct point", p.TypeName);
        Assert.Equal(14, ReadGlobal(t, "counter"));

        // the return site: rax holds the value being returned, and writing it changes what the caller gets
        t.SetSite(line21, false);
        t.SetSite(factReturn.Address, true);
        t.Resume(ResumeMode.Continue);
        stop = Wait(t);
        Assert.Equal(factReturn.Address, stop.Pc);
        Assert.Equal(1UL, t.ReadRegister(X64Registers.Rax));
        Assert.Equal(5, t.Unwind().Count);
        t.Resume(ResumeMode.Continue);
        stop = Wait(t);
        Assert.Equal(2UL, t.ReadRegister(X64Registers.Rax));
        t.WriteRegister(X64Registers.Rax, 5); // fact(2) now returns 5: fact(4) = 4 * 3 * 5 = 60
        t.SetSite(factReturn.Address, false);
        t.Resume(ResumeMode.Continue);
        stop = Wait(t);
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(5 + 9 + 10 + 60 - 48, stop.ExitStatus);
    }

    [Fact]
    public void WritesToVariablesChangeTheProgram()
    {
        using InterpDebugTarget t = Target(Program);
        ulong line30 = t.Sites.First(s => s.Kind == PatchSiteKind.Statement && LineOf(t, s.Address) == 30).Address;
        t.SetSite(line30, true);
        t.Launch("test", Array.Empty<string>());
        Wait(t);
        Assert.Equal(9, ReadInt(t, "a"));
        Assert.True(t.WriteMemory(AddressOf(t, "a"), BitConverter.GetBytes(20)));
        Assert.Equal(20, ReadInt(t, "a"));
        t.Resume(ResumeMode.Continue);
        TargetStop stop = Wait(t);
        Assert.Equal(5 + 20 + 10 + 24 - 48, stop.ExitStatus);
    }

    [Fact]
    public void CallsFunctionsOnTheParkedWorker()
    {
        using InterpDebugTarget t = Target(Program);
        PatchSite squareEntry = Site(t, "square", PatchSiteKind.Entry);
        t.SetSite(squareEntry.Address, true);
        t.Launch("test", Array.Empty<string>());
        TargetStop stop = Wait(t);
        Assert.Equal(squareEntry.Address, stop.Pc);
        Assert.Equal(3, ReadInt(t, "v"));

        ulong square = t.Debug.Functions().Select(f => (Name: f.Name, Low: t.Debug.GetRanges(f)[0].Low)).First(f => f.Name == "square").Low;
        ulong half = t.Debug.Functions().Select(f => (Name: f.Name, Low: t.Debug.GetRanges(f)[0].Low)).First(f => f.Name == "half").Low;
        Assert.Equal(49UL, t.CallFunction(square, new ulong[] { 7 }, Array.Empty<double>()).Rax & 0xFFFFFFFF);
        Assert.Equal(1.25, BitConverter.UInt64BitsToDouble(t.CallFunction(half, Array.Empty<ulong>(), new[] { 2.5 }).Xmm0));

        // the armed entry site of square is ignored inside the call, and the parked state is intact
        Assert.Equal(squareEntry.Address, t.ReadRegister(X64Registers.ReturnAddress));
        Assert.Equal(3, ReadInt(t, "v"));
        Assert.Throws<InvalidOperationException>(() => t.CallFunction(0x1234, Array.Empty<ulong>(), Array.Empty<double>()));
        t.SetSite(squareEntry.Address, false);
        t.Resume(ResumeMode.Continue);
        Assert.Equal(0, Wait(t).ExitStatus);
    }

    [Fact]
    public void InstructionLevelRequestsAreRefused()
    {
        using InterpDebugTarget t = Target(Program);
        t.SetSite(Site(t, "main", PatchSiteKind.Entry).Address, true);
        t.Launch("test", Array.Empty<string>());
        Wait(t);
        var e = Assert.Throws<NotSupportedException>(() => t.Resume(ResumeMode.StepInstruction));
        Assert.Contains("not supported on the interpreter", e.Message);
        Assert.Throws<NotSupportedException>(() => t.SetInstructionBreakpoint(t.Sites[0].Address, true));
        t.Kill();
        TargetStop stop = Wait(t);
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(InterpDebugTarget.KilledStatus, stop.ExitStatus);
    }

    [Theory]
    [InlineData("int *p = 0; return *p;", 11, "null pointer dereference")]
    [InlineData("int z = argc - 1; return 7 / z;", 8, "division by zero")]
    [InlineData("__builtin_trap(); return 0;", 4, "illegal instruction")]
    public void CrashesStopAtTheFaultingLine(string body, int signal, string message)
    {
        string source = "int crash(int argc)\n{\n    int before = 41;\n    " + body + "\n}\n\nint main(int argc, char **argv)\n{\n    return crash(argc);\n}\n";
        using InterpDebugTarget t = Target(source);
        t.Launch("test", Array.Empty<string>());
        TargetStop stop = Wait(t);
        Assert.Equal(StopReason.Signal, stop.Reason);
        Assert.Equal(signal, stop.Signal);
        Assert.Equal(4, LineOf(t, stop.Pc));
        Assert.Equal("crash", FunctionOf(t, stop.Pc));
        IReadOnlyList<FrameState> frames = t.Unwind();
        Assert.Equal(2, frames.Count);
        Assert.Equal(9, LineOf(t, frames[1].Pc - 1));
        Assert.Equal(41, ReadInt(t, "before"));

        // the session survives: resuming lets the program die with the signal's status
        t.Resume(ResumeMode.Continue);
        stop = Wait(t);
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(128 + signal, stop.ExitStatus);
        Assert.Contains(message, t.LastError);
    }

    [Fact]
    public void ExitAndRelaunch()
    {
        const string source = "#include <stdlib.h>\nint g = 1;\nint main(void)\n{\n    g = g * 10;\n    exit(g + 2);\n}\n";
        using InterpDebugTarget t = Target(source);
        t.Launch("test", Array.Empty<string>());
        Assert.Equal(12, Wait(t).ExitStatus);

        // a second run starts from the initial globals
        ulong line5 = t.Sites.First(s => s.Kind == PatchSiteKind.Statement && LineOf(t, s.Address) == 5).Address;
        t.SetSite(line5, true);
        t.Launch("test", Array.Empty<string>());
        TargetStop stop = Wait(t);
        Assert.Equal(line5, stop.Pc);
        Assert.Equal(1, ReadGlobal(t, "g"));
        t.Resume(ResumeMode.Continue);
        Assert.Equal(12, Wait(t).ExitStatus);
    }

    [Fact]
    public void InterruptStopsARunningLoopAndKillEndsIt()
    {
        const string source = "int main(void)\n{\n    volatile long i = 0;\n    for (;;)\n        i++;\n}\n";
        using InterpDebugTarget t = Target(source);
        t.Launch("test", Array.Empty<string>());
        Assert.Null(t.WaitForStop(TimeSpan.FromMilliseconds(200)));
        t.Interrupt();
        TargetStop stop = Wait(t);
        Assert.Equal(StopReason.Interrupted, stop.Reason);
        Assert.Equal("main", FunctionOf(t, stop.Pc));
        Assert.True(ReadInt(t, "i", size: 8) > 0);

        // resumed, it runs on (no stop), until killed
        t.Resume(ResumeMode.Continue);
        Assert.Null(t.WaitForStop(TimeSpan.FromMilliseconds(100)));
        t.Kill();
        stop = Wait(t);
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(InterpDebugTarget.KilledStatus, stop.ExitStatus);
    }

    [Fact]
    public void DwarfPassesLlvmDwarfdumpVerify()
    {
        using InterpDebugTarget t = Target(Program);
        (int exitCode, string stdout, string stderr) = TestTools.DwarfdumpVerify(t.Symfile, "lantern-interp-dwarf-");
        Assert.True(exitCode == 0, stdout + stderr);
    }
    [Fact]
    public void ReturnAddressBreakpointsStopWhenTheCallReturns()
    {
        using InterpDebugTarget t = Target(Program);
        PatchSite squareEntry = Site(t, "square", PatchSiteKind.Entry);
        t.SetSite(squareEntry.Address, true);
        t.Launch("test", Array.Empty<string>());
        Wait(t);

        // finish: a breakpoint at the caller frame's pc (the return address), checked against the caller's CFA
        IReadOnlyList<FrameState> frames = t.Unwind();
        FrameState caller = frames[1];
        Assert.Throws<NotSupportedException>(() => t.SetInstructionBreakpoint(caller.Pc - 1, true));
        t.SetInstructionBreakpoint(caller.Pc, true);
        t.SetSite(squareEntry.Address, false);
        t.Resume(ResumeMode.Continue);
        TargetStop stop = Wait(t);
        Assert.Equal(StopReason.Instruction, stop.Reason);
        Assert.Equal(caller.Pc, stop.Pc);
        Assert.Equal(caller.Pc, t.ReadRegister(X64Registers.ReturnAddress));
        Assert.Equal(9UL, t.ReadRegister(X64Registers.Rax));
        Assert.Single(t.Unwind());
        Assert.Equal(caller.Cfa, t.Unwind()[0].Cfa);
        Assert.Equal(29, LineOf(t, stop.Pc - 1));
        Assert.Equal(3, ReadInt(t, "a"));
        t.SetInstructionBreakpoint(caller.Pc, false);
        t.Resume(ResumeMode.Continue);
        Assert.Equal(StopReason.Exited, Wait(t).Reason);
    }

    [Fact]
    public void StopFilterDecidesOnTheProgramThread()
    {
        using InterpDebugTarget t = Target(Program);
        PatchSite factEntry = Site(t, "fact", PatchSiteKind.Entry);
        int calls = 0;
        t.StopFilter = stop =>
        {
            calls++;
            Assert.Equal(factEntry.Address, t.ReadRegister(X64Registers.ReturnAddress));
            return ReadInt(t, "n") == 2; // like a breakpoint condition
        };
        t.SetSite(factEntry.Address, true);
        t.Launch("test", Array.Empty<string>());
        TargetStop stop = Wait(t);
        Assert.Equal(factEntry.Address, stop.Pc);
        Assert.Equal(3, calls);
        Assert.Equal(2, ReadInt(t, "n"));
        t.Resume(ResumeMode.Continue);
        Assert.Equal(StopReason.Exited, Wait(t).Reason);
        Assert.Equal(4, calls);
    }

    [Fact]
    public void MarkersAtOnePositionAreOneSite()
    {
        const string source = "int main(void)\n{\n    int x = 1;\n    ;\n    ;\n    x++;\n    return x;\n}\n";
        using InterpDebugTarget t = Target(source);
        Assert.Equal(new[] { 3, 6, 7 }, t.Sites.Where(s => s.Kind == PatchSiteKind.Statement).Select(s => LineOf(t, s.Address)));
    }
    [Fact]
    public void TwoProgramsParkedInsideCallbacksAtOnce()
    {
        // each worker thread finds its own interpreter when libc calls back into interpreted code
        const string source = "#include <stdlib.h>\nint cmp(const void *a, const void *b)\n{\n    return *(const int *)a - *(const int *)b;\n}\n"
            + "int main(void)\n{\n    int v[5] = { 5, 3, 4, 1, 2 };\n    qsort(v, 5, sizeof(int), cmp);\n    return v[0] * 10 + v[4];\n}\n";
        using InterpDebugTarget first = Target(source);
        using InterpDebugTarget second = Target(source);
        foreach (InterpDebugTarget t in new[] { first, second })
        {
            t.SetSite(Site(t, "cmp", PatchSiteKind.Entry).Address, true);
            t.Launch("test", Array.Empty<string>());
            Assert.Equal(StopReason.Site, Wait(t).Reason);
        }

        foreach (InterpDebugTarget t in new[] { first, second })
        {
            Assert.Equal("cmp", FunctionOf(t, t.ReadRegister(X64Registers.ReturnAddress)));
            t.SetSite(Site(t, "cmp", PatchSiteKind.Entry).Address, false);
            t.Resume(ResumeMode.Continue);
            Assert.Equal(15, Wait(t).ExitStatus);
        }
    }
    [Fact]
    public void ExitInsideACallbackEndsTheProgramNotTheProcess()
    {
        // native frames (qsort) cannot be unwound: the target reports the exit and leaves that worker blocked
        const string source = "#include <stdlib.h>\nint cmp(const void *a, const void *b)\n{\n    exit(9);\n}\n"
            + "int main(void)\n{\n    int v[3] = { 3, 1, 2 };\n    qsort(v, 3, sizeof(int), cmp);\n    return 0;\n}\n";
        var t = Target(source);
        t.Launch("test", Array.Empty<string>());
        TargetStop stop = Wait(t);
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(9, stop.ExitStatus);
        t.Dispose();
    }
}
