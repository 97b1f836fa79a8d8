using Lantern.C.Ir;

namespace Lantern.C.Abi;

/// <summary>
/// The System V x86-64 call planner (psABI 3.2.3), used by the interpreter's native call bridge, the JIT backend and
/// the debugger's calls from the prompt. Aggregates come classified (<see cref="AggregateInfo"/>, from
/// <see cref="EightbyteMerge"/>).
/// </summary>
/// <remarks>
/// Arguments left to right: an integer or pointer takes the next of rdi, rsi, rdx, rcx, r8, r9, a float or double the
/// next of xmm0..xmm7, else an 8-byte stack slot. A struct or union not of class MEMORY takes one register per
/// eightbyte (INTEGER: GP, SSE: SSE) if all of them are free, else it is copied to the stack as a whole (no register
/// is used and later arguments can still take registers); on the stack it is rounded up to 8 bytes and aligned to
/// 16 if its alignment is larger than 8. A MEMORY-class return is written through a hidden pointer passed in rdi
/// (the first GP register). For a variadic callee al holds the number of SSE registers used.
/// </remarks>
public static class SysVAbi
{
    /// <summary>The number of general-purpose argument registers (rdi, rsi, rdx, rcx, r8, r9).</summary>
    public const int GpArgRegisters = 6;

    /// <summary>The number of SSE argument registers (xmm0..xmm7).</summary>
    public const int SseArgRegisters = 8;

    /// <summary>True if a value of type <paramref name="ret"/> is returned through a hidden pointer (an aggregate of class MEMORY).</summary>
    public static bool ReturnsInMemory(IrParamType ret) => ret.Aggregate is { IsMemory: true };

    /// <summary>True if a value of type <paramref name="ret"/> is an aggregate returned in rax/rdx and xmm0/xmm1, one register per eightbyte.</summary>
    public static bool ReturnsAggregateInRegisters(IrParamType ret) => ret.Aggregate is { IsMemory: false, Size: > 0 };

    /// <summary>Plans a call returning <paramref name="ret"/> with arguments <paramref name="args"/> (named and variadic).</summary>
    public static CallPlan PlanCall(IrParamType ret, IReadOnlyList<IrParamType> args)
    {
        int gp = 0;
        int sse = 0;
        int stack = 0;
        bool hidden = ReturnsInMemory(ret);
        if (hidden)
        {
            gp = 1;
        }

        var locs = new ArgLoc[args.Count];
        for (int i = 0; i < args.Count; i++)
        {
            IrParamType p = args[i];
            ref ArgLoc loc = ref locs[i];
            loc.Type = p.Type;
            if (p.Aggregate is { } agg)
            {
                loc.Size = agg.Size;
                loc.Lo = agg.Lo;
                loc.Hi = agg.Hi;
                if (!agg.IsMemory && agg.Size > 0)
                {
                    int needGp = 0;
                    int needSse = 0;
                    Count(agg.Lo, ref needGp, ref needSse);
                    if (agg.EightBytes == 2)
                    {
                        Count(agg.Hi, ref needGp, ref needSse);
                    }

                    if (gp + needGp <= GpArgRegisters && sse + needSse <= SseArgRegisters)
                    {
                        loc.Kind = ArgLocKind.AggRegs;
                        loc.Reg = agg.Lo == ArgClass.Sse ? sse++ : gp++;
                        if (agg.EightBytes == 2)
                        {
                            loc.Reg2 = agg.Hi == ArgClass.Sse ? sse++ : gp++;
                        }

                        continue;
                    }
                }

                if (agg.Align > 8)
                {
                    stack = (stack + 15) & ~15;
                }

                loc.Kind = ArgLocKind.AggStack;
                loc.StackOffset = stack;
                stack += (agg.Size + 7) & ~7;
                continue;
            }

            loc.Size = p.Type.SizeOf();
            if (p.Type.IsFloat())
            {
                if (sse < SseArgRegisters)
                {
                    loc.Kind = ArgLocKind.Sse;
                    loc.Reg = sse++;
                    continue;
                }
            }
            else if (gp < GpArgRegisters)
            {
                loc.Kind = ArgLocKind.Gp;
                loc.Reg = gp++;
                continue;
            }

            loc.Kind = ArgLocKind.Stack;
            loc.StackOffset = stack;
            stack += 8;
        }

        return new CallPlan { Args = locs, GpUsed = gp, SseUsed = sse, StackBytes = stack, HiddenReturn = hidden, Return = ret };
    }

    private static void Count(ArgClass c, ref int gp, ref int sse)
    {
        if (c == ArgClass.Sse)
        {
            sse++;
        }
        else
        {
            gp++;
        }
    }
}
