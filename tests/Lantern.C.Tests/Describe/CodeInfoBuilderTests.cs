using Lantern.C.Describe;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.Observability;
using Lantern.Observability.Elf;
using Xunit;

namespace Lantern.C.Tests.Describe;

/// <summary>The JIT's per-function facts turned into CodeInfo: lines, scopes, variables, types, CFI.</summary>
public class CodeInfoBuilderTests
{
    private const string Source = """
        typedef unsigned long size_type;
        enum color { RED, GREEN = 5, BLUE };
        struct flags { unsigned a : 3; int b : 5; char c; };
        union u { int i; float f; };
        struct node { struct node *next; const char *name; int values[3][2]; enum color col; struct flags fl; union u un; };
        typedef int (*binop)(int, int);
        static int add(int a, int b) { return a + b; }
        int apply(binop f, volatile int x, struct node *n)
        {
            size_type k = 2;
            {
                double inner = 1.5;
                k += (size_type)inner;
            }
            return f(x, (int)k) + n->values[1][1];
        }
        int main(void)
        {
            static int calls;
            struct node n = {0};
            n.values[1][1] = 7;
            calls++;
            return apply(add, 1, &n) - 10;
        }
        """;

    private static (JitModule Jit, CompilationUnitInfo Unit) Build()
    {
        CompileResult result = CCompiler.CompileText("dbg.c", Source, new CompileOptions());
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var jit = new JitModule(result.Module!);
        return (jit, CodeInfoBuilder.Build(jit));
    }

    [Fact]
    public void Build_DescribesFunctionsLinesScopesAndVariables()
    {
        (JitModule jit, CompilationUnitInfo unit) = Build();
        using (jit)
        {
            string text = CodeInfoPrinter.Print(unit);
            CodeInfo apply = unit.Functions.Single(f => f.Name == "apply");
            Assert.Equal((ulong)jit.Functions["apply"].Start, apply.Address);
            Assert.Equal(FrameBase.Rbp, apply.FrameBase);
            Assert.Equal(new[] { "f", "x", "n" }, apply.GetScope(apply.RootScope).Variables.Where(v => v.IsParameter).Select(v => v.Name));
            Assert.Contains(apply.GetScope(apply.RootScope).Variables, v => v.Name == "k" && !v.IsParameter);
            // the inner block is a nested scope holding 'inner'
            ScopeInfo inner = apply.Scopes.Single(s => s.Variables.Any(v => v.Name == "inner"));
            Assert.NotNull(inner.Parent);
            Assert.True(inner.EndOffset > inner.StartOffset);
            // lines: the declarator line at 0, prologue_end on the first statement, epilogue on the closing brace
            Assert.Equal(8, apply.Lines[0].Line);
            LineRow first = apply.Lines.Single(l => l.Flags.HasFlag(LineFlags.PrologueEnd));
            Assert.Equal(10, first.Line);
            Assert.Equal(jit.Functions["apply"].PrologueEnd, (int)first.Offset);
            LineRow epilogue = apply.Lines.Single(l => l.Flags.HasFlag(LineFlags.EpilogueBegin));
            Assert.Equal(16, epilogue.Line);
            Assert.Contains(apply.Lines, l => l.Line == 13);
            // static local at an absolute address; CFI of push rbp / mov rbp,rsp / pop rbp
            CodeInfo main = unit.Functions.Single(f => f.Name == "main");
            Assert.Contains(main.AllVariables(), v => v.Variable.Name == "calls" && v.Variable.Location.Kind == VariableLocationKind.Address);
            Assert.Contains(apply.Cfi, r => r.Offset == 1 && r.Op is CfiOp.DefCfaOffset { Offset: 16 });
            Assert.Contains(apply.Cfi, r => r.Offset == 4 && r.Op is CfiOp.DefCfaRegister { Register: X64Registers.Rbp });
            Assert.False(unit.Functions.Single(f => f.Name == "add").IsExternal);
            Assert.Contains("typedef size_type", text);
            Assert.Contains("enum color underlying=", text);
            Assert.Contains("RED=0, GREEN=5, BLUE=6", text);
            Assert.Contains("volatile", text);
            Assert.Contains("const", text);
            Assert.Contains("union u size=4", text);
            Assert.Contains("struct node size=", text);
            Assert.Contains("typedef binop", text);
            Assert.Contains("function returning", text);
        }
    }

    [Fact]
    public void Build_TypesHaveMembersBitFieldsAndArrays()
    {
        (JitModule jit, CompilationUnitInfo unit) = Build();
        using (jit)
        {
            StructType flags = unit.Types.Types.OfType<StructType>().Single(s => s.Name == "flags");
            Assert.Equal(new[] { "a", "b", "c" }, flags.Members.Select(m => m.Name));
            Assert.Equal(3, flags.Members[0].BitSize);
            Assert.Equal(0, flags.Members[0].BitOffset);
            Assert.Equal(5, flags.Members[1].BitSize);
            Assert.Equal(3, flags.Members[1].BitOffset);
            Assert.False(flags.Members[2].IsBitField);
            StructType node = unit.Types.Types.OfType<StructType>().Single(s => s.Name == "node");
            MemberInfo values = node.Members.Single(m => m.Name == "values");
            var outer = Assert.IsType<ArrayType>(unit.Types[values.Type]);
            Assert.Equal(new long?[] { 3 }, outer.Dimensions);
            Assert.Equal(new long?[] { 2 }, Assert.IsType<ArrayType>(unit.Types[outer.Element]).Dimensions);
            // the self-reference goes through the same struct
            var next = Assert.IsType<PointerType>(unit.Types[node.Members[0].Type]);
            Assert.Same(node, unit.Types[next.Target!.Value]);
        }
    }

    /// <summary>The symfile of a real JIT module passes llvm-dwarfdump --verify.</summary>
    [Fact]
    public void LlvmDwarfdump_VerifiesTheSymfileOfAJitModule()
    {
        (JitModule jit, CompilationUnitInfo unit) = Build();
        using (jit)
        {
            (int exitCode, string stdout, string stderr) = TestTools.DwarfdumpVerify(ElfWriter.WriteSymfile(unit), "lantern-jitdbg-");
            string output = stdout + stderr;
            Assert.True(exitCode == 0, output);
            Assert.Contains("No errors.", output);
        }
    }
}
