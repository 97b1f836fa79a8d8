using Lantern.C.Ir;

namespace Lantern.C.Runtime;

/// <summary>Where one argument travels in a System V x86-64 call.</summary>
public enum ArgLocKind : byte
{
    /// <summary>A general-purpose register (<see cref="ArgLoc.Reg"/> = 0..5: rdi, rsi, rdx, rcx, r8, r9).</summary>
    Gp,

    /// <summary>An SSE register (<see cref="ArgLoc.Reg"/> = 0..7).</summary>
    Sse,

    /// <summary>An 8-byte stack slot at <see cref="ArgLoc.StackOffset"/>.</summary>
    Stack,

    /// <summary>An aggregate in one or two registers (classes Lo/Hi, registers Reg/Reg2).</summary>
    AggRegs,

    /// <summary>An aggregate copied into the stack argument area at <see cref="ArgLoc.StackOffset"/>.</summary>
    AggStack,
}

/// <summary>The location of one argument.</summary>
public struct ArgLoc
{
    public ArgLocKind Kind;
    public IrType Type;
    public ArgClass Lo;
    public ArgClass Hi;
    public int Reg;
    public int Reg2;
    public int StackOffset;
    public int Size;
}

/// <summary>The System V classification of a whole call: every argument's location and the register counts.</summary>
public sealed class CallPlan
{
    public required ArgLoc[] Args { get; init; }

    /// <summary>General-purpose registers used (including the hidden return pointer).</summary>
    public int GpUsed { get; init; }

    /// <summary>SSE registers used (the value of al for a variadic callee).</summary>
    public int SseUsed { get; init; }

    /// <summary>Size of the stack argument area in bytes (multiple of 8).</summary>
    public int StackBytes { get; init; }

    /// <summary>The return value is an aggregate returned through a hidden pointer passed in rdi.</summary>
    public bool HiddenReturn { get; init; }

    public IrParamType Return { get; init; }
}

/// <summary>System V x86-64 argument classification, shared by the interpreter's call bridge and later tiers.</summary>
public static class SysVAbi
{
    /// <summary>Classifies a call returning <paramref name="ret"/> with arguments <paramref name="args"/> (named and variadic).</summary>
    public static CallPlan Classify(IrParamType ret, IReadOnlyList<IrParamType> args)
    {
        int gp = 0;
        int sse = 0;
        int stack = 0;
        bool hidden = ret.Aggregate is { } ra && (ra.IsMemory || ra.Size > 16);
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
                if (!agg.IsMemory && agg.Size <= 16 && agg.Size > 0)
                {
                    int needGp = 0;
                    int needSse = 0;
                    Count(agg.Lo, ref needGp, ref needSse);
                    if (agg.Size > 8)
                    {
                        Count(agg.Hi, ref needGp, ref needSse);
                    }

                    if (gp + needGp <= 6 && sse + needSse <= 8)
                    {
                        loc.Kind = ArgLocKind.AggRegs;
                        loc.Reg = agg.Lo == ArgClass.Sse ? sse++ : gp++;
                        if (agg.Size > 8)
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
                if (sse < 8)
                {
                    loc.Kind = ArgLocKind.Sse;
                    loc.Reg = sse++;
                    continue;
                }
            }
            else if (gp < 6)
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
