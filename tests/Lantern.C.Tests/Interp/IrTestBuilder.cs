using System.Text;
using Lantern.C.Ir;
using Xunit;

namespace Lantern.C.Tests.Interp;

/// <summary>Builds IR functions by hand for interpreter tests.</summary>
internal sealed class FnBuilder
{
    private readonly IrModule _module;
    private IrBlock _cur;

    public FnBuilder(IrModule module, string name, IrParamType ret, IrParamType[] parameters, bool variadic = false)
    {
        _module = module;
        Fn = new IrFunction { Name = name, Signature = new IrSignature(ret, parameters, variadic) };
        module.Functions.Add(Fn);
        _cur = Fn.NewBlock("entry");
        foreach (IrParamType p in parameters)
        {
            int size = p.Aggregate?.Size ?? p.Type.SizeOf();
            int align = p.Aggregate?.Align ?? p.Type.SizeOf();
            Fn.ParamSlots.Add(Fn.NewSlot(size, align, null));
        }

        if (ret.Aggregate is { })
        {
            Fn.ReturnPointerVReg = Fn.NewVReg(IrType.I64);
        }
    }

    public IrFunction Fn { get; }

    public static IrParamType T(IrType t) => new(t);

    public static IrParamType Agg(int size, int align, ArgClass lo, ArgClass hi) => new(IrType.I64, new AggregateInfo(size, align, lo, hi));

    public IrBlock Block(string? name = null) => Fn.NewBlock(name);

    public void At(IrBlock b) => _cur = b;

    public Instr Emit(Instr i)
    {
        _cur.Instrs.Add(i);
        return i;
    }

    private int Dest(Opcode op, IrType t, int a = -1, int b = -1, long imm = 0, IrType? destType = null)
    {
        int d = Fn.NewVReg(destType ?? t);
        Emit(new Instr { Op = op, Type = t, Dest = d, A = a, B = b, Imm = imm });
        return d;
    }

    public int SlotAddr(int slot) => Dest(Opcode.SlotAddr, IrType.I64, imm: slot);

    public int ParamAddr(int i) => SlotAddr(Fn.ParamSlots[i]);

    public int Param(int i)
    {
        IrParamType p = Fn.Signature.Parameters[i];
        return p.IsAggregate ? ParamAddr(i) : Load(p.Type, ParamAddr(i));
    }

    public int Local(int size, int align = 8) => SlotAddr(Fn.NewSlot(size, align, null));

    public int I(IrType t, long v) => Dest(Opcode.Const, t, imm: v);

    public int I32(long v) => I(IrType.I32, v);

    public int I64(long v) => I(IrType.I64, v);

    public int F64(double v) => Dest(Opcode.Const, IrType.F64, imm: BitConverter.DoubleToInt64Bits(v));

    public int F32(float v) => Dest(Opcode.Const, IrType.F32, imm: BitConverter.DoubleToInt64Bits(v));

    public int Op(Opcode op, IrType t, int a, int b = -1) => Dest(op, t, a, b);

    public int Cmp(Opcode op, IrType t, int a, int b) => Dest(op, t, a, b, destType: IrType.I32);

    public int Conv(Opcode op, IrType to, int a) => Dest(op, to, a);

    public int Load(IrType t, int addr) => Dest(Opcode.Load, t, addr);

    public void Store(IrType t, int addr, int v) => Emit(new Instr { Op = Opcode.Store, Type = t, A = addr, B = v });

    public int Sym(string name, long offset = 0)
    {
        int d = Fn.NewVReg(IrType.I64);
        Emit(new Instr { Op = Opcode.SymAddr, Type = IrType.I64, Dest = d, Symbol = name, Imm = offset });
        return d;
    }

    /// <summary>A string literal in a fresh global; returns its address vreg.</summary>
    public int Str(string s)
    {
        string name = ".str" + _module.Globals.Count;
        byte[] bytes = Encoding.UTF8.GetBytes(s + "\0");
        _module.Globals.Add(new IrGlobal { Name = name, Size = bytes.Length, Align = 1, Init = bytes, IsReadOnly = true });
        return Sym(name);
    }

    public int Call(string? symbol, IrParamType ret, IrParamType[] argTypes, int[] args, int fixedCount = -1, int fnPtr = -1, int retAddr = -1)
    {
        bool variadic = fixedCount >= 0;
        IrParamType[] named = variadic ? argTypes[..fixedCount] : argTypes;
        int d = ret.Type == IrType.Void || ret.IsAggregate ? -1 : Fn.NewVReg(ret.Type);
        Emit(new Instr
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
        return d;
    }

    /// <summary>printf-style variadic call with one named pointer argument.</summary>
    public int CallV(string symbol, IrType ret, int[] args, IrType[] types, int named = 1) =>
        Call(symbol, T(ret), types.Select(T).ToArray(), args, named);

    public void Ret(int v = -1) => Emit(new Instr { Op = Opcode.Ret, A = v });

    public void Jump(IrBlock b) => Emit(new Instr { Op = Opcode.Jump, Target = b.Id });

    public void Branch(int c, IrBlock t, IrBlock f) => Emit(new Instr { Op = Opcode.Branch, A = c, Target = t.Id, Target2 = f.Id });

    public void Switch(IrType t, int v, IrBlock def, params (long, IrBlock)[] cases) =>
        Emit(new Instr { Op = Opcode.Switch, Type = t, A = v, Target = def.Id, Cases = cases.Select(c => (c.Item1, c.Item2.Id)).ToArray() });
}

internal static class IrTest
{
    /// <summary>Adds a zeroed global buffer.</summary>
    public static void Buffer(IrModule m, string name, int size) =>
        m.Globals.Add(new IrGlobal { Name = name, Size = size, Align = 16 });

    public static IrModule Verified(IrModule m)
    {
        List<string> problems = IrVerifier.Verify(m);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return m;
    }

    /// <summary>Runs main and returns (status, interpreter).</summary>
    public static (int Status, Lantern.C.Interp.Interpreter Interp) Run(IrModule m)
    {
        var it = new Lantern.C.Interp.Interpreter(Verified(m));
        int status = it.Run("test", Array.Empty<string>());
        return (status, it);
    }

    public static unsafe string ReadCString(long address)
    {
        byte* p = (byte*)address;
        int n = 0;
        while (p[n] != 0)
        {
            n++;
        }

        return Encoding.UTF8.GetString(p, n);
    }
}
