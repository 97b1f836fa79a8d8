using Lantern.C.Ir;

namespace Lantern.C.Tests.Jit;

/// <summary>Builds IR functions by hand for backend tests (before and independently of the front end).</summary>
internal sealed class IrBuilder
{
    public IrBuilder(IrModule module, string name, IrParamType ret, IrParamType[] parameters, bool variadic = false)
    {
        Function = new IrFunction { Name = name, Signature = new IrSignature(ret, parameters, variadic) };
        module.Functions.Add(Function);
        Block = Function.NewBlock("entry");
        foreach (IrParamType p in parameters)
        {
            int size = p.Aggregate?.Size ?? p.Type.SizeOf();
            int align = p.Aggregate?.Align ?? p.Type.SizeOf();
            Function.ParamSlots.Add(Function.NewSlot(size, align, null));
        }
    }

    public IrFunction Function { get; }

    public IrBlock Block { get; set; }

    public static IrParamType P(IrType t) => new(t);

    public int Emit(Instr i)
    {
        Block.Instrs.Add(i);
        return i.Dest;
    }

    public int V(IrType t) => Function.NewVReg(t);

    /// <summary>Loads parameter number k (scalar) into a fresh vreg.</summary>
    public int Param(int k)
    {
        IrType t = Function.Signature.Parameters[k].Type;
        int addr = SlotAddr(Function.ParamSlots[k]);
        return Emit(new Instr { Op = Opcode.Load, Type = t, Dest = V(t), A = addr });
    }

    public int SlotAddr(int slot) => Emit(new Instr { Op = Opcode.SlotAddr, Type = IrType.I64, Dest = V(IrType.I64), Imm = slot });

    public int Const(IrType t, long bits) => Emit(new Instr { Op = Opcode.Const, Type = t, Dest = V(t), Imm = bits });

    public int ConstF(IrType t, double d) => Const(t, BitConverter.DoubleToInt64Bits(d));

    public int Op(Opcode op, IrType t, int a, int b = -1)
    {
        IrType rt = op is >= Opcode.Eq and <= Opcode.FGe ? IrType.I32 : t;
        return Emit(new Instr { Op = op, Type = t, Dest = V(rt), A = a, B = b });
    }

    public int Load(IrType t, int addr) => Emit(new Instr { Op = Opcode.Load, Type = t, Dest = V(t), A = addr });

    public void Store(IrType t, int addr, int value) => Emit(new Instr { Op = Opcode.Store, Type = t, A = addr, B = value });

    public void Ret(int v = -1) => Emit(new Instr { Op = Opcode.Ret, A = v });

    public int Call(string symbol, IrSignature sig, int[] args, IrParamType[] argTypes, int aggregateDest = -1)
    {
        int dest = sig.Return.IsAggregate || sig.Return.Type == IrType.Void ? -1 : V(sig.Return.Type);
        Emit(new Instr
        {
            Op = Opcode.Call,
            Type = sig.Return.Type,
            Dest = dest,
            Symbol = symbol,
            Args = args,
            ArgTypes = argTypes,
            Signature = sig,
            B = aggregateDest,
        });
        return dest;
    }
}
