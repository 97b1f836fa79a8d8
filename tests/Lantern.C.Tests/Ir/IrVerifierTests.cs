using Lantern.C.Ir;
using Xunit;
using static Lantern.C.Tests.Ir.IrBuilder;

namespace Lantern.C.Tests.Ir;

/// <summary>The verifier accepts well-formed IR and names what is wrong in broken IR, one message per problem.</summary>
public class IrVerifierTests
{
    /// <summary><c>long f(long a) { return a + 1; }</c>, well formed.</summary>
    private static (IrModule Module, IrBuilder Builder) AddOne()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I64), new[] { P(IrType.I64) });
        b.Ret(b.Op(Opcode.Add, IrType.I64, b.Param(0), b.I64(1)));
        return (m, b);
    }

    [Fact]
    public void AcceptsAWellFormedFunction()
    {
        Assert.Empty(IrVerifier.Verify(AddOne().Module));
    }

    [Fact]
    public void RejectsABlockWithoutTerminator()
    {
        (IrModule m, IrBuilder b) = AddOne();
        b.Block = b.Function.NewBlock("dangling");
        b.I64(2);
        string problem = Assert.Single(IrVerifier.Verify(m));
        Assert.Equal("@f .b1: does not end in a terminator", problem);
    }

    [Fact]
    public void RejectsATerminatorInTheMiddleOfABlock()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.Void), Array.Empty<IrParamType>());
        b.Ret();
        b.Ret();
        Assert.Equal("@f .b0[0] 'ret': terminator in the middle of a block", Assert.Single(IrVerifier.Verify(m)));
    }

    [Fact]
    public void RejectsABranchToAnUndefinedBlock()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.Void), Array.Empty<IrParamType>());
        b.Emit(new Instr { Op = Opcode.Jump, Target = 7 });
        string problem = Assert.Single(IrVerifier.Verify(m));
        Assert.EndsWith(": branch to a block that does not exist", problem);
        Assert.StartsWith("@f .b0[0]", problem);
    }

    [Fact]
    public void RejectsOperandsOfTheWrongType()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I64), Array.Empty<IrParamType>());
        b.Ret(b.Op(Opcode.Add, IrType.I64, b.I64(1), b.I32(2)));
        string problem = Assert.Single(IrVerifier.Verify(m));
        Assert.EndsWith(": integer operation needs two i64 operands", problem);
    }

    [Fact]
    public void RejectsAResultVRegOfTheWrongType()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I32), Array.Empty<IrParamType>());
        int d = b.V(IrType.I32);
        b.Emit(new Instr { Op = Opcode.Const, Type = IrType.I64, Dest = d, Imm = 1 });
        b.Ret(d);
        string problem = Assert.Single(IrVerifier.Verify(m));
        Assert.EndsWith(": result vreg has type i32, instruction produces i64", problem);
    }

    [Fact]
    public void RejectsAVRegThatIsNeverAssigned()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I64), Array.Empty<IrParamType>());
        int unassigned = b.V(IrType.I64);
        b.Ret(unassigned);
        string problem = Assert.Single(IrVerifier.Verify(m));
        Assert.StartsWith("@f .b0[0] 'ret ", problem);
        Assert.EndsWith(": vreg %0 is used but never assigned", problem);
    }

    [Fact]
    public void RejectsAVRegThatWasNeverCreated()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I64), Array.Empty<IrParamType>());
        b.Ret(5);
        Assert.Contains(IrVerifier.Verify(m), p => p.EndsWith(": vreg %5 was never created"));
    }
}
