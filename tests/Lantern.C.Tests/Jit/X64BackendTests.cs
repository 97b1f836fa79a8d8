using System.Runtime.InteropServices;
using Lantern.C.Describe;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.C.Tests.Ir;
using Xunit;
using static Lantern.C.Tests.Ir.IrBuilder;

namespace Lantern.C.Tests.Jit;

/// <summary>The baseline backend on hand-built IR: every opcode at every width, called from C# through function pointers.</summary>
public sealed unsafe class X64BackendTests
{
    private static readonly IrType[] s_intTypes = { IrType.I8, IrType.I16, IrType.I32, IrType.I64 };

    private static readonly long[] s_values =
    {
        0, 1, 2, 3, 7, -1, -2, -7, 100, -100, 127, -128, 255, 32767, -32768, 65535, int.MaxValue, int.MinValue,
        uint.MaxValue, 0x123456789ABCDEFL, long.MaxValue, long.MinValue, 0x7F00FF00AA55L, 31, 33, 63, 64,
    };

    private static long Wrap(long v, IrType t) => t switch
    {
        IrType.I8 => (sbyte)v,
        IrType.I16 => (short)v,
        IrType.I32 => (int)v,
        _ => v,
    };

    private static ulong Unsigned(long v, IrType t) => t switch
    {
        IrType.I8 => (byte)v,
        IrType.I16 => (ushort)v,
        IrType.I32 => (uint)v,
        _ => (ulong)v,
    };

    private static int Bits(IrType t) => t.SizeOf() * 8;

    private static JitModule Binary(Opcode op, IrType t, IrType? resultType = null)
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(resultType ?? t), new[] { P(t), P(t) });
        b.Ret(b.Op(op, t, b.Param(0), b.Param(1)));
        return new JitModule(m);
    }

    private static long? Reference(Opcode op, IrType t, long a, long b)
    {
        a = Wrap(a, t);
        b = Wrap(b, t);
        ulong ua = Unsigned(a, t);
        ulong ub = Unsigned(b, t);
        int bits = Bits(t);
        int sh = (int)(ub % (ulong)bits);
        return op switch
        {
            Opcode.Add => a + b,
            Opcode.Sub => a - b,
            Opcode.Mul => a * b,
            Opcode.And => a & b,
            Opcode.Or => a | b,
            Opcode.Xor => a ^ b,
            Opcode.SDiv => b == 0 || (b == -1 && a == Wrap(long.MinValue >> (64 - bits), t)) ? null : a / b,
            Opcode.SRem => b == 0 || (b == -1 && a == Wrap(long.MinValue >> (64 - bits), t)) ? null : a % b,
            Opcode.UDiv => ub == 0 ? null : (long)(ua / ub),
            Opcode.URem => ub == 0 ? null : (long)(ua % ub),
            Opcode.Shl => (long)(ua << sh),
            Opcode.LShr => (long)(ua >> sh),
            Opcode.AShr => a >> sh,
            Opcode.Eq => a == b ? 1 : 0,
            Opcode.Ne => a != b ? 1 : 0,
            Opcode.SLt => a < b ? 1 : 0,
            Opcode.SLe => a <= b ? 1 : 0,
            Opcode.SGt => a > b ? 1 : 0,
            Opcode.SGe => a >= b ? 1 : 0,
            Opcode.ULt => ua < ub ? 1 : 0,
            Opcode.ULe => ua <= ub ? 1 : 0,
            Opcode.UGt => ua > ub ? 1 : 0,
            Opcode.UGe => ua >= ub ? 1 : 0,
            _ => throw new ArgumentException(op.ToString()),
        };
    }

    [Theory]
    [InlineData(Opcode.Add)]
    [InlineData(Opcode.Sub)]
    [InlineData(Opcode.Mul)]
    [InlineData(Opcode.And)]
    [InlineData(Opcode.Or)]
    [InlineData(Opcode.Xor)]
    [InlineData(Opcode.SDiv)]
    [InlineData(Opcode.UDiv)]
    [InlineData(Opcode.SRem)]
    [InlineData(Opcode.URem)]
    [InlineData(Opcode.Shl)]
    [InlineData(Opcode.LShr)]
    [InlineData(Opcode.AShr)]
    public void IntegerArithmetic(Opcode op)
    {
        foreach (IrType t in s_intTypes)
        {
            using JitModule jit = Binary(op, t);
            var fn = (delegate* unmanaged<long, long, long>)jit.GetFunctionAddress("f");
            foreach (long a in s_values)
            {
                foreach (long b in s_values)
                {
                    long? expected = Reference(op, t, a, b);
                    if (expected is null)
                    {
                        continue;
                    }

                    long got = Wrap(fn(a, b), t);
                    Assert.True(Wrap(expected.Value, t) == got, $"{op} {t.Name()} {a} {b}: expected {Wrap(expected.Value, t)}, got {got}");
                }
            }
        }
    }

    [Theory]
    [InlineData(Opcode.Eq)]
    [InlineData(Opcode.Ne)]
    [InlineData(Opcode.SLt)]
    [InlineData(Opcode.SLe)]
    [InlineData(Opcode.SGt)]
    [InlineData(Opcode.SGe)]
    [InlineData(Opcode.ULt)]
    [InlineData(Opcode.ULe)]
    [InlineData(Opcode.UGt)]
    [InlineData(Opcode.UGe)]
    public void IntegerComparisons(Opcode op)
    {
        foreach (IrType t in s_intTypes)
        {
            using JitModule jit = Binary(op, t, IrType.I32);
            var fn = (delegate* unmanaged<long, long, int>)jit.GetFunctionAddress("f");
            foreach (long a in s_values)
            {
                foreach (long b in s_values)
                {
                    Assert.True(Reference(op, t, a, b) == fn(a, b), $"{op} {t.Name()} {a} {b}");
                }
            }
        }
    }

    [Theory]
    [InlineData(Opcode.Add)]
    [InlineData(Opcode.Sub)]
    [InlineData(Opcode.Mul)]
    [InlineData(Opcode.And)]
    [InlineData(Opcode.Or)]
    [InlineData(Opcode.Xor)]
    [InlineData(Opcode.Shl)]
    [InlineData(Opcode.LShr)]
    [InlineData(Opcode.AShr)]
    [InlineData(Opcode.SDiv)]
    [InlineData(Opcode.URem)]
    public void IntegerArithmeticWithConstantOperand(Opcode op)
    {
        long[] constants = { 0, 1, 3, -1, -128, 255, 65535, 0x7FFFFFFF, 0x80000000L, 0xFFFFFFFFL, 1L << 40, 33, 70, 8, 1024, 1L << 30 };
        foreach (IrType t in s_intTypes)
        {
            var m = new IrModule();
            foreach ((long c, int k) in constants.Select((c, k) => (c, k)))
            {
                var b = new IrBuilder(m, "f" + k, P(t), new[] { P(t) });
                b.Ret(b.Op(op, t, b.Param(0), b.Const(t, c)));
            }

            using var jit = new JitModule(m);
            foreach ((long c, int k) in constants.Select((c, k) => (c, k)))
            {
                var fn = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f" + k);
                foreach (long a in s_values)
                {
                    long? expected = Reference(op, t, a, c);
                    if (expected is not null)
                    {
                        Assert.True(Wrap(expected.Value, t) == Wrap(fn(a), t), $"{op} {t.Name()} {a} const {c}");
                    }
                }
            }
        }
    }

    [Fact]
    public void ComparisonsFusedWithBranches()
    {
        Opcode[] ops = { Opcode.Eq, Opcode.Ne, Opcode.SLt, Opcode.SLe, Opcode.SGt, Opcode.SGe, Opcode.ULt, Opcode.ULe, Opcode.UGt, Opcode.UGe };
        long[] constants = { 0, 1, -1, 127, -129, 0xFFFFFFFFL, 1L << 40 };
        foreach (IrType t in s_intTypes)
        {
            var m = new IrModule();
            int n = 0;
            foreach (Opcode op in ops)
            {
                foreach (long c in constants.Append(long.MaxValue))
                {
                    // f(a, b) = (a op (c or b)) ? 11 : 22, with the branch directly after the compare;
                    // the block layout alternates so both fall-through directions are used
                    var b = new IrBuilder(m, "f" + n++, P(IrType.I32), new[] { P(t), P(t) });
                    int x = b.Param(0);
                    int y = c == long.MaxValue ? b.Param(1) : b.Const(t, c);
                    int r = b.Op(op, t, x, y);
                    IrBlock yes = b.Function.NewBlock(), no = b.Function.NewBlock();
                    if (n % 2 == 0)
                    {
                        (yes, no) = (no, yes);
                    }

                    b.Emit(new Instr { Op = Opcode.Branch, A = r, Target = yes.Id, Target2 = no.Id });

                    b.Block = yes;
                    b.Ret(b.Const(IrType.I32, 11));
                    b.Block = no;
                    b.Ret(b.Const(IrType.I32, 22));
                }
            }

            using var jit = new JitModule(m);
            n = 0;
            foreach (Opcode op in ops)
            {
                foreach (long c in constants.Append(long.MaxValue))
                {
                    var fn = (delegate* unmanaged<long, long, int>)jit.GetFunctionAddress("f" + n++);
                    foreach (long a in s_values)
                    {
                        long other = c == long.MaxValue ? a ^ 5 : c;
                        long? e = Reference(op, t, a, other);
                        Assert.True((e == 1 ? 11 : 22) == fn(a, other), $"{op} {t.Name()} {a} {other} (n={n})");
                    }
                }
            }
        }
    }

    [Fact]
    public void NegNotMovConst()
    {
        foreach (IrType t in s_intTypes)
        {
            var m = new IrModule();
            var b = new IrBuilder(m, "neg", P(t), new[] { P(t) });
            b.Ret(b.Op(Opcode.Neg, t, b.Param(0)));
            b = new IrBuilder(m, "not", P(t), new[] { P(t) });
            int x = b.Op(Opcode.Not, t, b.Param(0));
            int y = b.V(t);
            b.Emit(new Instr { Op = Opcode.Mov, Type = t, Dest = y, A = x });
            b.Ret(y);
            b = new IrBuilder(m, "k", P(t), Array.Empty<IrParamType>());
            b.Ret(b.Const(t, 0x1122334455667788L));
            using var jit = new JitModule(m);
            var neg = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("neg");
            var not = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("not");
            var k = (delegate* unmanaged<long>)jit.GetFunctionAddress("k");
            foreach (long v in s_values)
            {
                Assert.Equal(Wrap(-v, t), Wrap(neg(v), t));
                Assert.Equal(Wrap(~v, t), Wrap(not(v), t));
            }

            Assert.Equal(Wrap(0x1122334455667788L, t), Wrap(k(), t));
        }
    }

    [Fact]
    public void DivisionByZeroIsLeftToTheHardware()
    {
        // Only checks that the code is an idiv (no software check): the fault itself would kill the test host.
        using JitModule jit = Binary(Opcode.SDiv, IrType.I32);
        var fn = (delegate* unmanaged<long, long, long>)jit.GetFunctionAddress("f");
        Assert.Equal(-3, (int)fn(-7, 2));
    }

    private static readonly double[] s_doubles =
    {
        0.0, -0.0, 1.0, -1.5, 2.5, 3.75, 1e300, -1e-300, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.1, 12345.678,
    };

    [Theory]
    [InlineData(Opcode.FAdd)]
    [InlineData(Opcode.FSub)]
    [InlineData(Opcode.FMul)]
    [InlineData(Opcode.FDiv)]
    public void FloatArithmetic(Opcode op)
    {
        using JitModule jd = Binary(op, IrType.F64);
        using JitModule jf = Binary(op, IrType.F32);
        var fd = (delegate* unmanaged<double, double, double>)jd.GetFunctionAddress("f");
        var ff = (delegate* unmanaged<float, float, float>)jf.GetFunctionAddress("f");
        foreach (double a in s_doubles)
        {
            foreach (double b in s_doubles)
            {
                double ed = op switch { Opcode.FAdd => a + b, Opcode.FSub => a - b, Opcode.FMul => a * b, _ => a / b };
                float fa = (float)a;
                float fb = (float)b;
                float ef = op switch { Opcode.FAdd => fa + fb, Opcode.FSub => fa - fb, Opcode.FMul => fa * fb, _ => fa / fb };
                Assert.Equal(BitConverter.DoubleToInt64Bits(ed), BitConverter.DoubleToInt64Bits(fd(a, b)));
                Assert.Equal(BitConverter.SingleToInt32Bits(ef), BitConverter.SingleToInt32Bits(ff(fa, fb)));
            }
        }
    }

    [Theory]
    [InlineData(Opcode.FEq)]
    [InlineData(Opcode.FNe)]
    [InlineData(Opcode.FLt)]
    [InlineData(Opcode.FLe)]
    [InlineData(Opcode.FGt)]
    [InlineData(Opcode.FGe)]
    public void FloatComparisonsHandleNaN(Opcode op)
    {
        using JitModule jd = Binary(op, IrType.F64, IrType.I32);
        using JitModule jf = Binary(op, IrType.F32, IrType.I32);
        var fd = (delegate* unmanaged<double, double, int>)jd.GetFunctionAddress("f");
        var ff = (delegate* unmanaged<float, float, int>)jf.GetFunctionAddress("f");
        foreach (double a in s_doubles)
        {
            foreach (double b in s_doubles)
            {
                bool e = op switch
                {
                    Opcode.FEq => a == b,
                    Opcode.FNe => a != b,
                    Opcode.FLt => a < b,
                    Opcode.FLe => a <= b,
                    Opcode.FGt => a > b,
                    _ => a >= b,
                };
                float fa = (float)a;
                float fb = (float)b;
                bool ef = op switch
                {
                    Opcode.FEq => fa == fb,
                    Opcode.FNe => fa != fb,
                    Opcode.FLt => fa < fb,
                    Opcode.FLe => fa <= fb,
                    Opcode.FGt => fa > fb,
                    _ => fa >= fb,
                };
                Assert.True((e ? 1 : 0) == fd(a, b), $"{op} f64 {a} {b}");
                Assert.True((ef ? 1 : 0) == ff(fa, fb), $"{op} f32 {a} {b}");
            }
        }
    }

    [Fact]
    public void FNegFlipsTheSign()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "d", P(IrType.F64), new[] { P(IrType.F64) });
        b.Ret(b.Op(Opcode.FNeg, IrType.F64, b.Param(0)));
        b = new IrBuilder(m, "s", P(IrType.F32), new[] { P(IrType.F32) });
        b.Ret(b.Op(Opcode.FNeg, IrType.F32, b.Param(0)));
        using var jit = new JitModule(m);
        var d = (delegate* unmanaged<double, double>)jit.GetFunctionAddress("d");
        var s = (delegate* unmanaged<float, float>)jit.GetFunctionAddress("s");
        Assert.Equal(-2.5, d(2.5));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(d(0.0)));
        Assert.Equal(1.25f, s(-1.25f));
    }

    private static JitModule Conversion(Opcode op, IrType from, IrType to)
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(to), new[] { P(from) });
        b.Ret(b.Op(op, to, b.Param(0)));
        return new JitModule(m);
    }

    [Fact]
    public void IntegerConversions()
    {
        foreach (IrType from in s_intTypes)
        {
            foreach (IrType to in s_intTypes)
            {
                Opcode[] ops = from.SizeOf() < to.SizeOf() ? new[] { Opcode.SExt, Opcode.ZExt }
                    : from.SizeOf() > to.SizeOf() ? new[] { Opcode.Trunc } : Array.Empty<Opcode>();
                foreach (Opcode op in ops)
                {
                    using JitModule jit = Conversion(op, from, to);
                    var fn = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f");
                    foreach (long v in s_values)
                    {
                        long expected = op switch
                        {
                            Opcode.SExt => Wrap(v, from),
                            Opcode.ZExt => (long)Unsigned(v, from),
                            _ => v,
                        };
                        Assert.True(Wrap(expected, to) == Wrap(fn(v), to), $"{op} {from.Name()}->{to.Name()} {v}");
                    }
                }
            }
        }
    }

    [Fact]
    public void IntToFloat()
    {
        foreach (IrType from in s_intTypes)
        {
            using JitModule sd = Conversion(Opcode.SIToFP, from, IrType.F64);
            using JitModule ud = Conversion(Opcode.UIToFP, from, IrType.F64);
            using JitModule sf = Conversion(Opcode.SIToFP, from, IrType.F32);
            using JitModule uf = Conversion(Opcode.UIToFP, from, IrType.F32);
            var fsd = (delegate* unmanaged<long, double>)sd.GetFunctionAddress("f");
            var fud = (delegate* unmanaged<long, double>)ud.GetFunctionAddress("f");
            var fsf = (delegate* unmanaged<long, float>)sf.GetFunctionAddress("f");
            var fuf = (delegate* unmanaged<long, float>)uf.GetFunctionAddress("f");
            foreach (long v in s_values.Concat(new[] { -3L, unchecked((long)0x8000000000000001UL), unchecked((long)0xFFFFFFFFFFFFF801UL) }))
            {
                Assert.Equal((double)Wrap(v, from), fsd(v));
                Assert.Equal((double)Unsigned(v, from), fud(v));
                Assert.Equal((float)Wrap(v, from), fsf(v));
                Assert.Equal((float)Unsigned(v, from), fuf(v));
            }
        }
    }

    [Fact]
    public void FloatToInt()
    {
        double[] values = { 0, 1.9, -1.9, 127.5, -128.7, 40000.2, 3e9, -3e9, 9.2e18, 1.8e19, 9223372036854775808.0, 12345678.9 };
        foreach (IrType to in s_intTypes)
        {
            using JitModule si = Conversion(Opcode.FPToSI, IrType.F64, to);
            using JitModule ui = Conversion(Opcode.FPToUI, IrType.F64, to);
            using JitModule sif = Conversion(Opcode.FPToSI, IrType.F32, to);
            using JitModule uif = Conversion(Opcode.FPToUI, IrType.F32, to);
            var fsi = (delegate* unmanaged<double, long>)si.GetFunctionAddress("f");
            var fui = (delegate* unmanaged<double, long>)ui.GetFunctionAddress("f");
            var fsif = (delegate* unmanaged<float, long>)sif.GetFunctionAddress("f");
            var fuif = (delegate* unmanaged<float, long>)uif.GetFunctionAddress("f");
            foreach (double d in values)
            {
                double t = Math.Truncate(d);
                if (t >= -Math.Pow(2, Bits(to) - 1) && t < Math.Pow(2, Bits(to) - 1))
                {
                    Assert.Equal((long)t, Wrap(fsi(d), to));
                    float f = (float)d;
                    Assert.Equal((long)Math.Truncate(f), Wrap(fsif(f), to));
                }

                if (t >= 0 && t < Math.Pow(2, Bits(to)))
                {
                    Assert.Equal((ulong)t, Unsigned(fui(d), to));
                    float f = (float)d;
                    if (Math.Truncate(f) < Math.Pow(2, Bits(to)))
                    {
                        Assert.Equal((ulong)Math.Truncate(f), Unsigned(fuif(f), to));
                    }
                }
            }
        }
    }

    [Fact]
    public void FloatWidthConversions()
    {
        using JitModule ext = Conversion(Opcode.FPExt, IrType.F32, IrType.F64);
        using JitModule trunc = Conversion(Opcode.FPTrunc, IrType.F64, IrType.F32);
        var e = (delegate* unmanaged<float, double>)ext.GetFunctionAddress("f");
        var t = (delegate* unmanaged<double, float>)trunc.GetFunctionAddress("f");
        Assert.Equal(1.1f, e(1.1f), 0);
        Assert.Equal((double)1.1f, e(1.1f));
        Assert.Equal((float)0.1, t(0.1));
    }

    [Fact]
    public void FloatConstants()
    {
        var m = new IrModule();
        var b = new IrBuilder(m, "d", P(IrType.F64), Array.Empty<IrParamType>());
        b.Ret(b.ConstF(IrType.F64, 3.14159));
        b = new IrBuilder(m, "s", P(IrType.F32), Array.Empty<IrParamType>());
        b.Ret(b.ConstF(IrType.F32, 2.71828));
        using var jit = new JitModule(m);
        Assert.Equal(3.14159, ((delegate* unmanaged<double>)jit.GetFunctionAddress("d"))());
        Assert.Equal(2.71828f, ((delegate* unmanaged<float>)jit.GetFunctionAddress("s"))());
    }

    [Fact]
    public void LoadsAndStoresEveryWidth()
    {
        // void f(void* p): *(T*)(p + 16) = *(T*)p for each width at its own offset
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.Void), new[] { P(IrType.I64) });
        int p = b.Param(0);
        long off = 0;
        foreach (IrType t in s_intTypes.Concat(new[] { IrType.F32, IrType.F64 }))
        {
            int src = b.Op(Opcode.Add, IrType.I64, p, b.Const(IrType.I64, off));
            int dst = b.Op(Opcode.Add, IrType.I64, p, b.Const(IrType.I64, off + 64));
            b.Store(t, dst, b.Load(t, src));
            off += 8;
        }

        b.Ret();
        using var jit = new JitModule(m);
        byte[] buffer = new byte[128];
        for (int k = 0; k < 64; k++)
        {
            buffer[k] = (byte)(0x11 * (k % 15) + 1);
        }

        fixed (byte* bp = buffer)
        {
            ((delegate* unmanaged<byte*, void>)jit.GetFunctionAddress("f"))(bp);
        }

        int[] widths = { 1, 2, 4, 8, 4, 8 };
        for (int k = 0; k < widths.Length; k++)
        {
            for (int j = 0; j < 8; j++)
            {
                byte expected = j < widths[k] ? buffer[k * 8 + j] : (byte)0;
                Assert.Equal(expected, buffer[64 + k * 8 + j]);
            }
        }
    }

    [Fact]
    public void StoreThroughACachedPointerOfACachedValue()
    {
        // void f(long** pp, long* pv): *(*pp) = *pv; *(*pp + 8) = (int)*pv — the pointer and the value are
        // loaded back to back (rcx, rdx), so the store must not clobber the address register with the value
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.Void), new[] { P(IrType.I64), P(IrType.I64) });
        int pp = b.Param(0);
        int pv = b.Param(1);
        int p = b.Load(IrType.I64, pp);
        int v = b.Load(IrType.I64, pv);
        b.Store(IrType.I64, p, v);
        int p2 = b.Op(Opcode.Add, IrType.I64, b.Load(IrType.I64, pp), b.Const(IrType.I64, 8));
        int v2 = b.Load(IrType.I32, pv);
        b.Store(IrType.I32, p2, v2);
        b.Ret();
        using var jit = new JitModule(m);
        long* target = stackalloc long[2];
        target[0] = 0;
        target[1] = 0;
        long* holder = stackalloc long[1];
        holder[0] = (long)target;
        long value = 0x1122334455667788L;
        ((delegate* unmanaged<long*, long*, void>)jit.GetFunctionAddress("f"))(holder, &value);
        Assert.Equal(value, target[0]);
        Assert.Equal(0x55667788L, target[1]);
    }

    [Fact]
    public void CopyZeroAndAllocaOfManySizes()
    {
        // long f(void* dst, void* src): for each size copy then zero part, return an alloca'd pointer's alignment
        foreach (int size in new[] { 1, 3, 7, 8, 13, 16, 31, 100, 129, 1000 })
        {
            var m = new IrModule();
            var b = new IrBuilder(m, "f", P(IrType.I64), new[] { P(IrType.I64), P(IrType.I64) });
            int dst = b.Param(0);
            int src = b.Param(1);
            b.Emit(new Instr { Op = Opcode.Copy, A = dst, B = src, Imm = size });
            int half = b.Op(Opcode.Add, IrType.I64, dst, b.Const(IrType.I64, size / 2));
            b.Emit(new Instr { Op = Opcode.Zero, A = half, Imm = size - size / 2 });
            int mem = b.Emit(new Instr { Op = Opcode.Alloca, Type = IrType.I64, Dest = b.V(IrType.I64), A = b.Const(IrType.I64, size), Imm = 64 });
            b.Store(IrType.I8, mem, b.Const(IrType.I8, 1));
            b.Ret(mem);
            using var jit = new JitModule(m);
            byte[] from = Enumerable.Range(1, size).Select(k => (byte)k).ToArray();
            byte[] to = new byte[size + 8];
            Array.Fill(to, (byte)0xEE);
            long r;
            fixed (byte* pf = from)
            fixed (byte* pt = to)
            {
                r = ((delegate* unmanaged<byte*, byte*, long>)jit.GetFunctionAddress("f"))(pt, pf);
            }

            Assert.Equal(0, r % 64);
            for (int k = 0; k < size; k++)
            {
                Assert.Equal(k < size / 2 ? from[k] : (byte)0, to[k]);
            }

            Assert.Equal(0xEE, to[size]);
        }
    }

    [Fact]
    public void BranchesSwitchAndLoops()
    {
        // long f(long n): s = 0; for (i = 0; i < n; i++) switch (i % 4) { case 0: s += 1; case 1: s += 10; break; case 2: s += 100; break; default: s += 1000; } return s;
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I64), new[] { P(IrType.I64) });
        IrFunction f = b.Function;
        int n = b.Param(0);
        int s = b.Const(IrType.I64, 0);
        int i = b.Const(IrType.I64, 0);
        IrBlock cond = f.NewBlock(), body = f.NewBlock(), c0 = f.NewBlock(), c1 = f.NewBlock(), c2 = f.NewBlock(), def = f.NewBlock(), next = f.NewBlock(), done = f.NewBlock();
        b.Emit(new Instr { Op = Opcode.Jump, Target = cond.Id });
        b.Block = cond;
        b.Emit(new Instr { Op = Opcode.Branch, A = b.Op(Opcode.SLt, IrType.I64, i, n), Target = body.Id, Target2 = done.Id });
        b.Block = body;
        int r = b.Op(Opcode.SRem, IrType.I64, i, b.Const(IrType.I64, 4));
        b.Emit(new Instr { Op = Opcode.Switch, Type = IrType.I64, A = r, Cases = new (long, int)[] { (0, c0.Id), (1, c1.Id), (2, c2.Id) }, Target = def.Id });
        void AddTo(IrBlock blk, long k, IrBlock target)
        {
            b.Block = blk;
            int t = b.Op(Opcode.Add, IrType.I64, s, b.Const(IrType.I64, k));
            b.Emit(new Instr { Op = Opcode.Mov, Type = IrType.I64, Dest = s, A = t });
            b.Emit(new Instr { Op = Opcode.Jump, Target = target.Id });
        }

        AddTo(c0, 1, c1);
        AddTo(c1, 10, next);
        AddTo(c2, 100, next);
        AddTo(def, 1000, next);
        b.Block = next;
        int i2 = b.Op(Opcode.Add, IrType.I64, i, b.Const(IrType.I64, 1));
        b.Emit(new Instr { Op = Opcode.Mov, Type = IrType.I64, Dest = i, A = i2 });
        b.Emit(new Instr { Op = Opcode.Jump, Target = cond.Id });
        b.Block = done;
        b.Ret(s);
        Assert.Empty(IrVerifier.Verify(m));
        using var jit = new JitModule(m);
        var fn = (delegate* unmanaged<long, long>)jit.GetFunctionAddress("f");
        Assert.Equal(0, fn(0));
        Assert.Equal(11 + 10 + 100 + 1000 + 11, fn(5));
    }

    [Fact]
    public void ManyArgumentsBetweenJitFunctions()
    {
        // double g(long a0..a7, double d0..d9) = sum(a_k * (k+1)) + sum(d_k * (k+1)); long f() calls it
        var m = new IrModule();
        var ps = Enumerable.Range(0, 8).Select(_ => P(IrType.I64)).Concat(Enumerable.Range(0, 10).Select(_ => P(IrType.F64))).ToArray();
        var g = new IrBuilder(m, "g", P(IrType.F64), ps);
        int acc = g.ConstF(IrType.F64, 0);
        for (int k = 0; k < ps.Length; k++)
        {
            int v = g.Param(k);
            if (k < 8)
            {
                v = g.Op(Opcode.SIToFP, IrType.F64, g.Op(Opcode.Mul, IrType.I64, v, g.Const(IrType.I64, k + 1)));
            }
            else
            {
                v = g.Op(Opcode.FMul, IrType.F64, v, g.ConstF(IrType.F64, k + 1));
            }

            acc = g.Op(Opcode.FAdd, IrType.F64, acc, v);
        }

        g.Ret(acc);
        var f = new IrBuilder(m, "f", P(IrType.F64), Array.Empty<IrParamType>());
        int[] args = ps.Select((p, k) => p.Type == IrType.I64 ? f.Const(IrType.I64, k + 1) : f.ConstF(IrType.F64, k + 0.5)).ToArray();
        f.Ret(f.Call("g", g.Function.Signature, args, ps));
        using var jit = new JitModule(m);
        double expected = 0;
        for (int k = 0; k < ps.Length; k++)
        {
            expected += k < 8 ? (k + 1) * (k + 1) : (k + 0.5) * (k + 1);
        }

        Assert.Equal(expected, ((delegate* unmanaged<double>)jit.GetFunctionAddress("f"))());
        var gp = (delegate* unmanaged<long, long, long, long, long, long, long, long, double, double, double, double, double, double, double, double, double, double, double>)jit.GetFunctionAddress("g");
        Assert.Equal(expected, gp(1, 2, 3, 4, 5, 6, 7, 8, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5));
    }

    [Fact]
    public void VariadicCallIntoLibc()
    {
        // int f(char* buf): return snprintf(buf, 100, fmt, 42, 2.5, -7L, 1.25, 3.5, ... 9 doubles)
        var m = new IrModule();
        const string format = "%d %.2f %ld %g %g %g %g %g %g %g %g %s";
        byte[] fmtBytes = System.Text.Encoding.ASCII.GetBytes(format + "\0");
        m.Globals.Add(new IrGlobal { Name = ".fmt", Size = fmtBytes.Length, Align = 1, Init = fmtBytes, IsReadOnly = true });
        m.Globals.Add(new IrGlobal { Name = ".word", Size = 3, Align = 1, Init = "ok\0"u8.ToArray() });
        var sig = new IrSignature(P(IrType.I32), new[] { P(IrType.I64), P(IrType.I64), P(IrType.I64) }, true);
        var f = new IrBuilder(m, "f", P(IrType.I32), new[] { P(IrType.I64) });
        var args = new List<int> { f.Param(0), f.Const(IrType.I64, 100), f.Emit(new Instr { Op = Opcode.SymAddr, Dest = f.V(IrType.I64), Symbol = ".fmt" }) };
        var types = new List<IrParamType> { P(IrType.I64), P(IrType.I64), P(IrType.I64) };
        args.Add(f.Const(IrType.I32, 42));
        types.Add(P(IrType.I32));
        args.Add(f.ConstF(IrType.F64, 2.5));
        types.Add(P(IrType.F64));
        args.Add(f.Const(IrType.I64, -7));
        types.Add(P(IrType.I64));
        for (int k = 0; k < 8; k++)
        {
            args.Add(f.ConstF(IrType.F64, 1.25 + k));
            types.Add(P(IrType.F64));
        }

        args.Add(f.Emit(new Instr { Op = Opcode.SymAddr, Dest = f.V(IrType.I64), Symbol = ".word" }));
        types.Add(P(IrType.I64));
        f.Ret(f.Call("snprintf", sig, args.ToArray(), types.ToArray()));
        m.Externs.Add(new IrExtern("snprintf", true, sig, default));
        using var jit = new JitModule(m);
        byte* buf = stackalloc byte[128];
        int n = ((delegate* unmanaged<byte*, int>)jit.GetFunctionAddress("f"))(buf);
        string s = Marshal.PtrToStringUTF8((nint)buf)!;
        Assert.Equal("42 2.50 -7 1.25 2.25 3.25 4.25 5.25 6.25 7.25 8.25 ok", s);
        Assert.Equal(s.Length, n);
    }

    [Fact]
    public void VariadicDefinitionWithVaArg()
    {
        // double f(int n, ...): va_list ap; va_start; sum of n pairs (long, double) as long*double
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.F64), new[] { P(IrType.I32) }, variadic: true);
        IrFunction fn = b.Function;
        int apSlot = fn.NewSlot(24, 8, "ap");
        int n = b.Param(0);
        int ap = b.SlotAddr(apSlot);
        b.Emit(new Instr { Op = Opcode.VaStart, A = ap });
        int acc = b.ConstF(IrType.F64, 0);
        int i = b.Const(IrType.I32, 0);
        IrBlock cond = fn.NewBlock(), body = fn.NewBlock(), done = fn.NewBlock();
        b.Emit(new Instr { Op = Opcode.Jump, Target = cond.Id });
        b.Block = cond;
        b.Emit(new Instr { Op = Opcode.Branch, A = b.Op(Opcode.SLt, IrType.I32, i, n), Target = body.Id, Target2 = done.Id });
        b.Block = body;
        int pl = b.Emit(new Instr { Op = Opcode.VaArg, Dest = b.V(IrType.I64), A = ap, Imm = 8, ArgClass = ArgClass.Integer });
        int pd = b.Emit(new Instr { Op = Opcode.VaArg, Dest = b.V(IrType.I64), A = ap, Imm = 8, ArgClass = ArgClass.Sse });
        int prod = b.Op(Opcode.FMul, IrType.F64, b.Op(Opcode.SIToFP, IrType.F64, b.Load(IrType.I64, pl)), b.Load(IrType.F64, pd));
        b.Emit(new Instr { Op = Opcode.Mov, Type = IrType.F64, Dest = acc, A = b.Op(Opcode.FAdd, IrType.F64, acc, prod) });
        b.Emit(new Instr { Op = Opcode.Mov, Type = IrType.I32, Dest = i, A = b.Op(Opcode.Add, IrType.I32, i, b.Const(IrType.I32, 1)) });
        b.Emit(new Instr { Op = Opcode.Jump, Target = cond.Id });
        b.Block = done;
        b.Ret(acc);

        // g() calls f(12, 1, 0.5, 2, 1.5, ... ) so both register and overflow areas are used
        var g = new IrBuilder(m, "g", P(IrType.F64), Array.Empty<IrParamType>());
        var args = new List<int> { g.Const(IrType.I32, 12) };
        var types = new List<IrParamType> { P(IrType.I32) };
        double expected = 0;
        for (int k = 1; k <= 12; k++)
        {
            args.Add(g.Const(IrType.I64, k));
            types.Add(P(IrType.I64));
            args.Add(g.ConstF(IrType.F64, k - 0.5));
            types.Add(P(IrType.F64));
            expected += k * (k - 0.5);
        }

        g.Ret(g.Call("f", fn.Signature, args.ToArray(), types.ToArray()));
        Assert.Empty(IrVerifier.Verify(m));
        using var jit = new JitModule(m);
        Assert.Equal(expected, ((delegate* unmanaged<double>)jit.GetFunctionAddress("g"))());
    }

    [Fact]
    public void LineTableAndFrameInfo()
    {
        var file = new Lantern.C.Diagnostics.SourceFile("t.c", "int f(void) { return 1; }\n", 0);
        var m = new IrModule();
        var b = new IrBuilder(m, "f", P(IrType.I32), Array.Empty<IrParamType>());
        b.Emit(new Instr { Op = Opcode.Stmt, Location = new Lantern.C.Diagnostics.SourceLocation(file, 1, 15) });
        int one = b.Const(IrType.I32, 1);
        b.Emit(new Instr { Op = Opcode.Stmt, Location = new Lantern.C.Diagnostics.SourceLocation(file, 1, 22) });
        b.Ret(one);
        using var jit = new JitModule(m);
        FunctionLayout info = jit.Functions["f"];
        Assert.Equal(2, info.Lines.Count);
        Assert.True(info.Lines[0].Offset >= info.PrologueEnd);
        Assert.True(info.Lines[1].Offset > info.Lines[0].Offset);
        Assert.Single(info.EpilogueStarts);
        Assert.True(info.EpilogueStarts[0] < info.Size);
        Assert.Equal(info, jit.FindFunction(info.Start + info.Lines[1].Offset));
        Assert.Equal(22, info.LineAt(info.Lines[1].Offset + 1)!.Value.Location.Column);
        Assert.True(info.VRegOffsets[one] < 0 && info.VRegOffsets[one] >= -info.FrameSize);
        byte* code = (byte*)info.Start;
        Assert.Equal(0x55, code[0]); // push rbp
        Assert.Equal(1, ((delegate* unmanaged<int>)info.Start)());
    }
}
