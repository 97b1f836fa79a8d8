using Lantern.C.Ir;
using Lantern.C.Tests.Ir;
using Xunit;
using static Lantern.C.Tests.Ir.IrBuilder;

namespace Lantern.C.Tests.Interp;

public class InterpreterArithmeticTests
{
    private static readonly long[] s_values =
    {
        0, 1, -1, 2, 3, 7, -7, 13, 100, -100, 127, -128, 255, 0x7fff, -0x8000, 0xffff, 0x7fffffff, -0x80000000L,
        0xffffffffL, 0x123456789abcdefL, long.MaxValue, long.MinValue, 63, 64, 31, 33, 8, 9, 16, 17,
    };

    private static int Bits(IrType t) => 8 * t.SizeOf();

    private static long Canon(long v, IrType t) => (v << (64 - Bits(t))) >> (64 - Bits(t));

    private static ulong U(long v, IrType t) => (ulong)(v << (64 - Bits(t))) >> (64 - Bits(t));

    private static long? Expected(Opcode op, IrType t, long a, long b)
    {
        int w = Bits(t);
        a = Canon(a, t);
        b = Canon(b, t);
        long r;
        switch (op)
        {
            case Opcode.Add: r = a + b; break;
            case Opcode.Sub: r = a - b; break;
            case Opcode.Mul: r = a * b; break;
            case Opcode.SDiv:
                if (b == 0 || (b == -1 && a == Canon(1L << (w - 1), t)))
                {
                    return null;
                }

                r = a / b;
                break;
            case Opcode.SRem:
                if (b == 0 || (b == -1 && a == Canon(1L << (w - 1), t)))
                {
                    return null;
                }

                r = a % b;
                break;
            case Opcode.UDiv:
                if (U(b, t) == 0)
                {
                    return null;
                }

                r = (long)(U(a, t) / U(b, t));
                break;
            case Opcode.URem:
                if (U(b, t) == 0)
                {
                    return null;
                }

                r = (long)(U(a, t) % U(b, t));
                break;
            case Opcode.And: r = a & b; break;
            case Opcode.Or: r = a | b; break;
            case Opcode.Xor: r = a ^ b; break;
            case Opcode.Shl: r = a << (int)(b & (w - 1)); break;
            case Opcode.LShr: r = (long)(U(a, t) >> (int)(b & (w - 1))); break;
            case Opcode.AShr: r = a >> (int)(b & (w - 1)); break;
            case Opcode.Eq: return a == b ? 1 : 0;
            case Opcode.Ne: return a != b ? 1 : 0;
            case Opcode.SLt: return a < b ? 1 : 0;
            case Opcode.SLe: return a <= b ? 1 : 0;
            case Opcode.SGt: return a > b ? 1 : 0;
            case Opcode.SGe: return a >= b ? 1 : 0;
            case Opcode.ULt: return U(a, t) < U(b, t) ? 1 : 0;
            case Opcode.ULe: return U(a, t) <= U(b, t) ? 1 : 0;
            case Opcode.UGt: return U(a, t) > U(b, t) ? 1 : 0;
            case Opcode.UGe: return U(a, t) >= U(b, t) ? 1 : 0;
            default: throw new ArgumentException(op.ToString());
        }

        return Canon(r, t);
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (IrType t in new[] { IrType.I8, IrType.I16, IrType.I32, IrType.I64 })
        {
            foreach (Opcode op in new[]
            {
                Opcode.Add, Opcode.Sub, Opcode.Mul, Opcode.SDiv, Opcode.UDiv, Opcode.SRem, Opcode.URem, Opcode.And,
                Opcode.Or, Opcode.Xor, Opcode.Shl, Opcode.LShr, Opcode.AShr, Opcode.Eq, Opcode.Ne, Opcode.SLt,
                Opcode.SLe, Opcode.SGt, Opcode.SGe, Opcode.ULt, Opcode.ULe, Opcode.UGt, Opcode.UGe,
            })
            {
                yield return new object[] { t, op };
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void IntegerOperationsWrapAtTheirWidth(IrType t, Opcode op)
    {
        var m = new IrModule();
        var pairs = new List<(long A, long B, long Want)>();
        foreach (long a in s_values)
        {
            foreach (long b in s_values)
            {
                if (Expected(op, t, a, b) is long want)
                {
                    pairs.Add((a, b, want));
                }
            }
        }

        IrTest.Buffer(m, "out", 8 * pairs.Count);
        var f = new IrBuilder(m, "main", P(IrType.I32), Array.Empty<IrParamType>());
        bool cmp = op >= Opcode.Eq;
        for (int i = 0; i < pairs.Count; i++)
        {
            int a = f.Const(t, pairs[i].A);
            int b = f.Const(t, pairs[i].B);
            int r = f.Op(op, t, a, b);
            int r64 = cmp ? f.Op(Opcode.SExt, IrType.I64, r) : t == IrType.I64 ? r : f.Op(Opcode.SExt, IrType.I64, r);
            f.Store(IrType.I64, f.Sym("out", 8 * i), r64);
        }

        f.Ret(f.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(0, status);
        long* res = (long*)it.GetSymbolAddress("out");
        for (int i = 0; i < pairs.Count; i++)
        {
            Assert.True(pairs[i].Want == res[i], $"{op}.{t} {pairs[i].A} {pairs[i].B}: want {pairs[i].Want}, got {res[i]}");
        }
    }

    [Fact]
    public unsafe void UnaryOpsAndExtensions()
    {
        var m = new IrModule();
        IrTest.Buffer(m, "out", 8 * 16);
        var f = new IrBuilder(m, "main", P(IrType.I32), Array.Empty<IrParamType>());
        int k = 0;
        void Out(int v) => f.Store(IrType.I64, f.Sym("out", 8 * k++), v);
        Out(f.Op(Opcode.SExt, IrType.I64, f.Op(Opcode.Neg, IrType.I8, f.Const(IrType.I8, -128))));   // -128
        Out(f.Op(Opcode.SExt, IrType.I64, f.Op(Opcode.Not, IrType.I16, f.Const(IrType.I16, 0))));    // -1
        Out(f.Op(Opcode.ZExt, IrType.I64, f.Const(IrType.I8, -1)));                                  // 255
        Out(f.Op(Opcode.ZExt, IrType.I64, f.Const(IrType.I32, -1)));                                 // 4294967295
        Out(f.Op(Opcode.SExt, IrType.I64, f.Op(Opcode.Trunc, IrType.I8, f.I64(0x1ff))));       // -1
        Out(f.Op(Opcode.SExt, IrType.I64, f.Op(Opcode.ZExt, IrType.I32, f.Const(IrType.I16, -2)))); // 65534
        Out(f.Op(Opcode.Neg, IrType.I64, f.I64(long.MinValue)));                                    // MinValue
        f.Ret(f.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(0, status);
        long* r = (long*)it.GetSymbolAddress("out");
        Assert.Equal(new long[] { -128, -1, 255, 4294967295, -1, 65534, long.MinValue }, new Span<long>(r, 7).ToArray());
    }

    [Fact]
    public unsafe void FloatConversionsFollowX86()
    {
        var m = new IrModule();
        IrTest.Buffer(m, "out", 8 * 32);
        var f = new IrBuilder(m, "main", P(IrType.I32), Array.Empty<IrParamType>());
        int k = 0;
        void Out(int v, IrType t)
        {
            int w = t switch
            {
                IrType.I64 or IrType.F64 => v,
                IrType.F32 => f.Op(Opcode.FPExt, IrType.F64, v),
                _ => f.Op(Opcode.SExt, IrType.I64, v),
            };
            f.Store(t == IrType.F32 ? IrType.F64 : t == IrType.F64 ? IrType.F64 : IrType.I64, f.Sym("out", 8 * k++), w);
        }

        Out(f.Op(Opcode.FPToSI, IrType.I32, f.F64(1e10)), IrType.I32);                 // 0: INT_MIN
        Out(f.Op(Opcode.FPToSI, IrType.I64, f.F64(double.NaN)), IrType.I64);           // 1: LONG_MIN
        Out(f.Op(Opcode.FPToSI, IrType.I32, f.F64(-2.9)), IrType.I32);                 // 2: -2
        Out(f.Op(Opcode.FPToUI, IrType.I64, f.F64(1e19)), IrType.I64);                 // 3: 10^19
        Out(f.Op(Opcode.FPToUI, IrType.I32, f.F64(-1.0)), IrType.I32);                 // 4: 0xffffffff -> -1 canon
        Out(f.Op(Opcode.FPToUI, IrType.I32, f.F64(4e9)), IrType.I32);                  // 5: 4000000000 canon i32
        Out(f.Op(Opcode.UIToFP, IrType.F64, f.I64(-1)), IrType.F64);                   // 6: 1.8446744073709552E19
        Out(f.Op(Opcode.UIToFP, IrType.F64, f.Const(IrType.I32, -1)), IrType.F64);         // 7: 4294967295
        Out(f.Op(Opcode.SIToFP, IrType.F64, f.Const(IrType.I8, -5)), IrType.F64);          // 8: -5
        Out(f.Op(Opcode.FAdd, IrType.F32, f.F32(16777216f), f.F32(1f)), IrType.F32);     // 9: 16777216 (float precision)
        Out(f.Op(Opcode.FAdd, IrType.F64, f.F64(16777216), f.F64(1)), IrType.F64);       // 10: 16777217
        Out(f.Op(Opcode.FPTrunc, IrType.F32, f.F64(0.1)), IrType.F32);                 // 11: (double)0.1f
        Out(f.Op(Opcode.FNe, IrType.F64, f.F64(double.NaN), f.F64(double.NaN)), IrType.I32); // 12: 1
        Out(f.Op(Opcode.FEq, IrType.F64, f.F64(double.NaN), f.F64(double.NaN)), IrType.I32); // 13: 0
        Out(f.Op(Opcode.FLt, IrType.F32, f.F32(1f), f.F32(2f)), IrType.I32);                 // 14: 1
        Out(f.Op(Opcode.FPToUI, IrType.I64, f.F32(1.5e19f)), IrType.I64);                   // 15
        Out(f.Op(Opcode.UIToFP, IrType.F32, f.I64(0x7fffffbfffffffffL + 0x41)), IrType.F32); // 16: rounding of u64->f32
        Out(f.Op(Opcode.FNeg, IrType.F64, f.F64(0.0)), IrType.F64);                          // 17: -0.0
        Out(f.Op(Opcode.FPToSI, IrType.I8, f.F64(300.0)), IrType.I8);                       // 18: (char)300.0 -> 44
        f.Ret(f.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(0, status);
        long* r = (long*)it.GetSymbolAddress("out");
        double Dbl(int i) => BitConverter.Int64BitsToDouble(r[i]);
        Assert.Equal(int.MinValue, r[0]);
        Assert.Equal(long.MinValue, r[1]);
        Assert.Equal(-2, r[2]);
        Assert.Equal(10000000000000000000UL, (ulong)r[3]);
        Assert.Equal(-1, r[4]);
        Assert.Equal(unchecked((int)4000000000U), r[5]);
        Assert.Equal(18446744073709551615.0, Dbl(6));
        Assert.Equal(4294967295.0, Dbl(7));
        Assert.Equal(-5.0, Dbl(8));
        Assert.Equal(16777216.0, Dbl(9));
        Assert.Equal(16777217.0, Dbl(10));
        Assert.Equal((double)0.1f, Dbl(11));
        Assert.Equal(1, r[12]);
        Assert.Equal(0, r[13]);
        Assert.Equal(1, r[14]);
        Assert.Equal((ulong)1.5e19f, (ulong)r[15]);
        Assert.Equal(9223372036854775808.0, Dbl(16));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), r[17]);
        Assert.Equal(44, r[18]);
    }
}
