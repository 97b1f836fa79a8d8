using Iced.Intel;
using Lantern.C.Describe;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.C.Tests.Ir;
using Xunit;
using static Lantern.C.Tests.Ir.IrBuilder;

namespace Lantern.C.Tests.Jit;

/// <summary>
/// The form of calls and returns: a direct call is <c>call [rip+disp32]</c> through the callee's cell (the linker
/// places the cells within ±2 GiB of the code), still replaceable through the cell; a return from the last block
/// falls through into the epilogue; a loop's back edge copies the loop test (one branch per iteration), except in
/// debug code.
/// </summary>
public sealed unsafe class X64BackendCallShapeTests
{
    /// <summary>g(a) = a * 3; h(a) = a + 1000; f(a) = g(a) + 1.</summary>
    private static IrModule CallerAndCallees()
    {
        var m = new IrModule();
        var g = new IrBuilder(m, "g", P(IrType.I64), new[] { P(IrType.I64) });
        g.Ret(g.Op(Opcode.Mul, IrType.I64, g.Param(0), g.Const(IrType.I64, 3)));
        var h = new IrBuilder(m, "h", P(IrType.I64), new[] { P(IrType.I64) });
        h.Ret(h.Op(Opcode.Add, IrType.I64, h.Param(0), h.Const(IrType.I64, 1000)));
        var f = new IrBuilder(m, "f", P(IrType.I64), new[] { P(IrType.I64) });
        int call = f.Call("g", g.Function.Signature, new[] { f.Param(0) }, new[] { P(IrType.I64) });
        f.Ret(f.Op(Opcode.Add, IrType.I64, call, f.Const(IrType.I64, 1)));
        return m;
    }

    [Fact]
    public void DirectCall_IsRipRelativeThroughTheCell()
    {
        using var jit = new JitModule(CallerAndCallees());
        List<Instruction> code = TestTools.Decode(jit.Functions["f"]);

        Instruction call = Assert.Single(code, ins => ins.Mnemonic == Mnemonic.Call);
        Assert.True(call.IsIPRelativeMemoryOperand, call.ToString());
        Assert.Equal((ulong)jit.GetFunctionCell("g"), call.IPRelativeMemoryAddress);
        Assert.DoesNotContain(code, ins => ins.Code == Code.Mov_r64_imm64);
    }

    [Fact]
    public void DirectCall_StillFollowsTheCell()
    {
        using var jit = new JitModule(CallerAndCallees());
        var f = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f");
        Assert.Equal(22, f(7));

        *(nint*)jit.GetFunctionCell("g") = jit.GetFunctionAddress("h");

        Assert.Equal(1008, f(7));
    }

    [Fact]
    public void DirectCall_InDebugCode_IsRipRelativeToo()
    {
        using var jit = new JitModule(CallerAndCallees(), debug: true);
        var f = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f");
        Assert.Equal(22, f(7));
        Instruction call = Assert.Single(TestTools.Decode(jit.Functions["f"]), ins => ins.Mnemonic == Mnemonic.Call);
        Assert.Equal((ulong)jit.GetFunctionCell("g"), call.IPRelativeMemoryAddress);
    }

    [Fact]
    public void ReturnFromTheLastBlock_FallsThroughToTheEpilogue()
    {
        using var jit = new JitModule(CallerAndCallees());
        List<Instruction> code = TestTools.Decode(jit.Functions["g"]);

        Assert.DoesNotContain(code, ins => ins.Mnemonic == Mnemonic.Jmp);
        Assert.Equal(21, ((delegate* unmanaged<long, long>)jit.GetFunctionAddress("g"))(7));
    }

    /// <summary>
    /// f(n): acc = 0; i = 0; while (i &lt; n) { acc += i ^ 5; i = i + 1; } return acc; with a statement marker in the
    /// loop test.
    /// </summary>
    private static IrModule Loop()
    {
        var file = new Lantern.C.Diagnostics.SourceFile("l.c", "int f(long n) {\n while (i < n)\n acc += i ^ 5; }\n", 0);
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I64), new[] { P(IrType.I64) });
        int acc = b.Function.NewSlot(8, 8, "acc");
        int i = b.Function.NewSlot(8, 8, "i");
        b.Store(IrType.I64, b.SlotAddr(acc), b.Const(IrType.I64, 0));
        b.Store(IrType.I64, b.SlotAddr(i), b.Const(IrType.I64, 0));
        IrBlock cond = b.Function.NewBlock(), body = b.Function.NewBlock(), done = b.Function.NewBlock();
        b.Emit(new Instr { Op = Opcode.Jump, Target = cond.Id });
        b.Block = cond;
        b.Emit(new Instr { Op = Opcode.Stmt, Location = new Lantern.C.Diagnostics.SourceLocation(file, 2, 2) });
        int lt = b.Op(Opcode.SLt, IrType.I64, b.Load(IrType.I64, b.SlotAddr(i)), b.Param(0));
        b.Emit(new Instr { Op = Opcode.Branch, A = lt, Target = body.Id, Target2 = done.Id });
        b.Block = body;
        b.Emit(new Instr { Op = Opcode.Stmt, Location = new Lantern.C.Diagnostics.SourceLocation(file, 3, 2) });
        int iv = b.Load(IrType.I64, b.SlotAddr(i));
        int next = b.Op(Opcode.Add, IrType.I64, b.Load(IrType.I64, b.SlotAddr(acc)), b.Op(Opcode.Xor, IrType.I64, iv, b.Const(IrType.I64, 5)));
        b.Store(IrType.I64, b.SlotAddr(acc), next);
        b.Store(IrType.I64, b.SlotAddr(i), b.Op(Opcode.Add, IrType.I64, iv, b.Const(IrType.I64, 1)));
        b.Emit(new Instr { Op = Opcode.Jump, Target = cond.Id });
        b.Block = done;
        b.Ret(b.Load(IrType.I64, b.SlotAddr(acc)));
        return m;
    }

    private static long LoopExpected(long n)
    {
        long e = 0;
        for (long k = 0; k < n; k++)
        {
            e += k ^ 5;
        }

        return e;
    }

    [Fact]
    public void LoopBackEdge_CopiesTheTest_OneBranchPerIteration()
    {
        using var jit = new JitModule(Loop());
        var fn = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f");
        foreach (long n in new long[] { -3, 0, 1, 2, 10, 1000 })
        {
            Assert.Equal(LoopExpected(n), fn(n));
        }

        FunctionLayout info = jit.Functions["f"];
        List<Instruction> code = TestTools.Decode(info);
        Assert.DoesNotContain(code, ins => ins.Mnemonic == Mnemonic.Jmp);
        Instruction back = Assert.Single(code, ins => ins.Mnemonic == Mnemonic.Jl);
        Assert.True(back.NearBranchTarget < back.IP, "the copied test branches back into the body");
        // the test's line has a row at the test and one at its copy
        Assert.Equal(2, info.Lines.Count(l => l.Location.Line == 2));
    }

    [Fact]
    public void LoopBackEdge_InDebugCode_JumpsToTheOneTest()
    {
        using var jit = new JitModule(Loop(), debug: true);
        var fn = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f");
        Assert.Equal(LoopExpected(100), fn(100));

        FunctionLayout info = jit.Functions["f"];
        Assert.Single(info.Lines, l => l.Location.Line == 2);
        Assert.Single(TestTools.Decode(info), ins => ins.Mnemonic == Mnemonic.Jmp);
    }
}
