using Iced.Intel;
using Lantern.C.Describe;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.C.Tests.Ir;
using Xunit;
using static Lantern.C.Tests.Ir.IrBuilder;

namespace Lantern.C.Tests.Jit;

/// <summary>
/// The backend's temps (single-assignment vregs used later in their block) kept in registers: results under register
/// pressure, across calls and through folded addresses, and the code shape (no home written for a temp, compare and
/// branch fused to cmp + jcc) read back with the Iced decoder.
/// </summary>
public sealed unsafe class X64BackendTempTests
{
    private static readonly long[] s_values = { 0, 1, -1, 7, -100, 255, 65535, int.MaxValue, int.MinValue, 0x123456789ABCDEFL, long.MinValue };

    /// <summary>True if some instruction writes memory at [rbp + offset] (any width).</summary>
    private static bool WritesFrame(List<Instruction> code, int offset)
    {
        var factory = new InstructionInfoFactory();
        foreach (Instruction ins in code)
        {
            foreach (UsedMemory m in factory.GetInfo(ins).GetUsedMemory())
            {
                if (m.Base == Register.RBP && (long)m.Displacement == offset
                    && m.Access is OpAccess.Write or OpAccess.ReadWrite or OpAccess.CondWrite or OpAccess.ReadCondWrite)
                {
                    return true;
                }
            }
        }

        return false;
    }

    [Fact]
    public void ManyTempsLiveAtOnceKeepTheirValues()
    {
        // f(a, b) = ((a+1)*(b-2)) ^ ((a-3)*(b+4)) ^ ((a*5)+(b*6)) ^ ((a&b)|(a-b)): up to eight temps live at once
        foreach (IrType t in new[] { IrType.I32, IrType.I64 })
        {
            var m = new IrModule();
            var b = new IrBuilder(m, "f", P(t), new[] { P(t), P(t) });
            int x = b.Param(0);
            int y = b.Param(1);
            int[] parts =
            {
                b.Op(Opcode.Add, t, x, b.Const(t, 1)), b.Op(Opcode.Sub, t, y, b.Const(t, 2)),
                b.Op(Opcode.Sub, t, x, b.Const(t, 3)), b.Op(Opcode.Add, t, y, b.Const(t, 4)),
                b.Op(Opcode.Mul, t, x, b.Const(t, 5)), b.Op(Opcode.Mul, t, y, b.Const(t, 6)),
                b.Op(Opcode.And, t, x, y), b.Op(Opcode.Sub, t, x, y),
            };
            int p0 = b.Op(Opcode.Mul, t, parts[0], parts[1]);
            int p1 = b.Op(Opcode.Mul, t, parts[2], parts[3]);
            int p2 = b.Op(Opcode.Add, t, parts[4], parts[5]);
            int p3 = b.Op(Opcode.Or, t, parts[6], parts[7]);
            b.Ret(b.Op(Opcode.Xor, t, b.Op(Opcode.Xor, t, p0, p1), b.Op(Opcode.Xor, t, p2, p3)));
            using var jit = new JitModule(m);
            var fn = (delegate* unmanaged<long, long, long>)jit.GetFunctionAddress("f");
            foreach (long a in s_values)
            {
                foreach (long c in s_values)
                {
                    long e = ((a + 1) * (c - 2)) ^ ((a - 3) * (c + 4)) ^ ((a * 5) + (c * 6)) ^ ((a & c) | (a - c));
                    long got = fn(a, c);
                    Assert.Equal(t == IrType.I32 ? (int)e : e, t == IrType.I32 ? (int)got : got);
                }
            }
        }
    }

    [Fact]
    public void ManyFloatTempsLiveAtOnce()
    {
        // f(a, b) = ((a+b)*(a-b)) / ((a*2+b)*(b*3-a)) - (a*a + b*b + (a+1)*(b+1)): more temps than tracked xmm registers
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.F64), new[] { P(IrType.F64), P(IrType.F64) });
        int x = b.Param(0);
        int y = b.Param(1);
        int F(Opcode op, int l, int r) => b.Op(op, IrType.F64, l, r);
        int C(double d) => b.ConstF(IrType.F64, d);
        int[] t =
        {
            F(Opcode.FAdd, x, y), F(Opcode.FSub, x, y), F(Opcode.FMul, x, C(2)), F(Opcode.FMul, y, C(3)),
            F(Opcode.FMul, x, x), F(Opcode.FMul, y, y), F(Opcode.FAdd, x, C(1)), F(Opcode.FAdd, y, C(1)),
        };
        int num = F(Opcode.FMul, t[0], t[1]);
        int den = F(Opcode.FMul, F(Opcode.FAdd, t[2], y), F(Opcode.FSub, t[3], x));
        int sum = F(Opcode.FAdd, F(Opcode.FAdd, t[4], t[5]), F(Opcode.FMul, t[6], t[7]));
        b.Ret(F(Opcode.FSub, F(Opcode.FDiv, num, den), sum));
        using var jit = new JitModule(m);
        var fn = (delegate* unmanaged<double, double, double>)jit.GetFunctionAddress("f");
        double[] values = { 0, 1, -1, 0.5, 3.25, -7.75, 1e10, double.NaN, double.PositiveInfinity };
        foreach (double a in values)
        {
            foreach (double c in values)
            {
                double e = ((a + c) * (a - c)) / (((a * 2) + c) * ((c * 3) - a)) - ((a * a) + (c * c) + ((a + 1) * (c + 1)));
                Assert.Equal(BitConverter.DoubleToInt64Bits(e), BitConverter.DoubleToInt64Bits(fn(a, c)));
            }
        }
    }

    [Fact]
    public void TempsLiveAcrossACall()
    {
        // g(a) = a * 3 - 1; f(a, b) = (a + 10) + g(b) * (b - a) + (a ^ b): temps computed before the call are used after it
        var m = new IrModule();
        var g = new IrBuilder(m, "g", P(IrType.I64), new[] { P(IrType.I64) });
        g.Ret(g.Op(Opcode.Sub, IrType.I64, g.Op(Opcode.Mul, IrType.I64, g.Param(0), g.Const(IrType.I64, 3)), g.Const(IrType.I64, 1)));
        var b = new IrBuilder(m, "f", P(IrType.I64), new[] { P(IrType.I64), P(IrType.I64) });
        int x = b.Param(0);
        int y = b.Param(1);
        int before = b.Op(Opcode.Add, IrType.I64, x, b.Const(IrType.I64, 10));
        int diff = b.Op(Opcode.Sub, IrType.I64, y, x);
        int xor = b.Op(Opcode.Xor, IrType.I64, x, y);
        int call = b.Call("g", g.Function.Signature, new[] { y }, new[] { P(IrType.I64) });
        int r = b.Op(Opcode.Add, IrType.I64, b.Op(Opcode.Add, IrType.I64, before, b.Op(Opcode.Mul, IrType.I64, call, diff)), xor);
        b.Ret(r);
        using var jit = new JitModule(m);
        var fn = (delegate* unmanaged<long, long, long>)jit.GetFunctionAddress("f");
        foreach (long a in s_values)
        {
            foreach (long c in s_values)
            {
                Assert.Equal((a + 10) + (((c * 3) - 1) * (c - a)) + (a ^ c), fn(a, c));
            }
        }
    }

    [Fact]
    public void FoldedAddressesReadAndWriteTheRightFields()
    {
        // a 24-byte local struct { long a; int b; short c; char d; double e; } written field by field through
        // slot + offset, then read back through a pointer + offset and combined
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I64), new[] { P(IrType.I64) });
        int slot = b.Function.NewSlot(24, 8, "s");
        int x = b.Param(0);
        int Field(int off) => b.Op(Opcode.Add, IrType.I64, b.SlotAddr(slot), b.Const(IrType.I64, off));
        b.Store(IrType.I64, Field(0), x);
        b.Store(IrType.I32, Field(8), b.Emit(new Instr { Op = Opcode.Trunc, Type = IrType.I32, Dest = b.V(IrType.I32), A = x }));
        b.Store(IrType.I16, Field(12), b.Const(IrType.I16, 0x1234));
        b.Store(IrType.I8, Field(14), b.Const(IrType.I8, 0x56));
        b.Store(IrType.I8, Field(15), b.Const(IrType.I8, 0x78));
        int p = b.SlotAddr(slot);
        int pp = b.Op(Opcode.Add, IrType.I64, p, b.Const(IrType.I64, 0)); // a pointer temp, not the slot itself
        int Read(IrType t, int off) => b.Load(t, b.Op(Opcode.Add, IrType.I64, pp, b.Const(IrType.I64, off)));
        int a = Read(IrType.I64, 0);
        int i32 = b.Emit(new Instr { Op = Opcode.SExt, Type = IrType.I64, Dest = b.V(IrType.I64), A = Read(IrType.I32, 8) });
        int i16 = b.Emit(new Instr { Op = Opcode.ZExt, Type = IrType.I64, Dest = b.V(IrType.I64), A = Read(IrType.I16, 12) });
        int i8 = b.Emit(new Instr { Op = Opcode.ZExt, Type = IrType.I64, Dest = b.V(IrType.I64), A = Read(IrType.I8, 15) });
        int sum = b.Op(Opcode.Add, IrType.I64, b.Op(Opcode.Add, IrType.I64, a, i32), b.Op(Opcode.Xor, IrType.I64, i16, i8));
        b.Ret(sum);
        using var jit = new JitModule(m);
        var fn = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f");
        foreach (long v in s_values)
        {
            Assert.Equal(v + (int)v + (0x1234 ^ 0x78), fn(v));
        }
    }

    [Fact]
    public void TempsNeedNoHomeAndComparesBranchOnFlags()
    {
        // f(a, b) = (a * 3 + b > 10) ? a - b : a + b
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I32), new[] { P(IrType.I32), P(IrType.I32) });
        int x = b.Param(0);
        int y = b.Param(1);
        int mul = b.Op(Opcode.Mul, IrType.I32, x, b.Const(IrType.I32, 3));
        int add = b.Op(Opcode.Add, IrType.I32, mul, y);
        int cmp = b.Op(Opcode.SGt, IrType.I32, add, b.Const(IrType.I32, 10));
        IrBlock yes = b.Function.NewBlock(), no = b.Function.NewBlock();
        b.Emit(new Instr { Op = Opcode.Branch, A = cmp, Target = yes.Id, Target2 = no.Id });
        b.Block = yes;
        b.Ret(b.Op(Opcode.Sub, IrType.I32, b.Param(0), b.Param(1)));
        b.Block = no;
        b.Ret(b.Op(Opcode.Add, IrType.I32, b.Param(0), b.Param(1)));
        using var jit = new JitModule(m);
        var fn = (delegate* unmanaged<int, int, int>)jit.GetFunctionAddress("f");
        foreach (int a in new[] { 0, 1, 3, 4, -5, 100, int.MaxValue })
        {
            foreach (int c in new[] { 0, -1, 2, 7, 1000 })
            {
                Assert.Equal(unchecked(a * 3 + c > 10 ? a - c : a + c), fn(a, c));
            }
        }

        FunctionLayout info = jit.Functions["f"];
        List<Instruction> code = TestTools.Decode(info);
        foreach (int v in new[] { mul, add, cmp })
        {
            Assert.False(WritesFrame(code, info.VRegOffsets[v]), $"the home of temp v{v} is written");
        }

        Assert.DoesNotContain(code, ins => ins.Mnemonic is Mnemonic.Setg or Mnemonic.Setle);
        Assert.Contains(code, ins => ins.Mnemonic is Mnemonic.Jg or Mnemonic.Jle);
    }

    [Fact]
    public void NoTempIsHeldInARegisterAcrossAStatementMarker()
    {
        // t = a * 7; <stmt>; return t + 1: t is written to its home before the marker (the debugger may stop there)
        var file = new Lantern.C.Diagnostics.SourceFile("t.c", "int f(int a) { int t = a * 7;\n return t + 1; }\n", 0);
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I32), new[] { P(IrType.I32) });
        b.Emit(new Instr { Op = Opcode.Stmt, Location = new Lantern.C.Diagnostics.SourceLocation(file, 1, 16) });
        int t = b.Op(Opcode.Mul, IrType.I32, b.Param(0), b.Const(IrType.I32, 7));
        b.Emit(new Instr { Op = Opcode.Stmt, Location = new Lantern.C.Diagnostics.SourceLocation(file, 2, 2) });
        b.Ret(b.Op(Opcode.Add, IrType.I32, t, b.Const(IrType.I32, 1)));
        using var jit = new JitModule(m);
        Assert.Equal(36, ((delegate* unmanaged<int, int>)jit.GetFunctionAddress("f"))(5));
        FunctionLayout info = jit.Functions["f"];
        Assert.True(WritesFrame(TestTools.Decode(info), info.VRegOffsets[t]), "the value crossing the marker is not in its home");
    }

    [Fact]
    public void LoopWithTempsInSeveralBlocks()
    {
        // acc = 0; for (i = 0; i < n; i++) acc += (i * i) ^ i; return acc
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I64), new[] { P(IrType.I64) });
        int acc = b.Function.NewSlot(8, 8, "acc");
        int i = b.Function.NewSlot(8, 8, "i");
        b.Store(IrType.I64, b.SlotAddr(acc), b.Const(IrType.I64, 0));
        b.Store(IrType.I64, b.SlotAddr(i), b.Const(IrType.I64, 0));
        IrBlock cond = b.Function.NewBlock(), body = b.Function.NewBlock(), done = b.Function.NewBlock();
        b.Emit(new Instr { Op = Opcode.Jump, Target = cond.Id });
        b.Block = cond;
        int lt = b.Op(Opcode.SLt, IrType.I64, b.Load(IrType.I64, b.SlotAddr(i)), b.Param(0));
        b.Emit(new Instr { Op = Opcode.Branch, A = lt, Target = body.Id, Target2 = done.Id });
        b.Block = body;
        int iv = b.Load(IrType.I64, b.SlotAddr(i));
        int sq = b.Op(Opcode.Mul, IrType.I64, iv, iv);
        int next = b.Op(Opcode.Add, IrType.I64, b.Load(IrType.I64, b.SlotAddr(acc)), b.Op(Opcode.Xor, IrType.I64, sq, iv));
        b.Store(IrType.I64, b.SlotAddr(acc), next);
        b.Store(IrType.I64, b.SlotAddr(i), b.Op(Opcode.Add, IrType.I64, iv, b.Const(IrType.I64, 1)));
        b.Emit(new Instr { Op = Opcode.Jump, Target = cond.Id });
        b.Block = done;
        b.Ret(b.Load(IrType.I64, b.SlotAddr(acc)));
        using var jit = new JitModule(m);
        var fn = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f");
        foreach (long n in new long[] { 0, 1, 2, 10, 1000 })
        {
            long e = 0;
            for (long k = 0; k < n; k++)
            {
                e += (k * k) ^ k;
            }

            Assert.Equal(e, fn(n));
        }
    }
}
