using Lantern.C.Ir;
using Lantern.C.Tests.Ir;
using Xunit;
using static Lantern.C.Tests.Ir.IrBuilder;

namespace Lantern.C.Tests.Interp;

public class InterpreterCallTests
{
    private static readonly IrParamType I32T = P(IrType.I32);
    private static readonly IrParamType I64T = P(IrType.I64);
    private static readonly IrParamType F64T = P(IrType.F64);
    private static readonly IrParamType VoidT = P(IrType.Void);

    /// <summary>long fib(long n) { return n &lt; 2 ? n : fib(n-1) + fib(n-2); }</summary>
    private static void AddFib(IrModule m)
    {
        var f = new IrBuilder(m, "fib", I64T, new[] { I64T });
        int n = f.Param(0);
        IrBlock small = f.Function.NewBlock("small");
        IrBlock big = f.Function.NewBlock("big");
        f.Branch(f.Op(Opcode.SLt, IrType.I64, n, f.I64(2)), small, big);
        f.Block = small;
        f.Ret(n);
        f.Block = big;
        int a = f.Call("fib", I64T, new[] { I64T }, new[] { f.Op(Opcode.Sub, IrType.I64, n, f.I64(1)) });
        int b = f.Call("fib", I64T, new[] { I64T }, new[] { f.Op(Opcode.Sub, IrType.I64, n, f.I64(2)) });
        f.Ret(f.Op(Opcode.Add, IrType.I64, a, b));
    }

    [Fact]
    public unsafe void RecursionComputesFibonacci()
    {
        var m = new IrModule();
        AddFib(m);
        IrTest.Buffer(m, "out", 8);
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        f.Store(IrType.I64, f.Sym("out"), f.Call("fib", I64T, new[] { I64T }, new[] { f.I64(24) }));
        f.Ret(f.I32(7));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(7, status);
        Assert.Equal(46368, *(long*)it.GetSymbolAddress("out"));
    }

    [Fact]
    public unsafe void SwitchPicksTheCase()
    {
        var m = new IrModule();
        var f = new IrBuilder(m, "classify", I32T, new[] { I32T });
        IrBlock d = f.Function.NewBlock();
        IrBlock c1 = f.Function.NewBlock();
        IrBlock c2 = f.Function.NewBlock();
        IrBlock c3 = f.Function.NewBlock();
        f.Switch(IrType.I32, f.Param(0), d, (1, c1), (2, c2), (3, c2), (-1000000, c3));
        f.Block = d;
        f.Ret(f.I32(0));
        f.Block = c1;
        f.Ret(f.I32(10));
        f.Block = c2;
        f.Ret(f.I32(20));
        f.Block = c3;
        f.Ret(f.I32(30));
        IrTest.Buffer(m, "out", 64);
        var mn = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        long[] inputs = { 0, 1, 2, 3, 4, -1000000, -1 };
        for (int i = 0; i < inputs.Length; i++)
        {
            int r = mn.Call("classify", I32T, new[] { I32T }, new[] { mn.I32(inputs[i]) });
            mn.Store(IrType.I32, mn.Sym("out", 4 * i), r);
        }

        mn.Ret(mn.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(0, status);
        int* o = (int*)it.GetSymbolAddress("out");
        Assert.Equal(new[] { 0, 10, 20, 20, 0, 30, 0 }, new Span<int>(o, 7).ToArray());
    }

    [Fact]
    public void SnprintfWithManyIntegerAndDoubleArguments()
    {
        var m = new IrModule();
        IrTest.Buffer(m, "buf", 512);
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        var args = new List<int> { f.Sym("buf"), f.I64(512), f.Str("%d %s %ld %d %d %d %d %d|%.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f|%c") };
        var types = new List<IrType> { IrType.I64, IrType.I64, IrType.I64 };
        args.Add(f.I32(-42));
        types.Add(IrType.I32);
        args.Add(f.Str("str"));
        types.Add(IrType.I64);
        args.Add(f.I64(1L << 40));
        types.Add(IrType.I64);
        for (int i = 0; i < 5; i++)
        {
            args.Add(f.I32(i));
            types.Add(IrType.I32);
        }

        for (int i = 0; i < 10; i++)
        {
            args.Add(f.F64(i + 0.5));
            types.Add(IrType.F64);
        }

        args.Add(f.I32('Z'));
        types.Add(IrType.I32);
        int n = f.CallV("snprintf", IrType.I32, args.ToArray(), types.ToArray(), named: 3);
        f.Ret(n);
        var (status, it) = IrTest.Run(m);
        string s = IrTest.ReadCString(it.GetSymbolAddress("buf"));
        Assert.Equal("-42 str 1099511627776 0 1 2 3 4|0.5 1.5 2.5 3.5 4.5 5.5 6.5 7.5 8.5 9.5|Z", s);
        Assert.Equal(s.Length, status);
    }

    [Fact]
    public void StrlenThroughTheBridge()
    {
        var m = new IrModule();
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        int n = f.Call("strlen", I64T, new[] { I64T }, new[] { f.Str("hello, world") });
        f.Ret(f.Op(Opcode.Trunc, IrType.I32, n));
        Assert.Equal(12, IrTest.Run(m).Status);
    }

    [Fact]
    public void MathFunctionsTakeAndReturnDoubles()
    {
        var m = new IrModule();
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        int r = f.Call("pow", F64T, new[] { F64T, F64T }, new[] { f.F64(2), f.F64(10) });
        int s = f.Call("sqrtf", P(IrType.F32), new[] { P(IrType.F32) }, new[] { f.F32(81f) });
        int sum = f.Op(Opcode.FAdd, IrType.F64, r, f.Op(Opcode.FPExt, IrType.F64, s));
        f.Ret(f.Op(Opcode.FPToSI, IrType.I32, f.Op(Opcode.FSub, IrType.F64, sum, f.F64(1000))));
        Assert.Equal(33, IrTest.Run(m).Status);
    }

    /// <summary>An interpreted variadic function: long sum(int n, ...) adding n longs, or doubles when kind is 1.</summary>
    private static void AddVariadicSum(IrModule m, string name, IrType elem)
    {
        var f = new IrBuilder(m, name, elem == IrType.F64 ? F64T : I64T, new[] { I32T }, variadic: true);
        int ap = f.Local(24);
        f.Emit(new Instr { Op = Opcode.VaStart, A = ap });
        int acc = f.Local(8);
        int i = f.Local(4);
        f.Store(elem, acc, elem == IrType.F64 ? f.F64(0) : f.I64(0));
        f.Store(IrType.I32, i, f.I32(0));
        IrBlock cond = f.Function.NewBlock();
        IrBlock body = f.Function.NewBlock();
        IrBlock done = f.Function.NewBlock();
        f.Jump(cond);
        f.Block = cond;
        f.Branch(f.Op(Opcode.SLt, IrType.I32, f.Load(IrType.I32, i), f.Param(0)), body, done);
        f.Block = body;
        int addr = f.Function.NewVReg(IrType.I64);
        f.Emit(new Instr { Op = Opcode.VaArg, Dest = addr, A = ap, Imm = 8, Type = IrType.I64, ArgClass = elem == IrType.F64 ? ArgClass.Sse : ArgClass.Integer });
        int v = f.Load(elem, addr);
        f.Store(elem, acc, f.Op(elem == IrType.F64 ? Opcode.FAdd : Opcode.Add, elem, f.Load(elem, acc), v));
        f.Store(IrType.I32, i, f.Op(Opcode.Add, IrType.I32, f.Load(IrType.I32, i), f.I32(1)));
        f.Jump(cond);
        f.Block = done;
        f.Ret(f.Load(elem, acc));
    }

    [Fact]
    public unsafe void InterpretedVariadicFunctionsReadRegisterAndStackArguments()
    {
        var m = new IrModule();
        AddVariadicSum(m, "isum", IrType.I64);
        AddVariadicSum(m, "dsum", IrType.F64);
        IrTest.Buffer(m, "out", 16);
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        var ia = new List<int> { f.I32(12) };
        var it = new List<IrType> { IrType.I32 };
        var da = new List<int> { f.I32(12) };
        var dt = new List<IrType> { IrType.I32 };
        for (int k = 1; k <= 12; k++)
        {
            ia.Add(f.I64(k * 1000L));
            it.Add(IrType.I64);
            da.Add(f.F64(k * 0.25));
            dt.Add(IrType.F64);
        }

        f.Store(IrType.I64, f.Sym("out"), f.CallV("isum", IrType.I64, ia.ToArray(), it.ToArray()));
        f.Store(IrType.F64, f.Sym("out", 8), f.CallV("dsum", IrType.F64, da.ToArray(), dt.ToArray()));
        f.Ret(f.I32(0));
        var (status, interp) = IrTest.Run(m);
        Assert.Equal(0, status);
        long* o = (long*)interp.GetSymbolAddress("out");
        Assert.Equal(78000, o[0]);
        Assert.Equal(19.5, BitConverter.Int64BitsToDouble(o[1]));
    }

    [Fact]
    public void VaListFromAnInterpretedFunctionWorksWithVsnprintf()
    {
        var m = new IrModule();
        IrTest.Buffer(m, "buf", 256);
        // int fmt(char *buf, const char *f, ...) { va_list ap; va_start(ap, f); return vsnprintf(buf, 256, f, ap); }
        var g = new IrBuilder(m, "fmt", I32T, new[] { I64T, I64T }, variadic: true);
        int ap = g.Local(24);
        g.Emit(new Instr { Op = Opcode.VaStart, A = ap });
        g.Ret(g.Call("vsnprintf", I32T, new[] { I64T, I64T, I64T, I64T }, new[] { g.Param(0), g.I64(256), g.Param(1), ap }));
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        var args = new List<int> { f.Sym("buf"), f.Str("%s=%d %g %g %g %g %g %g %g %g %g %ld %ld %ld %ld %ld") };
        var types = new List<IrType> { IrType.I64, IrType.I64 };
        args.Add(f.Str("x"));
        types.Add(IrType.I64);
        args.Add(f.I32(5));
        types.Add(IrType.I32);
        for (int k = 0; k < 9; k++)
        {
            args.Add(f.F64(k * 1.5));
            types.Add(IrType.F64);
        }

        for (int k = 0; k < 5; k++)
        {
            args.Add(f.I64(-k));
            types.Add(IrType.I64);
        }

        f.Ret(f.CallV("fmt", IrType.I32, args.ToArray(), types.ToArray(), named: 2));
        var (status, it) = IrTest.Run(m);
        string s = IrTest.ReadCString(it.GetSymbolAddress("buf"));
        Assert.Equal("x=5 0 1.5 3 4.5 6 7.5 9 10.5 12 0 -1 -2 -3 -4", s);
        Assert.Equal(s.Length, status);
    }

    [Fact]
    public unsafe void QsortCallsAnInterpretedComparator()
    {
        var m = new IrModule();
        int[] data = { 5, -3, 99, 0, 42, 7, -100, 12 };
        var init = new byte[data.Length * 4];
        System.Buffer.BlockCopy(data, 0, init, 0, init.Length);
        m.Globals.Add(new IrGlobal { Name = "arr", Size = init.Length, Align = 4, Init = init });
        var cmp = new IrBuilder(m, "cmp", I32T, new[] { I64T, I64T });
        int a = cmp.Load(IrType.I32, cmp.Param(0));
        int b = cmp.Load(IrType.I32, cmp.Param(1));
        cmp.Ret(cmp.Op(Opcode.Sub, IrType.I32, cmp.Op(Opcode.SGt, IrType.I32, a, b), cmp.Op(Opcode.SLt, IrType.I32, a, b)));
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        f.Call("qsort", VoidT, new[] { I64T, I64T, I64T, I64T }, new[] { f.Sym("arr"), f.I64(data.Length), f.I64(4), f.Sym("cmp") });
        f.Ret(f.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(0, status);
        int* arr = (int*)it.GetSymbolAddress("arr");
        Assert.Equal(data.OrderBy(x => x).ToArray(), new Span<int>(arr, data.Length).ToArray());
    }

    [Fact]
    public unsafe void AtexitHandlersRunAtReturnFromMainAndExitEndsTheProgram()
    {
        var m = new IrModule();
        IrTest.Buffer(m, "log", 8);
        foreach (int k in new[] { 1, 2 })
        {
            // void hk(void) { log = log * 10 + k; }
            var h = new IrBuilder(m, "h" + k, VoidT, Array.Empty<IrParamType>());
            int old = h.Load(IrType.I64, h.Sym("log"));
            h.Store(IrType.I64, h.Sym("log"), h.Op(Opcode.Add, IrType.I64, h.Op(Opcode.Mul, IrType.I64, old, h.I64(10)), h.I64(k)));
            h.Ret();
        }

        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        f.Call("atexit", I32T, new[] { I64T }, new[] { f.Sym("h1") });
        f.Call("atexit", I32T, new[] { I64T }, new[] { f.Sym("h2") });
        f.Call("exit", VoidT, new[] { I32T }, new[] { f.I32(3) });
        f.Emit(new Instr { Op = Opcode.Unreachable });
        var (status, it) = IrTest.Run(m);
        Assert.Equal(3, status);
        Assert.Equal(21, *(long*)it.GetSymbolAddress("log"));
    }

    [Fact]
    public void SetjmpLongjmpResumesAfterSetjmp()
    {
        var m = new IrModule();
        IrTest.Buffer(m, "jb", 200);
        // void thrower(int v) { longjmp(jb, v); }
        var t = new IrBuilder(m, "thrower", VoidT, new[] { I32T });
        t.Call("longjmp", VoidT, new[] { I64T, I32T }, new[] { t.Sym("jb"), t.Param(0) });
        t.Emit(new Instr { Op = Opcode.Unreachable });
        // int main() { int n = 0; int r = setjmp(jb); n += r; if (r < 3) thrower(r + 1); return n; }  -> 0+1+2+3 = 6
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        f.Function.CallsSetjmp = true;
        int n = f.Local(4);
        f.Store(IrType.I32, n, f.I32(0));
        IrBlock again = f.Function.NewBlock();
        f.Jump(again);
        f.Block = again;
        int r = f.Call("_setjmp", I32T, new[] { I64T }, new[] { f.Sym("jb") });
        f.Store(IrType.I32, n, f.Op(Opcode.Add, IrType.I32, f.Load(IrType.I32, n), r));
        IrBlock more = f.Function.NewBlock();
        IrBlock done = f.Function.NewBlock();
        f.Branch(f.Op(Opcode.SLt, IrType.I32, r, f.I32(3)), more, done);
        f.Block = more;
        f.Call("thrower", VoidT, new[] { I32T }, new[] { f.Op(Opcode.Add, IrType.I32, r, f.I32(1)) });
        f.Jump(done);
        f.Block = done;
        f.Ret(f.Load(IrType.I32, n));
        Assert.Equal(6, IrTest.Run(m).Status);
    }

    private static readonly IrParamType PairT = Agg(16, 8, ArgClass.Integer, ArgClass.Sse); // struct { long a; double b; }
    private static readonly IrParamType BigT = Agg(24, 8, ArgClass.Memory, ArgClass.Memory); // struct { long x, y, z; }

    [Fact]
    public unsafe void AggregatesByValueBetweenInterpretedFunctions()
    {
        var m = new IrModule();
        IrTest.Buffer(m, "out", 64);
        // struct Pair swapish(struct Pair p, struct Big q) { p.a += q.z; p.b *= 2; q.x = 0; return p; }
        var g = new IrBuilder(m, "swapish", PairT, new[] { PairT, BigT });
        int p = g.Param(0);
        int q = g.Param(1);
        int qz = g.Load(IrType.I64, g.Op(Opcode.Add, IrType.I64, q, g.I64(16)));
        g.Store(IrType.I64, p, g.Op(Opcode.Add, IrType.I64, g.Load(IrType.I64, p), qz));
        int pb = g.Op(Opcode.Add, IrType.I64, p, g.I64(8));
        g.Store(IrType.F64, pb, g.Op(Opcode.FMul, IrType.F64, g.Load(IrType.F64, pb), g.F64(2)));
        g.Store(IrType.I64, q, g.I64(0));
        g.Emit(new Instr { Op = Opcode.Copy, A = g.Function.ReturnPointerVReg, B = p, Imm = 16 });
        g.Ret();

        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        int pair = f.Local(16);
        f.Store(IrType.I64, pair, f.I64(5));
        f.Store(IrType.F64, f.Op(Opcode.Add, IrType.I64, pair, f.I64(8)), f.F64(1.25));
        int big = f.Local(24);
        f.Store(IrType.I64, big, f.I64(1));
        f.Store(IrType.I64, f.Op(Opcode.Add, IrType.I64, big, f.I64(16)), f.I64(100));
        f.Call("swapish", PairT, new[] { PairT, BigT }, new[] { pair, big }, retAddr: f.Sym("out"));
        // Through a function pointer to the interpreted function, and through the native thunk via the bridge
        // (an address the interpreter does not recognize would go through the bridge; here we force it by calling
        // the thunk address after adding 0 — the interpreter maps it back to the function).
        f.Call(null, PairT, new[] { PairT, BigT }, new[] { pair, big }, fnPtr: f.Sym("swapish"), retAddr: f.Sym("out", 16));
        f.Ret(f.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(0, status);
        long* o = (long*)it.GetSymbolAddress("out");
        Assert.Equal(105, o[0]);
        Assert.Equal(2.5, BitConverter.Int64BitsToDouble(o[1]));
        Assert.Equal(105, o[2]);
    }

    [Fact]
    public unsafe void NativeStructReturnsInRegisters()
    {
        var m = new IrModule();
        IrTest.Buffer(m, "out", 32);
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        // ldiv_t ldiv(long, long): 16 bytes INTEGER/INTEGER in rax:rdx; div_t div(int, int): 8 bytes in rax.
        f.Call("ldiv", Agg(16, 8, ArgClass.Integer, ArgClass.Integer), new[] { I64T, I64T }, new[] { f.I64(-47), f.I64(5) }, retAddr: f.Sym("out"));
        f.Call("div", Agg(8, 4, ArgClass.Integer, ArgClass.Integer), new[] { I32T, I32T }, new[] { f.I32(47), f.I32(5) }, retAddr: f.Sym("out", 16));
        f.Ret(f.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(0, status);
        long* o = (long*)it.GetSymbolAddress("out");
        Assert.Equal(-9, o[0]);
        Assert.Equal(-2, o[1]);
        Assert.Equal(9, ((int*)(o + 2))[0]);
        Assert.Equal(2, ((int*)(o + 2))[1]);
    }

    [Fact]
    public void NativeStructArgumentsInSseAndGpRegisters()
    {
        var m = new IrModule();
        // double complex is passed like struct { double re, im; }: SSE, SSE -> xmm0, xmm1.
        IrParamType complex = Agg(16, 8, ArgClass.Sse, ArgClass.Sse);
        // struct in_addr { uint32_t s_addr; }: INTEGER -> rdi.
        IrParamType inAddr = Agg(4, 4, ArgClass.Integer, ArgClass.Integer);
        IrTest.Buffer(m, "out", 64);
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        int c = f.Local(16);
        f.Store(IrType.F64, c, f.F64(3));
        f.Store(IrType.F64, f.Op(Opcode.Add, IrType.I64, c, f.I64(8)), f.F64(4));
        int abs = f.Call("cabs", F64T, new[] { complex }, new[] { c });
        int a = f.Local(4);
        f.Store(IrType.I32, a, f.I32(0x0100007f));
        int text = f.Call("inet_ntoa", I64T, new[] { inAddr }, new[] { a });
        f.Call("strcpy", I64T, new[] { I64T, I64T }, new[] { f.Sym("out"), text });
        f.Ret(f.Op(Opcode.FPToSI, IrType.I32, abs));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(5, status);
        Assert.Equal("127.0.0.1", IrTest.ReadCString(it.GetSymbolAddress("out")));
    }

    [Fact]
    public void NullFunctionPointerIsReported()
    {
        var m = new IrModule();
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        f.Call(null, VoidT, Array.Empty<IrParamType>(), Array.Empty<int>(), fnPtr: f.I64(0));
        f.Ret(f.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(139, status);
        Assert.Contains("null function pointer", it.LastError);
        Assert.Contains("'main'", it.LastError);
    }

    [Fact]
    public void UndefinedSymbolIsALoadError()
    {
        var m = new IrModule();
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        f.Call("no_such_function_xyz", VoidT, Array.Empty<IrParamType>(), Array.Empty<int>());
        f.Ret(f.I32(0));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(127, status);
        Assert.Contains("undefined symbol: no_such_function_xyz", it.LastError);
    }

    [Fact]
    public void InfiniteRecursionIsAStackOverflow()
    {
        var m = new IrModule();
        var g = new IrBuilder(m, "down", I32T, new[] { I32T });
        g.Local(64);
        g.Ret(g.Call("down", I32T, new[] { I32T }, new[] { g.Param(0) }));
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        f.Ret(f.Call("down", I32T, new[] { I32T }, new[] { f.I32(1) }));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(139, status);
        Assert.Contains("stack overflow", it.LastError);
    }

    [Fact]
    public void DivisionByZeroIsReported()
    {
        var m = new IrModule();
        var f = new IrBuilder(m, "main", I32T, Array.Empty<IrParamType>());
        f.Ret(f.Op(Opcode.SDiv, IrType.I32, f.I32(1), f.Call("abs", I32T, new[] { I32T }, new[] { f.I32(0) })));
        var (status, it) = IrTest.Run(m);
        Assert.Equal(136, status);
        Assert.Contains("division by zero", it.LastError);
    }
}
