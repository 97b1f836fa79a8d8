using Iced.Intel;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Xunit;
using static Lantern.C.Tests.Jit.IrBuilder;

namespace Lantern.C.Tests.Jit;

/// <summary>
/// The form of calls and returns: a direct call is <c>call [rip+disp32]</c> through the callee's cell (the linker
/// places the cells within ±2 GiB of the code), still replaceable through the cell; a return from the last block
/// falls through into the epilogue.
/// </summary>
public sealed unsafe class X64BackendCallShapeTests
{
    private static List<Instruction> Decode(JitFunctionInfo info)
    {
        var bytes = new byte[info.Size];
        System.Runtime.InteropServices.Marshal.Copy(info.Start, bytes, 0, info.Size);
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes), (ulong)info.Start);
        var list = new List<Instruction>();
        while (decoder.IP < (ulong)info.Start + (ulong)info.Size)
        {
            list.Add(decoder.Decode());
        }

        return list;
    }

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
        List<Instruction> code = Decode(jit.Functions["f"]);

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
        Instruction call = Assert.Single(Decode(jit.Functions["f"]), ins => ins.Mnemonic == Mnemonic.Call);
        Assert.Equal((ulong)jit.GetFunctionCell("g"), call.IPRelativeMemoryAddress);
    }

    [Fact]
    public void ReturnFromTheLastBlock_FallsThroughToTheEpilogue()
    {
        using var jit = new JitModule(CallerAndCallees());
        List<Instruction> code = Decode(jit.Functions["g"]);

        Assert.DoesNotContain(code, ins => ins.Mnemonic == Mnemonic.Jmp);
        Assert.Equal(21, ((delegate* unmanaged<long, long>)jit.GetFunctionAddress("g"))(7));
    }
}
