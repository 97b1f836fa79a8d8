using Lantern.C.Abi;
using Lantern.C.Ir;
using Xunit;
using static Lantern.C.Tests.Ir.IrBuilder;

namespace Lantern.C.Tests.Abi;

/// <summary>
/// The System V call planner (psABI 3.2.3 "Parameter Passing"): argument registers, their exhaustion, aggregates in
/// registers or on the stack, the hidden return pointer, the stack area, and the SSE count a variadic callee gets in al.
/// </summary>
public class SysVAbiTests
{
    private static readonly IrParamType Int = new(IrType.I32);
    private static readonly IrParamType Long = new(IrType.I64);
    private static readonly IrParamType Float = new(IrType.F32);
    private static readonly IrParamType Double = new(IrType.F64);
    private static readonly IrParamType Void = new(IrType.Void);

    // struct { long a; double b; }, struct { long a, b; }, struct { double a, b; }, struct { float a, b; }
    private static readonly IrParamType IntSse = Agg(16, 8, ArgClass.Integer, ArgClass.Sse);
    private static readonly IrParamType IntInt = Agg(16, 8, ArgClass.Integer, ArgClass.Integer);
    private static readonly IrParamType SseSse = Agg(16, 8, ArgClass.Sse, ArgClass.Sse);
    private static readonly IrParamType Sse8 = Agg(8, 4, ArgClass.Sse, ArgClass.Integer);

    // struct { long a, b, c; } (MEMORY), struct { char c[3]; } (one INTEGER eightbyte), struct { long double x; }
    private static readonly IrParamType Big = Agg(24, 8, ArgClass.Memory, ArgClass.Memory);
    private static readonly IrParamType Small = Agg(3, 1, ArgClass.Integer, ArgClass.Integer);
    private static readonly IrParamType LongDouble = Agg(16, 16, ArgClass.Memory, ArgClass.Memory);

    private static string Where(ArgLoc loc) => loc.Kind switch
    {
        ArgLocKind.Gp => $"gp{loc.Reg}",
        ArgLocKind.Sse => $"xmm{loc.Reg}",
        ArgLocKind.Stack => $"stack{loc.StackOffset}",
        ArgLocKind.AggRegs when loc.Size > 8 => $"{Reg(loc.Lo, loc.Reg)}+{Reg(loc.Hi, loc.Reg2)}",
        ArgLocKind.AggRegs => Reg(loc.Lo, loc.Reg),
        _ => $"aggstack{loc.StackOffset}",
    };

    private static string Reg(ArgClass c, int index) => c == ArgClass.Sse ? $"xmm{index}" : $"gp{index}";

    public static TheoryData<string, IrParamType, IrParamType[], string, int, int, int> Plans => new()
    {
        // integers in rdi, rsi, rdx, rcx, r8, r9, then 8-byte stack slots
        { "six ints", Void, [Int, Int, Int, Int, Int, Int], "gp0 gp1 gp2 gp3 gp4 gp5", 6, 0, 0 },
        { "eight ints", Void, [Int, Long, Int, Long, Int, Long, Int, Long], "gp0 gp1 gp2 gp3 gp4 gp5 stack0 stack8", 6, 0, 16 },
        // floats in xmm0..xmm7, then the stack; the two register files are counted apart
        { "nine doubles", Double, [Double, Double, Double, Double, Double, Double, Double, Double, Float], "xmm0 xmm1 xmm2 xmm3 xmm4 xmm5 xmm6 xmm7 stack0", 0, 8, 8 },
        { "interleaved", Int, [Int, Double, Long, Float], "gp0 xmm0 gp1 xmm1", 2, 2, 0 },
        { "exhausted both", Void, [Long, Long, Long, Long, Long, Long, Double, Double, Double, Double, Double, Double, Double, Double, Long, Double],
            "gp0 gp1 gp2 gp3 gp4 gp5 xmm0 xmm1 xmm2 xmm3 xmm4 xmm5 xmm6 xmm7 stack0 stack8", 6, 8, 16 },
        // aggregates: one register per eightbyte by its class
        { "int+sse pair", Void, [IntSse, Int, Double], "gp0+xmm0 gp1 xmm1", 2, 2, 0 },
        { "two sse", Void, [SseSse], "xmm0+xmm1", 0, 2, 0 },
        { "two floats", Void, [Sse8, Float], "xmm0 xmm1", 0, 2, 0 },
        { "small int", Void, [Small, Small], "gp0 gp1", 2, 0, 0 },
        // not enough registers for every eightbyte: the whole aggregate goes to the stack, later arguments still
        // take registers
        { "pair after five", Void, [Long, Long, Long, Long, Long, IntInt, Long], "gp0 gp1 gp2 gp3 gp4 aggstack0 gp5", 6, 0, 16 },
        { "sse pair after seven", Void, [Double, Double, Double, Double, Double, Double, Double, SseSse, Double], "xmm0 xmm1 xmm2 xmm3 xmm4 xmm5 xmm6 aggstack0 xmm7", 0, 8, 16 },
        // al for a variadic callee is SseUsed: aggregate SSE eightbytes count
        { "al count", Int, [Long, SseSse, Sse8, Double], "gp0 xmm0+xmm1 xmm2 xmm3", 1, 4, 0 },
        // MEMORY aggregates are copied to the stack (rounded up to 8 bytes; aligned to 16 when their alignment is)
        { "big", Void, [Big, Int], "aggstack0 gp0", 1, 0, 24 },
        { "big after stack", Void, [Long, Long, Long, Long, Long, Long, Long, Big, Small], "gp0 gp1 gp2 gp3 gp4 gp5 stack0 aggstack8 aggstack32", 6, 0, 40 },
        { "aligned 16", Void, [Long, Long, Long, Long, Long, Long, Long, LongDouble], "gp0 gp1 gp2 gp3 gp4 gp5 stack0 aggstack16", 6, 0, 32 },
        // a MEMORY return: the caller's buffer address is the hidden first argument, in rdi
        { "hidden return", Big, [Long, Long, Long, Long, Long, Long], "gp1 gp2 gp3 gp4 gp5 stack0", 6, 0, 8 },
        { "register return", IntSse, [Long], "gp0", 1, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Plans))]
    public void PlansLikeThePsAbi(string name, IrParamType ret, IrParamType[] args, string where, int gp, int sse, int stack)
    {
        CallPlan plan = SysVAbi.PlanCall(ret, args);
        Assert.True(where == string.Join(' ', plan.Args.Select(Where)), $"{name}: {string.Join(' ', plan.Args.Select(Where))}");
        Assert.Equal((gp, sse, stack), (plan.GpUsed, plan.SseUsed, plan.StackBytes));
        Assert.Equal(ret.Aggregate is { IsMemory: true }, plan.HiddenReturn);
    }
}
