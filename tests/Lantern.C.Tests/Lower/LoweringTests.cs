using Lantern.C.Ir;
using Lantern.C.Tests.Parse;
using Lantern.C.Types;
using Xunit;

namespace Lantern.C.Tests.Lower;

/// <summary>The shape of the IR produced for a few constructs.</summary>
public class LoweringTests
{
    private static IEnumerable<Instr> Instrs(IrFunction f) => f.Blocks.SelectMany(b => b.Instrs);

    private static IrFunction Fn(IrModule m, string name)
    {
        IrFunction? f = m.FindFunction(name);
        Assert.NotNull(f);
        return f!;
    }

    [Fact]
    public void StatementMarkersAndScopes()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            int f(int n) {
                int s = 0;
                for (int i = 0; i < n; i++) {
                    int sq = i * i;
                    s += sq;
                }
                if (s > 10)
                    return s;
                return 0;
            }
            """);
        IrFunction f = Fn(m, "f");
        var lines = Instrs(f).Where(i => i.Op == Opcode.Stmt).Select(i => i.Location.Line).ToList();
        // s = 0; for-init; cond; sq = ...; s += ...; increment; if; return s; return 0
        Assert.Equal(new[] { 2, 3, 3, 4, 5, 3, 7, 8, 9 }, lines);
        Assert.Equal(3, f.Scopes.Count);
        Assert.Equal(new[] { "n", "s" }, f.Scopes[0].Variables.Select(v => v.Name));
        Assert.Equal(VariableKind.Parameter, f.Scopes[0].Variables[0].Kind);
        Assert.Equal("i", Assert.Single(f.Scopes[1].Variables).Name);
        Assert.Equal(0, f.Scopes[1].Parent);
        Assert.Equal("sq", Assert.Single(f.Scopes[2].Variables).Name);
        Assert.Equal(1, f.Scopes[2].Parent);
        Assert.Equal((3, 6), (f.Scopes[1].Start.Line, f.Scopes[1].End.Line));
        Assert.Equal((3, 6), (f.Scopes[2].Start.Line, f.Scopes[2].End.Line));
        Instr sqMarker = Instrs(f).First(i => i.Op == Opcode.Stmt && i.Location.Line == 4);
        Assert.Equal(2, sqMarker.Imm);
        Assert.Equal(f.Scopes[0].Variables[0].Slot, Assert.Single(f.ParamSlots));
        Assert.Equal(1, f.Location.Line);
        Assert.Equal(10, f.EndLocation.Line);
    }

    [Fact]
    public void VariadicExternCallPromotesArguments()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            #include <stdio.h>
            int main(void) { float f = 1.5f; char c = 'a'; printf("%f %c\n", f, c); return 0; }
            """);
        Instr call = Instrs(Fn(m, "main")).Single(i => i.Op == Opcode.Call);
        Assert.Equal("printf", call.Symbol);
        Assert.True(call.Signature!.IsVariadic);
        Assert.Equal(new[] { IrType.I64, IrType.F64, IrType.I32 }, call.ArgTypes!.Select(a => a.Type));
        IrExtern e = Assert.Single(m.Externs, x => x.Name == "printf");
        Assert.True(e.IsFunction);
        Assert.True(e.Signature!.IsVariadic);
        Assert.NotEqual(default, call.Location);
    }

    [Fact]
    public void StructReturnAndArgument()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            struct P { long a, b, c; };
            struct P make(struct P p) { p.a++; return p; }
            long use(void) { struct P p = { 1, 2, 3 }; struct P q = make(p); return q.a; }
            """);
        IrFunction make = Fn(m, "make");
        Assert.True(make.ReturnPointerVReg >= 0);
        Assert.Contains(Instrs(make), i => i.Op == Opcode.Copy && i.A == make.ReturnPointerVReg && i.Imm == 24);
        Assert.All(Instrs(make).Where(i => i.Op == Opcode.Ret), r => Assert.Equal(-1, r.A));
        Instr call = Instrs(Fn(m, "use")).Single(i => i.Op == Opcode.Call);
        Assert.True(call.B >= 0);
        Assert.Equal(-1, call.Dest);
        Assert.True(call.ArgTypes![0].IsAggregate);
        Assert.Equal(ArgClass.Memory, call.ArgTypes[0].Aggregate!.Lo);
    }

    [Fact]
    public void ConversionsUseTheRightOpcodes()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            double a(unsigned long x) { return x; }
            int b(double d) { return d; }
            _Bool c(int x) { return x; }
            unsigned d(double x) { return x; }
            long e(int x) { return x; }
            unsigned long f(unsigned x) { return x; }
            """);
        Assert.Contains(Instrs(Fn(m, "a")), i => i.Op == Opcode.UIToFP);
        Assert.Contains(Instrs(Fn(m, "b")), i => i.Op == Opcode.FPToSI && i.Type == IrType.I32);
        Assert.Contains(Instrs(Fn(m, "c")), i => i.Op == Opcode.Ne);
        Assert.Contains(Instrs(Fn(m, "d")), i => i.Op == Opcode.FPToSI && i.Type == IrType.I64);
        Assert.Contains(Instrs(Fn(m, "e")), i => i.Op == Opcode.SExt);
        Assert.Contains(Instrs(Fn(m, "f")), i => i.Op == Opcode.ZExt);
    }

    [Fact]
    public void SmallIntegerArithmeticIsPromoted()
    {
        IrModule m = FrontEndTestUtil.CompileOk("char f(char a, char b) { return a + b; }");
        Instr add = Instrs(Fn(m, "f")).Single(i => i.Op == Opcode.Add);
        Assert.Equal(IrType.I32, add.Type);
        Assert.Contains(Instrs(Fn(m, "f")), i => i.Op == Opcode.Trunc && i.Type == IrType.I8);
    }

    [Fact]
    public void BitFieldsLoadShiftAndMask()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            struct S { int a : 3; unsigned b : 5; };
            int get(struct S *s) { return s->a; }
            unsigned getb(struct S *s) { return s->b; }
            void set(struct S *s, int v) { s->b = v; }
            """);
        Assert.Contains(Instrs(Fn(m, "get")), i => i.Op == Opcode.AShr);
        Assert.Contains(Instrs(Fn(m, "getb")), i => i.Op == Opcode.LShr);
        var set = Instrs(Fn(m, "set")).ToList();
        Assert.Contains(set, i => i.Op == Opcode.Load);
        Assert.Contains(set, i => i.Op == Opcode.Or);
        Assert.Contains(set, i => i.Op == Opcode.Store && i.Type == IrType.I32);
    }

    [Fact]
    public void GlobalsStaticsStringsAndTentativeDefinitions()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            int t;
            int t;
            extern int ext;
            const char *a = "same", *b = "same";
            int counter(void) { static int n = 5; return ++n + ext; }
            """);
        IrGlobal t = Assert.Single(m.Globals, g => g.Name == "t");
        Assert.True(t.IsTentative);
        Assert.Null(t.Init);
        Assert.Single(m.Globals, g => g.Name.StartsWith(".str.", StringComparison.Ordinal));
        IrGlobal n = Assert.Single(m.Globals, g => g.Name.StartsWith("counter.n.", StringComparison.Ordinal));
        Assert.True(n.IsStatic);
        IrVariable nv = Assert.Single(Fn(m, "counter").Scopes[0].Variables);
        Assert.Equal(VariableKind.Static, nv.Kind);
        Assert.Equal(n.Name, nv.Symbol);
        IrExtern ext = Assert.Single(m.Externs);
        Assert.Equal("ext", ext.Name);
        Assert.False(ext.IsFunction);
    }

    [Fact]
    public void MainFallingOffTheEndReturnsZero()
    {
        IrModule m = FrontEndTestUtil.CompileOk("int main(void) { int x = 1; }\nvoid v(void) { }");
        Instr ret = Fn(m, "main").Blocks.SelectMany(b => b.Instrs).Single(i => i.Op == Opcode.Ret);
        Instr zero = Instrs(Fn(m, "main")).Single(i => i.Dest == ret.A);
        Assert.Equal(Opcode.Const, zero.Op);
        Assert.Equal(0, zero.Imm);
        Assert.Equal(-1, Instrs(Fn(m, "v")).Single(i => i.Op == Opcode.Ret).A);
    }

    [Fact]
    public void SwitchGotoAndUnreachableCode()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            int f(int x) {
                switch (x) { case 1: return 10; case 2 ... 4: x++; break; default: goto out; }
                return x;
                x = 5;
            out:
                return -1;
            }
            """);
        IrFunction f = Fn(m, "f");
        Instr sw = Instrs(f).Single(i => i.Op == Opcode.Switch);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, sw.Cases!.Select(c => c.Value));
        Assert.Contains(f.Blocks, b => b.Name == "label.out");
        Assert.All(f.Blocks, b => Assert.True(b.Instrs[^1].IsTerminator));
    }

    [Fact]
    public void SetjmpAndVlaAndVarargs()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            #include <setjmp.h>
            #include <stdarg.h>
            jmp_buf jb;
            int f(int n) { if (setjmp(jb)) return 1; int a[n]; a[0] = 1; return sizeof a; }
            int sum(int n, ...) { va_list ap; va_start(ap, n); int s = 0; while (n--) s += va_arg(ap, int); va_end(ap); return s; }
            double avg(int n, ...) { va_list ap; va_start(ap, n); double d = va_arg(ap, double); va_end(ap); return d; }
            """);
        IrFunction f = Fn(m, "f");
        Assert.True(f.CallsSetjmp);
        Assert.Contains(Instrs(f), i => i.Op == Opcode.Alloca);
        IrVariable a = f.Scopes.SelectMany(s => s.Variables).Single(v => v.Name == "a");
        Assert.True(a.PointerSlot >= 0);
        Assert.True(a.Type.IsVla);
        IrFunction sum = Fn(m, "sum");
        Assert.True(sum.Signature.IsVariadic);
        Assert.Contains(Instrs(sum), i => i.Op == Opcode.VaStart);
        Assert.Contains(Instrs(sum), i => i.Op == Opcode.VaArg && i.ArgClass == ArgClass.Integer && i.Imm == 4);
        Assert.Contains(Instrs(Fn(m, "avg")), i => i.Op == Opcode.VaArg && i.ArgClass == ArgClass.Sse);
    }

    [Fact]
    public void LogicalOperatorsUseBlocks()
    {
        IrModule m = FrontEndTestUtil.CompileOk("int f(int a, int b) { return a && b || !a; }\nint *g(int c, int *p) { return c ? p : 0; }");
        Assert.True(Fn(m, "f").Blocks.Count >= 4);
        IrFunction g = Fn(m, "g");
        Instr ret = Instrs(g).Single(i => i.Op == Opcode.Ret);
        Assert.Equal(2, Instrs(g).Count(i => i.Op == Opcode.Mov && i.Dest == ret.A));
    }

    [Fact]
    public void UnusedStaticInlineFunctionsAndTheirExternsAreDropped()
    {
        IrModule m = FrontEndTestUtil.CompileOk("""
            int missing(int);
            int used(int);
            static inline int dead(int x) { return missing(x); }
            static inline int alive(int x) { return used(x); }
            int sizer(void) { return sizeof(missing(1)); }
            int main(void) { return alive(1); }
            """);
        Assert.Null(m.FindFunction("dead"));
        Assert.NotNull(m.FindFunction("alive"));
        Assert.Equal(new[] { "used" }, m.Externs.Select(e => e.Name));
    }
}
