using System.Text;
using Lantern.C.Ir;

namespace Lantern.C.Tests.Ir;

/// <summary>
/// Builds IR functions by hand, before and independently of the front end: for the interpreter, the backend and the
/// IR's own tests. Instructions go to the end of <see cref="Block"/>; each value-producing method returns the fresh
/// destination vreg.
/// </summary>
internal sealed class IrBuilder
{
    private readonly IrModule _module;

    public IrBuilder(IrModule module, string name, IrParamType ret, IrParamType[] parameters, bool variadic = false)
    {
        _module = module;
        Function = new IrFunction { Name = name, Signature = new IrSignature(ret, parameters, variadic) };
        module.Functions.Add(Function);
        Block = Function.NewBlock("entry");
        foreach (IrParamType p in parameters)
        {
            int size = p.Aggregate?.Size ?? p.Type.SizeOf();
            int align = p.Aggregate?.Align ?? p.Type.SizeOf();
            Function.ParamSlots.Add(Function.NewSlot(size, align, null));
        }

        if (ret.Aggregate is { })
        {
            Function.ReturnPointerVReg = Function.NewVReg(IrType.I64);
        }
    }

    public IrFunction Function { get; }

    /// <summary>The block instructions are appended to.</summary>
    public IrBlock Block { get; set; }

    public static IrParamType P(IrType t) => new(t);

    public static IrParamType Agg(int size, int align, ArgClass lo, ArgClass hi) => new(IrType.I64, new AggregateInfo(size, align, lo, hi));

    /// <summary>Appends an instruction; returns its destination vreg (-1 if none).</summary>
    public int Emit(Instr i)
    {
        Block.Instrs.Add(i);
        return i.Dest;
    }

    public int V(IrType t) => Function.NewVReg(t);

    public int SlotAddr(int slot) => Emit(new Instr { Op = Opcode.SlotAddr, Type = IrType.I64, Dest = V(IrType.I64), Imm = slot });

    public int ParamAddr(int k) => SlotAddr(Function.ParamSlots[k]);

    /// <summary>Parameter number k: a scalar loaded into a fresh vreg, or the address of an aggregate's copy.</summary>
    public int Param(int k)
    {
        IrParamType p = Function.Signature.Parameters[k];
        return p.IsAggregate ? ParamAddr(k) : Load(p.Type, ParamAddr(k));
    }

    /// <summary>The address of a fresh stack slot.</summary>
    public int Local(int size, int align = 8) => SlotAddr(Function.NewSlot(size, align, null));

    public int Const(IrType t, long bits) => Emit(new Instr { Op = Opcode.Const, Type = t, Dest = V(t), Imm = bits });

    public int ConstF(IrType t, double d) => Const(t, BitConverter.DoubleToInt64Bits(d));

    public int I32(long v) => Const(IrType.I32, v);

    public int I64(long v) => Const(IrType.I64, v);

    public int F64(double v) => ConstF(IrType.F64, v);

    public int F32(float v) => ConstF(IrType.F32, v);

    /// <summary>An arithmetic, comparison (result i32, <paramref name="t"/> the operand type) or conversion (to <paramref name="t"/>) instruction.</summary>
    public int Op(Opcode op, IrType t, int a, int b = -1)
    {
        IrType rt = op is >= Opcode.Eq and <= Opcode.FGe ? IrType.I32 : t;
        return Emit(new Instr { Op = op, Type = t, Dest = V(rt), A = a, B = b });
    }

    public int Load(IrType t, int addr) => Emit(new Instr { Op = Opcode.Load, Type = t, Dest = V(t), A = addr });

    public void Store(IrType t, int addr, int value) => Emit(new Instr { Op = Opcode.Store, Type = t, A = addr, B = value });

    public int Sym(string name, long offset = 0) => Emit(new Instr { Op = Opcode.SymAddr, Type = IrType.I64, Dest = V(IrType.I64), Symbol = name, Imm = offset });

    /// <summary>A string literal in a fresh global; returns its address vreg.</summary>
    public int Str(string s)
    {
        string name = ".str" + _module.Globals.Count;
        byte[] bytes = Encoding.UTF8.GetBytes(s + "\0");
        _module.Globals.Add(new IrGlobal { Name = name, Size = bytes.Length, Align = 1, Init = bytes, IsReadOnly = true });
        return Sym(name);
    }

    /// <summary>A direct call of a function whose signature is known.</summary>
    public int Call(string symbol, IrSignature sig, int[] args, IrParamType[] argTypes, int aggregateDest = -1)
    {
        int dest = sig.Return.IsAggregate || sig.Return.Type == IrType.Void ? -1 : V(sig.Return.Type);
        return Emit(new Instr
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
    }

    /// <summary>
    /// A call whose signature is made from the argument types: variadic after the first <paramref name="fixedCount"/>
    /// when that is given, through the function pointer <paramref name="fnPtr"/> when <paramref name="symbol"/> is null,
    /// an aggregate result written to <paramref name="retAddr"/>.
    /// </summary>
    public int Call(string? symbol, IrParamType ret, IrParamType[] argTypes, int[] args, int fixedCount = -1, int fnPtr = -1, int retAddr = -1)
    {
        bool variadic = fixedCount >= 0;
        IrParamType[] named = variadic ? argTypes[..fixedCount] : argTypes;
        int d = ret.Type == IrType.Void || ret.IsAggregate ? -1 : V(ret.Type);
        return Emit(new Instr
        {
            Op = Opcode.Call,
            Type = ret.IsAggregate ? IrType.Void : ret.Type,
            Dest = d,
            A = fnPtr,
            B = retAddr,
            Symbol = symbol,
            Args = args,
            ArgTypes = argTypes,
            Signature = new IrSignature(ret, named, variadic),
        });
    }

    /// <summary>printf-style variadic call with one named pointer argument.</summary>
    public int CallV(string symbol, IrType ret, int[] args, IrType[] types, int named = 1) =>
        Call(symbol, P(ret), types.Select(P).ToArray(), args, named);

    public void Ret(int v = -1) => Emit(new Instr { Op = Opcode.Ret, A = v });

    public void Jump(IrBlock b) => Emit(new Instr { Op = Opcode.Jump, Target = b.Id });

    public void Branch(int c, IrBlock t, IrBlock f) => Emit(new Instr { Op = Opcode.Branch, A = c, Target = t.Id, Target2 = f.Id });

    public void Switch(IrType t, int v, IrBlock def, params (long, IrBlock)[] cases) =>
        Emit(new Instr { Op = Opcode.Switch, Type = t, A = v, Target = def.Id, Cases = cases.Select(c => (c.Item1, c.Item2.Id)).ToArray() });
}
