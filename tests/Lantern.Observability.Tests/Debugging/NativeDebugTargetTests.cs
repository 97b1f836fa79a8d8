using System.Runtime.InteropServices;
using Iced.Intel;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Elf;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.Observability.Tests.Debugging;

/// <summary>
/// The host layer on hand-assembled code (no compiler): the trampoline saves and restores every register (edits
/// included), sites are patched while the program runs, int3 breakpoints on RIP-relative and branch instructions are
/// stepped over correctly, instruction steps follow branches, and a fault is a stop the session survives.
/// </summary>
[Collection("debugger host")]
public sealed unsafe class NativeDebugTargetTests
{
    private static readonly byte[] s_nop5 = [0x0F, 0x1F, 0x44, 0x00, 0x00];

    [Fact]
    public void Trampoline_SavesAndRestoresAllRegisters_WithEdits()
    {
        nint results = (nint)NativeMemory.AllocZeroed(64 * 8);
        try
        {
            using var t = AsmTarget.Build(a =>
            {
                a.push(rbx);
                a.push(r12);
                a.push(r13);
                a.push(r14);
                a.push(r15);
                a.mov(r11, (long)results);
                AssemblerRegister64[] regs = { rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r12, r13, r14, r15 };
                for (int i = 0; i < regs.Length; i++)
                {
                    a.mov(regs[i], 0x1111_0000_0000_0000L + i);
                }

                a.mov(r11, 0x2222_0000_0000_0001L);
                a.movq(xmm3, r11);
                a.mov(r11, 0x2222_0000_0000_0002L);
                a.movq(xmm15, r11);
                a.stc();
                AsmTarget.Site(a, "s1");
                // store everything
                a.mov(r11, (long)results);
                for (int i = 0; i < regs.Length; i++)
                {
                    a.mov(__qword_ptr[r11 + (8 * i)], regs[i]);
                }

                a.movq(__qword_ptr[r11 + (8 * 20)], xmm3);
                a.movq(__qword_ptr[r11 + (8 * 21)], xmm15);
                a.setc(al);
                a.movzx(eax, al);
                a.mov(__qword_ptr[r11 + (8 * 22)], rax);
                a.pop(r15);
                a.pop(r14);
                a.pop(r13);
                a.pop(r12);
                a.pop(rbx);
                a.xor(eax, eax);
            });
            t.SetSite(t.SiteAddress("s1"), true);
            t.Launch("asm", []);
            TargetStop stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
            Assert.Equal(StopReason.Site, stop.Reason);
            Assert.Equal(t.SiteAddress("s1"), stop.Pc);
            Assert.Equal(0x1111_0000_0000_0000UL, t.ReadRegister(0));      // rax
            Assert.Equal(0x1111_0000_0000_0001UL, t.ReadRegister(3));      // rbx
            Assert.Equal(0x1111_0000_0000_0002UL, t.ReadRegister(2));      // rcx
            Assert.Equal(0x1111_0000_0000_0003UL, t.ReadRegister(1));      // rdx
            Assert.Equal(0x1111_0000_0000_000cUL, t.ReadRegister(15));     // r15
            Assert.Equal(0x2222_0000_0000_0001UL, t.ReadRegister(17 + 3)); // xmm3
            Assert.Equal(1UL, t.ReadRegister(RegisterBlock.DwarfRflags) & 1);
            ulong rsp = t.ReadRegister(7);
            Assert.Equal(0UL, (rsp + 8) % 16);                           // inside a called function: rsp = 8 mod 16
            t.WriteRegister(3, 0xABCDUL);                                // rbx
            t.WriteRegister(17 + 15, 0x3333UL);                          // xmm15
            t.WriteRegister(RegisterBlock.DwarfRflags, t.ReadRegister(RegisterBlock.DwarfRflags) & ~1UL);
            t.Resume(ResumeMode.Continue);
            stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
            Assert.Equal(StopReason.Exited, stop.Reason);
            ulong* r = (ulong*)results;
            Assert.Equal(0x1111_0000_0000_0000UL, r[0]);
            Assert.Equal(0xABCDUL, r[1]);
            for (int i = 2; i < 13; i++)
            {
                Assert.Equal(0x1111_0000_0000_0000UL + (ulong)i, r[i]);
            }

            Assert.Equal(0x2222_0000_0000_0001UL, r[20]);
            Assert.Equal(0x3333UL, r[21]);
            Assert.Equal(0UL, r[22]);                                    // carry cleared by the edit
        }
        finally
        {
            NativeMemory.Free((void*)results);
        }
    }

    [Fact]
    public void Rip_Edit_IsHonoured()
    {
        using var t = AsmTarget.Build(a =>
        {
            a.mov(eax, 1);
            AsmTarget.Site(a, "s1");
            a.mov(eax, 2);                 // skipped by the rip edit
            AsmTarget.Mark(a, "after");
            a.add(eax, 40);
        });
        t.SetSite(t.SiteAddress("s1"), true);
        t.Launch("asm", []);
        Assert.Equal(StopReason.Site, t.WaitForStop(TimeSpan.FromSeconds(20))!.Reason);
        t.WriteRegister(16, t.MarkAddress("after"));
        t.Resume(ResumeMode.Continue);
        TargetStop stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(41, stop.ExitStatus);
    }

    [Fact]
    public void Sites_ArePatchedWhileTheProgramRuns()
    {
        nint flag = (nint)NativeMemory.AllocZeroed(64);
        try
        {
            // two sites in a loop, one inside an aligned qword and one straddling a qword boundary (int3-first path)
            using var t = AsmTarget.Build(a =>
            {
                Label loop = a.CreateLabel();
                Label done = a.CreateLabel();
                a.mov(r11, (long)flag);
                a.xor(ecx, ecx);
                a.Label(ref loop);
                a.inc(rcx);
                AsmTarget.Site(a, "s1");
                a.nop();
                a.nop();
                a.nop();
                a.nop();
                AsmTarget.Site(a, "s2");
                a.cmp(__qword_ptr[r11], 0);
                a.je(loop);
                a.mov(eax, 7);
            });
            ulong s1 = t.SiteAddress("s1");
            ulong s2 = t.SiteAddress("s2");
            Assert.True((s1 & 7) > 3 != (s2 & 7) > 3, $"one site straddles an aligned qword, one does not: {s1 & 7} {s2 & 7}");
            t.Launch("asm", []);
            Assert.Null(t.WaitForStop(TimeSpan.FromMilliseconds(100)));
            foreach (ulong site in new[] { s1, s2, s1, s2 })
            {
                for (int k = 0; k < 50; k++)
                {
                    t.SetSite(site, true);
                    t.SetSite(site, false);
                }

                t.SetSite(site, true);
                TargetStop stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
                Assert.Equal(StopReason.Site, stop.Reason);
                Assert.Equal(site, stop.Pc);
                Assert.True(t.ReadRegister(2) > 0);
                t.SetSite(site, false);
                t.Resume(ResumeMode.Continue);
                Assert.Null(t.WaitForStop(TimeSpan.FromMilliseconds(20)));
            }

            *(long*)flag = 1;
            TargetStop end = t.WaitForStop(TimeSpan.FromSeconds(20))!;
            Assert.Equal(StopReason.Exited, end.Reason);
            Assert.Equal(7, end.ExitStatus);
            var code = new byte[5];
            Assert.True(t.ReadMemory(s2, code));
            Assert.Equal(s_nop5, code);
        }
        finally
        {
            NativeMemory.Free((void*)flag);
        }
    }

    [Fact]
    public void Int3_OnRipRelativeAndBranchInstructions_StepsOverThem()
    {
        nint data = (nint)NativeMemory.AllocZeroed(16);
        *(long*)data = 5;
        using var t = AsmTarget.Build(a =>
        {
            Label loop = a.CreateLabel();
            Label cell = a.CreateLabel();
            Label end = a.CreateLabel();
            Label add1 = a.CreateLabel();
            a.xor(eax, eax);
            a.mov(ecx, 3);
            a.Label(ref loop);
            AsmTarget.Name(a, "load", loop);
            a.add(rax, __qword_ptr[cell]);          // RIP-relative
            AsmTarget.Mark(a, "dec");
            a.dec(ecx);
            AsmTarget.Mark(a, "call");
            a.call(add1);                             // call: the return address must be the original one
            AsmTarget.Mark(a, "jnz");
            a.jnz(loop);                              // branch
            a.jmp(end);
            a.Label(ref add1);
            a.lea(rax, __[rax + 100]);                // keeps the flags of dec for jnz
            a.ret();
            a.Label(ref cell);
            a.dq(5);
            a.Label(ref end);
        });
        t.SetInstructionBreakpoint(t.MarkAddress("load"), true);
        t.SetInstructionBreakpoint(t.MarkAddress("call"), true);
        t.SetInstructionBreakpoint(t.MarkAddress("jnz"), true);
        t.Launch("asm", []);
        var pcs = new List<string>();
        while (true)
        {
            TargetStop stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
            if (stop.Reason == StopReason.Exited)
            {
                Assert.Equal(315, stop.ExitStatus);
                break;
            }

            Assert.Equal(StopReason.Instruction, stop.Reason);
            pcs.Add(new[] { "load", "call", "jnz" }.FirstOrDefault(m => t.MarkAddress(m) == stop.Pc) ?? $"{stop.Pc:x}");
            t.Resume(ResumeMode.Continue);
        }

        Assert.Equal("load call jnz load call jnz load call jnz", string.Join(" ", pcs));
        Assert.Equal(9, t.DisplacedExecutions);
        NativeMemory.Free((void*)data);
    }

    [Fact]
    public void StepInstruction_FollowsBranches_AndLeavesSites()
    {
        using var t = AsmTarget.Build(a =>
        {
            Label target = a.CreateLabel();
            a.mov(eax, 1);
            AsmTarget.Site(a, "s1");
            a.test(eax, eax);
            AsmTarget.Mark(a, "jnz");
            a.jnz(target);
            a.mov(eax, 99);
            a.Label(ref target);
            AsmTarget.Name(a, "target", target);
            a.add(eax, 1);
        });
        ulong s1 = t.SiteAddress("s1");
        t.SetSite(s1, true);
        t.Launch("asm", []);
        Assert.Equal(s1, t.WaitForStop(TimeSpan.FromSeconds(20))!.Pc);
        t.Resume(ResumeMode.StepInstruction);
        TargetStop stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
        Assert.Equal(StopReason.Instruction, stop.Reason);
        Assert.Equal(s1 + 5, stop.Pc);
        t.Resume(ResumeMode.StepInstruction);
        Assert.Equal(t.MarkAddress("jnz"), t.WaitForStop(TimeSpan.FromSeconds(20))!.Pc);
        t.Resume(ResumeMode.StepInstruction);
        Assert.Equal(t.MarkAddress("target"), t.WaitForStop(TimeSpan.FromSeconds(20))!.Pc);
        t.Resume(ResumeMode.Continue);
        stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(2, stop.ExitStatus);
    }

    [Fact]
    public void Fault_IsASignalStop_AndKillEndsTheProgram()
    {
        using var t = AsmTarget.Build(a =>
        {
            a.xor(ecx, ecx);
            AsmTarget.Mark(a, "fault");
            a.mov(rax, __qword_ptr[rcx + 16]);
        });
        t.Launch("asm", []);
        TargetStop stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
        Assert.Equal(StopReason.Signal, stop.Reason);
        Assert.Equal(11, stop.Signal);
        Assert.Equal(t.MarkAddress("fault"), stop.Pc);
        Assert.Equal(16UL, stop.FaultAddress);
        IReadOnlyList<FrameState> frames = t.Unwind();
        Assert.Equal(t.MarkAddress("fault"), frames[0].Pc);
        t.Kill();
        stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
        Assert.Equal(StopReason.Exited, stop.Reason);

        // the target can run again
        t.Launch("asm", []);
        Assert.Equal(StopReason.Signal, t.WaitForStop(TimeSpan.FromSeconds(20))!.Reason);
        t.Resume(ResumeMode.Continue);
        stop = t.WaitForStop(TimeSpan.FromSeconds(20))!;
        Assert.Equal(StopReason.Exited, stop.Reason);
        Assert.Equal(128 + 11, stop.ExitStatus);
    }

    /// <summary>
    /// A target whose program is one hand-assembled function <c>int f(void)</c> (with a frame-pointer prologue and
    /// CFI described through CodeInfo → DWARF), run through an enter stub that <see cref="ExitStub"/> can unwind to.
    /// </summary>
    private sealed class AsmTarget : NativeDebugTarget
    {
        private readonly TestCodeMemory _memory;
        private readonly DebugData _debug;
        private readonly PatchSite[] _sites;
        private readonly Dictionary<string, ulong> _marks;
        private readonly ulong _function;
        private readonly ulong _enter;
        private readonly ulong _exit;

        private AsmTarget(TestCodeMemory memory, ulong function, ulong enter, ulong exit, Dictionary<string, ulong> marks, PatchSite[] sites, DebugData debug)
            : base(memory)
        {
            _memory = memory;
            _function = function;
            _enter = enter;
            _exit = exit;
            _marks = marks;
            _sites = sites;
            _debug = debug;
        }

        private static readonly Dictionary<Assembler, List<(string Name, Label Label, bool IsSite)>> s_labels = new();

        public static void Site(Assembler a, string name)
        {
            Label l = a.CreateLabel();
            a.Label(ref l);
            a.db(0x0F, 0x1F, 0x44, 0x00, 0x00);
            s_labels[a].Add((name, l, true));
        }

        public static void Name(Assembler a, string name, Label label) => s_labels[a].Add((name, label, false));

        public static void Mark(Assembler a, string name)
        {
            Label l = a.CreateLabel();
            a.Label(ref l);
            s_labels[a].Add((name, l, false));
        }

        public static AsmTarget Build(Action<Assembler> body)
        {
            var memory = new TestCodeMemory(1 << 20);
            nint state = memory.Data;

            // long enter(void* fn): saves rsp for the exit stub, calls fn
            var e = new Assembler(64);
            Label resume = e.CreateLabel();
            e.push(rbp);
            e.mov(rbp, rsp);
            e.push(rbx);
            e.push(r12);
            e.push(r13);
            e.push(r14);
            e.push(r15);
            e.sub(rsp, 8);
            e.mov(r11, (long)state);
            e.mov(__qword_ptr[r11], rsp);
            e.call(rdi);
            e.Label(ref resume);
            e.add(rsp, 8);
            e.pop(r15);
            e.pop(r14);
            e.pop(r13);
            e.pop(r12);
            e.pop(rbx);
            e.pop(rbp);
            e.ret();
            (ulong enter, AssemblerResult er) = memory.Add(e);
            ulong resumeAddress = er.GetLabelRIP(resume);

            var x = new Assembler(64);
            x.mov(r11, (long)state);
            x.mov(rsp, __qword_ptr[r11]);
            x.mov(eax, edi);
            x.mov(r11, (long)resumeAddress);
            x.jmp(r11);
            (ulong exit, _) = memory.Add(x);

            var a = new Assembler(64);
            s_labels[a] = new();
            a.push(rbp);
            a.mov(rbp, rsp);
            body(a);
            a.nop(); // the body may end with a label
            Label epilogue = a.CreateLabel();
            a.Label(ref epilogue);
            a.pop(rbp);
            a.ret();
            (ulong function, AssemblerResult fr) = memory.Add(a);
            var marks = new Dictionary<string, ulong>();
            var sites = new List<PatchSite>();
            foreach ((string name, Label label, bool isSite) in s_labels[a])
            {
                marks[name] = fr.GetLabelRIP(label);
                if (isSite)
                {
                    sites.Add(new PatchSite(marks[name], PatchSiteKind.Statement));
                }
            }

            s_labels.Remove(a);
            ulong end = fr.GetLabelRIP(epilogue) + 2;
            var unit = new CompilationUnitInfo("asm.s", "/tmp", "test", 0x8001);
            var info = new CodeInfo("f", function, (uint)(end - function)) { FrameBase = FrameBase.Rbp };
            info.AddLine(0, unit.AddFile("asm.s"), 1);
            info.AddCfi(Cfi.StandardFramePointer(0, Cfi.PushRbpLength, (uint)(fr.GetLabelRIP(epilogue) - function)));
            unit.AddFunction(info);
            DebugData debug = DebugData.Load(ElfFile.Parse(ElfWriter.WriteSymfile(unit)));
            return new AsmTarget(memory, function, enter, exit, marks, sites.ToArray(), debug);
        }

        public ulong SiteAddress(string name) => _marks[name];

        public ulong MarkAddress(string name) => _marks[name];

        public override string Kind => "asm";

        public override DebugData Debug => _debug;

        public override IReadOnlyList<PatchSite> Sites => _sites;

        protected override ulong ExitStub => _exit;

        protected override int RunProgram(string programName, IReadOnlyList<string> args)
            => (int)((delegate* unmanaged<ulong, long>)_enter)(_function);

        public override void Dispose()
        {
            base.Dispose();
            _memory.Dispose();
        }
    }

    /// <summary>A memfd mapped twice (RW and RX), like the JIT's code cache.</summary>
    private sealed class TestCodeMemory : ICodeMemory, IDisposable
    {
        private readonly nint _rw;
        private readonly nint _rx;
        private readonly nuint _size;
        private readonly int _fd;
        private long _used;

        public TestCodeMemory(int size)
        {
            _size = (nuint)size;
            _fd = MemfdCreate("lantern-test-code", 1);
            Ftruncate(_fd, size);
            _rw = Mmap(0, _size, 3, 1 /* MAP_SHARED */, _fd, 0);
            _rx = Mmap(0, _size, 5, 1, _fd, 0);
            Data = (nint)NativeMemory.AllocZeroed(4096);
        }

        public nint Data { get; }

        public ulong Allocate(int size)
        {
            long start = (_used + 15) & ~15L;
            _used = start + size;
            return (ulong)(_rx + (nint)start);
        }

        public nint WritableAlias(ulong address) => _rw + (nint)(address - (ulong)_rx);

        public bool Contains(ulong address) => address >= (ulong)_rx && address < (ulong)_rx + (ulong)_used;

        public (ulong Address, AssemblerResult Result) Add(Assembler a)
        {
            ulong at = (ulong)(_rx + (nint)((_used + 15) & ~15L));
            var stream = new MemoryStream();
            AssemblerResult result = a.Assemble(new StreamCodeWriter(stream), at, BlockEncoderOptions.ReturnNewInstructionOffsets);
            byte[] code = stream.ToArray();
            ulong placed = Allocate(code.Length);
            Marshal.Copy(code, 0, WritableAlias(placed), code.Length);
            return (placed, result);
        }

        public void Dispose()
        {
            Munmap(_rw, _size);
            Munmap(_rx, _size);
            Close(_fd);
            NativeMemory.Free((void*)Data);
        }

        [DllImport("libc", EntryPoint = "memfd_create")]
        private static extern int MemfdCreate(string name, uint flags);

        [DllImport("libc", EntryPoint = "ftruncate")]
        private static extern int Ftruncate(int fd, long length);

        [DllImport("libc", EntryPoint = "mmap")]
        private static extern nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", EntryPoint = "munmap")]
        private static extern int Munmap(nint addr, nuint length);

        [DllImport("libc", EntryPoint = "close")]
        private static extern int Close(int fd);
    }
}

/// <summary>Host-layer tests share the process-wide signal handler: one at a time.</summary>
[CollectionDefinition("debugger host", DisableParallelization = true)]
public sealed class DebuggerHostCollection
{
}
