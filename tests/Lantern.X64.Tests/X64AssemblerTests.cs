using Iced.Intel;
using Lantern.X64;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.X64.Tests;

/// <summary>
/// X64Assembler/X64Encoder against Iced's Assembler, the oracle: the same calls must give the same instructions
/// (codes, operands, immediates) and the same bytes, offsets and label addresses.
/// </summary>
public partial class X64AssemblerTests
{
    private const ulong Rip = 0x7F12_3456_0000;

    private static void AssertSameAsIced(Action<Assembler> iced, Action<X64Assembler> ours)
    {
        var a = new Assembler(64);
        iced(a);
        var b = new X64Assembler(64);
        ours(b);

        Assert.Equal(a.Instructions.Count, b.Instructions.Count);
        for (int i = 0; i < a.Instructions.Count; i++)
        {
            Instruction x = a.Instructions[i];
            Instruction y = b.Instructions[i];
            Assert.True(x.Code == y.Code, $"instruction {i}: Iced {x.Code} ({x}), ours {y.Code} ({y})");
            Assert.True(x.Equals(y), $"instruction {i}: Iced {x}, ours {y}");
        }

        var icedStream = new MemoryStream();
        AssemblerResult icedResult = a.Assemble(new StreamCodeWriter(icedStream), Rip, BlockEncoderOptions.ReturnNewInstructionOffsets);
        var ourStream = new MemoryStream();
        X64AssemblerResult ourResult = b.Assemble(new StreamCodeWriter(ourStream), Rip, BlockEncoderOptions.ReturnNewInstructionOffsets);
        Assert.Equal(Convert.ToHexString(icedStream.ToArray()), Convert.ToHexString(ourStream.ToArray()));
        Assert.Equal(icedResult.Result[0].NewInstructionOffsets, ourResult.Result[0].NewInstructionOffsets);
    }

    [Fact]
    public void RipRelative_MatchesIced()
    {
        static void Body(Action<Instruction> add)
        {
            foreach (ulong target in new[] { Rip - 0x1000, Rip + 0x100, Rip + 0x7000_0000 })
            {
                add(Instruction.Create(Code.Call_rm64, new MemoryOperand(Register.RIP, (long)target)));
                add(Instruction.Create(Code.Mov_r64_rm64, Register.R11, new MemoryOperand(Register.RIP, (long)target)));
                add(Instruction.Create(Code.Mov_r64_rm64, Register.RAX, new MemoryOperand(Register.RIP, (long)target)));
            }
        }

        AssertSameAsIced(a => Body(i => a.AddInstruction(i)), b => Body(b.AddInstruction));
    }

    /// <summary>Branch bodies of n filler bytes: short when the block is small, rel32 past 127 bytes.</summary>
    private static void Branches(Assembler a, int filler)
    {
        Label top = a.CreateLabel();
        Label bottom = a.CreateLabel();
        Label mid = a.CreateLabel();
        a.Label(ref top);
        a.nop();
        a.je(bottom);
        a.jmp(mid);
        for (int i = 0; i < filler; i++)
        {
            a.mov(rax, rcx);
        }

        a.Label(ref mid);
        a.jne(top);
        for (int i = 0; i < filler; i++)
        {
            a.add(rax, 1);
        }

        a.jl(top);
        a.jmp(top);
        a.jg(bottom);
        a.Label(ref bottom);
        a.ret();
    }

    private static void Branches(X64Assembler a, int filler)
    {
        X64Label top = a.CreateLabel();
        X64Label bottom = a.CreateLabel();
        X64Label mid = a.CreateLabel();
        a.Label(ref top);
        a.nop();
        a.je(bottom);
        a.jmp(mid);
        for (int i = 0; i < filler; i++)
        {
            a.mov(rax, rcx);
        }

        a.Label(ref mid);
        a.jne(top);
        for (int i = 0; i < filler; i++)
        {
            a.add(rax, 1);
        }

        a.jl(top);
        a.jmp(top);
        a.jg(bottom);
        a.Label(ref bottom);
        a.ret();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(29)]
    [InlineData(30)]
    [InlineData(31)]
    [InlineData(40)]
    [InlineData(41)]
    [InlineData(42)]
    [InlineData(43)]
    [InlineData(60)]
    [InlineData(200)]
    public void Branches_ShortAndNear_MatchIced(int filler) => AssertSameAsIced(a => Branches(a, filler), b => Branches(b, filler));

    [Fact]
    public void ManyForwardBranches_ShrinkLikeIced()
    {
        // chains of forward jumps whose reach depends on how much the jumps before them shrank
        for (int n = 1; n < 60; n += 3)
        {
            AssertSameAsIced(
                a =>
                {
                    var labels = new Label[n];
                    for (int i = 0; i < n; i++)
                    {
                        labels[i] = a.CreateLabel();
                        a.je(labels[i]);
                        a.jmp(labels[i]);
                    }

                    for (int i = 0; i < n; i++)
                    {
                        a.Label(ref labels[i]);
                        a.mov(rax, 1L);
                    }
                },
                b =>
                {
                    var labels = new X64Label[n];
                    for (int i = 0; i < n; i++)
                    {
                        labels[i] = b.CreateLabel();
                        b.je(labels[i]);
                        b.jmp(labels[i]);
                    }

                    for (int i = 0; i < n; i++)
                    {
                        b.Label(ref labels[i]);
                        b.mov(rax, 1L);
                    }
                });
        }
    }

    [Fact]
    public void PrefixesCallsAndOutsideJumps_MatchIced()
    {
        AssertSameAsIced(
            a =>
            {
                Label f = a.CreateLabel();
                Label top = a.CreateLabel();
                a.Label(ref top);
                a.mov(rax, __qword_ptr.fs[0x10]);
                a.mov(rcx, __qword_ptr.fs[rax + 8]);
                a.@lock.inc(__dword_ptr[rbx + 12]);
                a.@lock.cmpxchg(__qword_ptr[r13], r8);
                a.pushfq();
                a.popfq();
                a.call(f);
                a.jmp(Rip + 0x40);
                a.jmp(Rip + 0x1000);
                a.jmp(Rip - 0x100000);
                a.Label(ref f);
                a.ret();
            },
            b =>
            {
                X64Label f = b.CreateLabel();
                X64Label top = b.CreateLabel();
                b.Label(ref top);
                b.mov(rax, __qword_ptr.fs[0x10]);
                b.mov(rcx, __qword_ptr.fs[rax + 8]);
                b.@lock.inc(__dword_ptr[rbx + 12]);
                b.@lock.cmpxchg(__qword_ptr[r13], r8);
                b.pushfq();
                b.popfq();
                b.call(f);
                b.jmp(Rip + 0x40);
                b.jmp(Rip + 0x1000);
                b.jmp(Rip - 0x100000);
                b.Label(ref f);
                b.ret();
            });
    }

    [Fact]
    public void GetLabelRIP_IsTheBoundInstructionsAddress()
    {
        var b = new X64Assembler(64);
        X64Label l = b.CreateLabel();
        b.mov(rax, 5L);
        b.Label(ref l);
        b.ret();
        X64AssemblerResult r = b.Assemble(new StreamCodeWriter(new MemoryStream()), Rip);
        Assert.Equal(Rip + 10, r.GetLabelRIP(l));
    }

    [Fact]
    public void UnsupportedCode_Throws_NamingIt()
    {
        var b = new X64Assembler(64);
        b.AddInstruction(Instruction.Create(Code.Cpuid));
        NotSupportedException e = Assert.Throws<NotSupportedException>(() => b.Assemble(new StreamCodeWriter(new MemoryStream()), Rip));
        Assert.Contains("Cpuid", e.Message);
    }
}
