using Lantern.C.Diagnostics;
using Lantern.C.Interp;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Xunit;
using static Lantern.C.Tests.Ir.IrBuilder;

namespace Lantern.C.Tests.Ir;

/// <summary>
/// Every <see cref="Opcode"/> is handled by both engines. For each opcode, a small program using it (its case in
/// <see cref="s_cases"/>) is verified, compiled by <see cref="X64Backend"/> with and without debug code, and run by the
/// interpreter (the reference) and by the JIT (plain and debug code): <c>main</c> writes what it computes to the
/// global <c>out</c>, whose bytes must be the same on every engine. An opcode added to the enum fails here until
/// it has a case.
/// </summary>
public sealed unsafe class OpcodeCoverageTests
{
    private const int OutSize = 512;

    private static readonly IrType[] s_intTypes = [IrType.I8, IrType.I16, IrType.I32, IrType.I64];
    private static readonly IrType[] s_floatTypes = [IrType.F32, IrType.F64];
    private static readonly (long A, long B)[] s_intPairs = [(-100, 7), (100, -7), (-1, 1), (5, 5), (0x55, 3)];
    private static readonly (double A, double B)[] s_floatPairs = [(1.5, 2.5), (-0.75, 0.25), (2.5, 2.5), (double.NaN, 1.0)];

    /// <summary>
    /// One case per opcode: it writes the body of <c>int main(void)</c> (the block it is left in gets <c>ret 0</c>),
    /// storing each result with <see cref="Program.Out"/>.
    /// </summary>
    private static readonly Dictionary<Opcode, Action<Program>> s_cases = new()
    {
        // ---- values ----
        [Opcode.Const] = p =>
        {
            foreach (IrType t in s_intTypes)
            {
                p.Out(t, p.F.Const(t, -2));
            }

            p.Out(IrType.F64, p.F.F64(1.25));
            p.Out(IrType.F32, p.F.F32(-3.5f));
        },
        [Opcode.Mov] = p =>
        {
            foreach (IrType t in s_intTypes.Concat(s_floatTypes))
            {
                int d = p.F.V(t);
                p.F.Emit(new Instr { Op = Opcode.Mov, Type = t, Dest = d, A = t.IsFloat() ? p.F.ConstF(t, 0.5) : p.F.Const(t, 77) });
                p.Out(t, d);
            }
        },
        [Opcode.SlotAddr] = p =>
        {
            int a = p.F.Local(8);
            p.F.Store(IrType.I64, a, p.F.I64(0x1122_3344_5566));
            p.Out(IrType.I64, p.F.Load(IrType.I64, a));
        },
        [Opcode.SymAddr] = p =>
        {
            p.Out(IrType.I64, p.F.Op(Opcode.Sub, IrType.I64, p.F.Sym("data", 12), p.F.Sym("data")));
            p.Out(IrType.I32, p.F.Load(IrType.I32, p.F.Sym("data", 4)));
        },

        // ---- memory ----
        [Opcode.Load] = p =>
        {
            foreach (IrType t in s_intTypes)
            {
                p.Out(t, p.F.Load(t, p.F.Sym("data", 1)));
            }

            p.Out(IrType.F64, p.F.Load(IrType.F64, p.F.Sym("data", 16)));
            p.Out(IrType.F32, p.F.Load(IrType.F32, p.F.Sym("data", 24)));
        },
        [Opcode.Store] = p =>
        {
            foreach (IrType t in s_intTypes)
            {
                p.F.Store(t, p.F.Sym("out", p.Next()), p.F.Const(t, -3));
            }

            p.F.Store(IrType.F64, p.F.Sym("out", p.Next()), p.F.F64(0.1));
            p.F.Store(IrType.F32, p.F.Sym("out", p.Next()), p.F.F32(0.1f));
        },
        [Opcode.Copy] = p =>
        {
            int at = p.Next(4);
            p.F.Emit(new Instr { Op = Opcode.Copy, A = p.F.Sym("out", at + 3), B = p.F.Sym("data"), Imm = 27 });
        },
        [Opcode.Zero] = p =>
        {
            int at = p.Next(2);
            p.F.Store(IrType.I64, p.F.Sym("out", at), p.F.I64(-1));
            p.F.Store(IrType.I64, p.F.Sym("out", at + 8), p.F.I64(-1));
            p.F.Emit(new Instr { Op = Opcode.Zero, A = p.F.Sym("out", at + 3), Imm = 9 });
        },
        [Opcode.Alloca] = p =>
        {
            int mem = p.F.Emit(new Instr { Op = Opcode.Alloca, Type = IrType.I64, Dest = p.F.V(IrType.I64), A = p.F.I64(40), Imm = 32 });
            p.F.Store(IrType.I64, p.F.Op(Opcode.Add, IrType.I64, mem, p.F.I64(32)), p.F.I64(99));
            p.Out(IrType.I64, p.F.Load(IrType.I64, p.F.Op(Opcode.Add, IrType.I64, mem, p.F.I64(32))));
            p.Out(IrType.I64, p.F.Op(Opcode.And, IrType.I64, mem, p.F.I64(31)));
        },

        // ---- integer arithmetic ----
        [Opcode.Add] = p => p.IntBinary(Opcode.Add),
        [Opcode.Sub] = p => p.IntBinary(Opcode.Sub),
        [Opcode.Mul] = p => p.IntBinary(Opcode.Mul),
        [Opcode.SDiv] = p => p.IntBinary(Opcode.SDiv),
        [Opcode.UDiv] = p => p.IntBinary(Opcode.UDiv),
        [Opcode.SRem] = p => p.IntBinary(Opcode.SRem),
        [Opcode.URem] = p => p.IntBinary(Opcode.URem),
        [Opcode.And] = p => p.IntBinary(Opcode.And),
        [Opcode.Or] = p => p.IntBinary(Opcode.Or),
        [Opcode.Xor] = p => p.IntBinary(Opcode.Xor),
        [Opcode.Shl] = p => p.IntBinary(Opcode.Shl),
        [Opcode.LShr] = p => p.IntBinary(Opcode.LShr),
        [Opcode.AShr] = p => p.IntBinary(Opcode.AShr),
        [Opcode.Neg] = p => p.IntUnary(Opcode.Neg),
        [Opcode.Not] = p => p.IntUnary(Opcode.Not),

        // ---- floating arithmetic ----
        [Opcode.FAdd] = p => p.FloatBinary(Opcode.FAdd),
        [Opcode.FSub] = p => p.FloatBinary(Opcode.FSub),
        [Opcode.FMul] = p => p.FloatBinary(Opcode.FMul),
        [Opcode.FDiv] = p => p.FloatBinary(Opcode.FDiv),
        [Opcode.FNeg] = p =>
        {
            foreach (IrType t in s_floatTypes)
            {
                p.Out(t, p.F.Op(Opcode.FNeg, t, p.F.ConstF(t, 0.0)));
                p.Out(t, p.F.Op(Opcode.FNeg, t, p.F.ConstF(t, -2.5)));
            }
        },

        // ---- comparisons ----
        [Opcode.Eq] = p => p.IntBinary(Opcode.Eq),
        [Opcode.Ne] = p => p.IntBinary(Opcode.Ne),
        [Opcode.SLt] = p => p.IntBinary(Opcode.SLt),
        [Opcode.SLe] = p => p.IntBinary(Opcode.SLe),
        [Opcode.SGt] = p => p.IntBinary(Opcode.SGt),
        [Opcode.SGe] = p => p.IntBinary(Opcode.SGe),
        [Opcode.ULt] = p => p.IntBinary(Opcode.ULt),
        [Opcode.ULe] = p => p.IntBinary(Opcode.ULe),
        [Opcode.UGt] = p => p.IntBinary(Opcode.UGt),
        [Opcode.UGe] = p => p.IntBinary(Opcode.UGe),
        [Opcode.FEq] = p => p.FloatBinary(Opcode.FEq),
        [Opcode.FNe] = p => p.FloatBinary(Opcode.FNe),
        [Opcode.FLt] = p => p.FloatBinary(Opcode.FLt),
        [Opcode.FLe] = p => p.FloatBinary(Opcode.FLe),
        [Opcode.FGt] = p => p.FloatBinary(Opcode.FGt),
        [Opcode.FGe] = p => p.FloatBinary(Opcode.FGe),

        // ---- conversions ----
        [Opcode.SExt] = p => p.Extend(Opcode.SExt),
        [Opcode.ZExt] = p => p.Extend(Opcode.ZExt),
        [Opcode.Trunc] = p =>
        {
            int v = p.F.I64(-0x1234_5678_9ABC);
            foreach (IrType t in new[] { IrType.I8, IrType.I16, IrType.I32 })
            {
                p.Out(t, p.F.Op(Opcode.Trunc, t, v));
            }
        },
        [Opcode.SIToFP] = p =>
        {
            foreach (IrType from in new[] { IrType.I32, IrType.I64 })
            {
                foreach (IrType to in s_floatTypes)
                {
                    p.Out(to, p.F.Op(Opcode.SIToFP, to, p.F.Const(from, -7)));
                }
            }
        },
        [Opcode.UIToFP] = p =>
        {
            foreach (IrType from in new[] { IrType.I32, IrType.I64 })
            {
                foreach (IrType to in s_floatTypes)
                {
                    p.Out(to, p.F.Op(Opcode.UIToFP, to, p.F.Const(from, -7)));
                }
            }
        },
        [Opcode.FPToSI] = p =>
        {
            foreach (IrType from in s_floatTypes)
            {
                foreach (IrType to in new[] { IrType.I32, IrType.I64 })
                {
                    p.Out(to, p.F.Op(Opcode.FPToSI, to, p.F.ConstF(from, -7.75)));
                }
            }
        },
        [Opcode.FPToUI] = p =>
        {
            p.Out(IrType.I32, p.F.Op(Opcode.FPToUI, IrType.I32, p.F.F64(3e9)));
            p.Out(IrType.I64, p.F.Op(Opcode.FPToUI, IrType.I64, p.F.F64(1e19)));
            p.Out(IrType.I32, p.F.Op(Opcode.FPToUI, IrType.I32, p.F.F32(7.5f)));
            p.Out(IrType.I64, p.F.Op(Opcode.FPToUI, IrType.I64, p.F.F32(1e10f)));
        },
        [Opcode.FPExt] = p => p.Out(IrType.F64, p.F.Op(Opcode.FPExt, IrType.F64, p.F.F32(0.1f))),
        [Opcode.FPTrunc] = p => p.Out(IrType.F32, p.F.Op(Opcode.FPTrunc, IrType.F32, p.F.F64(0.1))),

        // ---- calls ----
        [Opcode.Call] = p =>
        {
            // long g(long a, double b) { return a * 10 + (long)b; }, called directly and through a pointer.
            var g = new IrBuilder(p.Module, "g", P(IrType.I64), [P(IrType.I64), P(IrType.F64)]);
            int scaled = g.Op(Opcode.Mul, IrType.I64, g.Param(0), g.I64(10));
            g.Ret(g.Op(Opcode.Add, IrType.I64, scaled, g.Op(Opcode.FPToSI, IrType.I64, g.Param(1))));
            IrParamType[] types = [P(IrType.I64), P(IrType.F64)];
            p.Out(IrType.I64, p.F.Call("g", g.Function.Signature, [p.F.I64(4), p.F.F64(2.5)], types));
            p.Out(IrType.I64, p.F.Call(null, P(IrType.I64), types, [p.F.I64(-4), p.F.F64(7.0)], fnPtr: p.F.Sym("g")));
        },

        // ---- varargs ----
        [Opcode.VaStart] = p => p.OutVariadicSum(),
        [Opcode.VaArg] = p => p.OutVariadicSum(),

        // ---- control flow ----
        [Opcode.Jump] = p =>
        {
            IrBlock next = p.F.Function.NewBlock("next");
            p.F.Jump(next);
            p.F.Block = next;
            p.Out(IrType.I32, p.F.I32(1));
        },
        [Opcode.Branch] = p =>
        {
            foreach ((long a, long b) in s_intPairs)
            {
                IrBlock yes = p.F.Function.NewBlock("yes");
                IrBlock no = p.F.Function.NewBlock("no");
                IrBlock done = p.F.Function.NewBlock("done");
                int at = p.Next();
                p.F.Branch(p.F.Op(Opcode.SLt, IrType.I64, p.F.I64(a), p.F.I64(b)), yes, no);
                p.F.Block = yes;
                p.F.Store(IrType.I32, p.F.Sym("out", at), p.F.I32(1));
                p.F.Jump(done);
                p.F.Block = no;
                p.F.Store(IrType.I32, p.F.Sym("out", at), p.F.I32(2));
                p.F.Jump(done);
                p.F.Block = done;
            }
        },
        [Opcode.Switch] = p =>
        {
            foreach (long v in new long[] { 5, -1, 1000, 3 })
            {
                IrBlock one = p.F.Function.NewBlock("one");
                IrBlock five = p.F.Function.NewBlock("five");
                IrBlock other = p.F.Function.NewBlock("default");
                IrBlock done = p.F.Function.NewBlock("done");
                int at = p.Next();
                p.F.Switch(IrType.I32, p.F.I32(v), other, (-1, one), (5, five), (1000, five));
                foreach ((IrBlock b, int value) in new[] { (one, 1), (five, 5), (other, 9) })
                {
                    p.F.Block = b;
                    p.F.Store(IrType.I32, p.F.Sym("out", at), p.F.I32(value));
                    p.F.Jump(done);
                }

                p.F.Block = done;
            }
        },
        [Opcode.Ret] = p =>
        {
            // void v(void) { } and float h(void) { return 2.5f; }
            new IrBuilder(p.Module, "v", P(IrType.Void), []).Ret();
            var h = new IrBuilder(p.Module, "h", P(IrType.F32), []);
            h.Ret(h.F32(2.5f));
            p.F.Call("v", new IrSignature(P(IrType.Void), [], false), [], []);
            p.Out(IrType.F32, p.F.Call("h", h.Function.Signature, [], []));
        },
        [Opcode.Unreachable] = p => p.NeverTaken(new Instr { Op = Opcode.Unreachable }),
        [Opcode.Trap] = p => p.NeverTaken(new Instr { Op = Opcode.Trap, Location = p.Location(3) }),

        // ---- debug markers ----
        [Opcode.Stmt] = p =>
        {
            p.F.Emit(new Instr { Op = Opcode.Stmt, Location = p.Location(2), Imm = 0 });
            p.Out(IrType.I32, p.F.I32(42));
            p.F.Emit(new Instr { Op = Opcode.Stmt, Location = p.Location(3), Imm = 0 });
        },
    };

    public static TheoryData<Opcode> Opcodes
    {
        get
        {
            var data = new TheoryData<Opcode>();
            foreach (Opcode op in Enum.GetValues<Opcode>())
            {
                data.Add(op);
            }

            return data;
        }
    }

    [Fact]
    public void EveryOpcodeHasACase()
    {
        Opcode[] missing = Enum.GetValues<Opcode>().Where(op => !s_cases.ContainsKey(op)).ToArray();
        Assert.True(missing.Length == 0, $"Opcode {string.Join(", ", missing)} has no case: add one to {nameof(OpcodeCoverageTests)}.{nameof(s_cases)}.");
        Assert.Equal(Enum.GetValues<Opcode>().OrderBy(op => op), s_cases.Keys.OrderBy(op => op));
    }

    [Theory]
    [MemberData(nameof(Opcodes))]
    public void BothEnginesRunIt(Opcode op)
    {
        Assert.True(s_cases.ContainsKey(op), $"Opcode {op} has no case: add one to {nameof(OpcodeCoverageTests)}.{nameof(s_cases)}.");
        IrModule module = Build(op);
        Assert.Contains(module.Functions, f => f.Blocks.Any(b => b.Instrs.Any(i => i.Op == op)));

        byte[] reference = RunInterpreter(module);
        using (var jit = new JitModule(Build(op)))
        {
            foreach (IrFunction f in jit.Module.Functions)
            {
                foreach (bool debug in new[] { false, true })
                {
                    (byte[] code, _) = X64Backend.Compile(f, jit, 0x7100_0000_0000, debug, movable: false);
                    Assert.NotEmpty(code);
                }
            }

            Assert.Equal(reference, RunJit(jit));
        }

        using (var debugJit = new JitModule(Build(op), debug: true))
        {
            Assert.Equal(reference, RunJit(debugJit));
        }
    }

    private static IrModule Build(Opcode op)
    {
        var p = new Program();
        s_cases[op](p);
        p.F.Ret(p.F.I32(0));
        List<string> problems = IrVerifier.Verify(p.Module);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return p.Module;
    }

    private static byte[] RunInterpreter(IrModule module)
    {
        var interpreter = new Interpreter(module);
        Assert.Equal(0, interpreter.Run("opcode", []));
        return new ReadOnlySpan<byte>((void*)interpreter.GetSymbolAddress("out"), OutSize).ToArray();
    }

    private static byte[] RunJit(JitModule jit)
    {
        Assert.Equal(0, ((delegate* unmanaged<int>)jit.GetFunctionAddress("main"))());
        return new ReadOnlySpan<byte>((void*)jit.GetDataAddress("out"), OutSize).ToArray();
    }

    /// <summary>A module with <c>int main(void)</c> being built, the zeroed global <c>out</c> and the initialized global <c>data</c>.</summary>
    private sealed class Program
    {
        private int _next;

        public Program()
        {
            Module.Files.Add(File);
            Module.Globals.Add(new IrGlobal { Name = "out", Size = OutSize, Align = 16 });
            byte[] data = new byte[32];
            for (int i = 0; i < 16; i++)
            {
                data[i] = (byte)(0x91 + 7 * i);
            }

            BitConverter.TryWriteBytes(data.AsSpan(16), -1.75);
            BitConverter.TryWriteBytes(data.AsSpan(24), 3.25f);
            Module.Globals.Add(new IrGlobal { Name = "data", Size = data.Length, Align = 16, Init = data, IsReadOnly = true });
            F = new IrBuilder(Module, "main", P(IrType.I32), []);
            F.Function.Scopes.Add(new IrScope { Id = 0, Parent = -1 });
        }

        public IrModule Module { get; } = new();

        public SourceFile File { get; } = new("opcode.c", "int main(void)\n{\n    return 0;\n}\n", 0);

        /// <summary>The builder of main.</summary>
        public IrBuilder F { get; }

        public SourceLocation Location(int line) => new(File, line, 5);

        /// <summary>The offset in <c>out</c> of the next <paramref name="count"/> 8-byte results.</summary>
        public int Next(int count = 1)
        {
            int at = _next;
            _next += 8 * count;
            Assert.True(_next <= OutSize, "out is full");
            return at;
        }

        /// <summary>Stores <paramref name="v"/> (of type <paramref name="t"/>) in the next 8 bytes of <c>out</c>.</summary>
        public void Out(IrType t, int v) => F.Store(t, F.Sym("out", Next()), v);

        public void IntBinary(Opcode op)
        {
            bool compare = op is >= Opcode.Eq and <= Opcode.UGe;
            foreach (IrType t in s_intTypes)
            {
                foreach ((long a, long b) in s_intPairs)
                {
                    long right = op is Opcode.Shl or Opcode.LShr or Opcode.AShr ? b & 7 : b;
                    Out(compare ? IrType.I32 : t, F.Op(op, t, F.Const(t, a), F.Const(t, right)));
                }
            }
        }

        public void IntUnary(Opcode op)
        {
            foreach (IrType t in s_intTypes)
            {
                foreach (long a in new long[] { 0, 1, -100, 0x55 })
                {
                    Out(t, F.Op(op, t, F.Const(t, a)));
                }
            }
        }

        public void FloatBinary(Opcode op)
        {
            bool compare = op is >= Opcode.FEq and <= Opcode.FGe;
            foreach (IrType t in s_floatTypes)
            {
                foreach ((double a, double b) in s_floatPairs)
                {
                    Out(compare ? IrType.I32 : t, F.Op(op, t, F.ConstF(t, a), F.ConstF(t, b)));
                }
            }
        }

        public void Extend(Opcode op)
        {
            for (int from = 0; from < s_intTypes.Length; from++)
            {
                for (int to = from + 1; to < s_intTypes.Length; to++)
                {
                    Out(s_intTypes[to], F.Op(op, s_intTypes[to], F.Const(s_intTypes[from], -3)));
                }
            }
        }

        /// <summary>
        /// Defines <c>long sum(int n, ...)</c>, which reads 8 longs then 10 doubles with va_start/va_arg, and stores
        /// sum(8, 1..8, 0.5..9.5): the last longs and doubles come from the stack.
        /// </summary>
        public void OutVariadicSum()
        {
            var s = new IrBuilder(Module, "sum", P(IrType.I64), [P(IrType.I32)], variadic: true);
            int ap = s.Local(24);
            s.Emit(new Instr { Op = Opcode.VaStart, A = ap });
            int acc = s.I64(0);
            for (int k = 0; k < 8; k++)
            {
                int addr = s.Emit(new Instr { Op = Opcode.VaArg, Type = IrType.I64, Dest = s.V(IrType.I64), A = ap, Imm = 8, ArgClass = ArgClass.Integer });
                acc = s.Op(Opcode.Add, IrType.I64, acc, s.Load(IrType.I64, addr));
            }

            int d = s.F64(0);
            for (int k = 0; k < 10; k++)
            {
                int addr = s.Emit(new Instr { Op = Opcode.VaArg, Type = IrType.I64, Dest = s.V(IrType.I64), A = ap, Imm = 8, ArgClass = ArgClass.Sse });
                d = s.Op(Opcode.FAdd, IrType.F64, d, s.Load(IrType.F64, addr));
            }

            s.Ret(s.Op(Opcode.Add, IrType.I64, s.Op(Opcode.Mul, IrType.I64, acc, s.I64(1000)), s.Op(Opcode.FPToSI, IrType.I64, s.Op(Opcode.FMul, IrType.F64, d, s.F64(10)))));

            var args = new List<int> { F.I32(8) };
            var types = new List<IrType> { IrType.I32 };
            for (int k = 1; k <= 8; k++)
            {
                args.Add(F.I64(k));
                types.Add(IrType.I64);
            }

            for (int k = 1; k <= 10; k++)
            {
                args.Add(F.F64(k - 0.5));
                types.Add(IrType.F64);
            }

            Out(IrType.I64, F.CallV("sum", IrType.I64, args.ToArray(), types.ToArray()));
        }

        /// <summary>Ends the current block with a branch whose taken side holds <paramref name="terminator"/>; continues on the other side.</summary>
        public void NeverTaken(Instr terminator)
        {
            IrBlock never = F.Function.NewBlock("never");
            IrBlock next = F.Function.NewBlock("next");
            F.Branch(F.I32(0), never, next);
            F.Block = never;
            F.Emit(terminator);
            F.Block = next;
            Out(IrType.I32, F.I32(7));
        }
    }
}
