using Lantern.C.Ir;
using Xunit;

namespace Lantern.C.Tests.Ir;

/// <summary>The textual IR (<c>--dump-ir</c>): the example of docs/ARCHITECTURE.md's IR section, printed from the compiled C.</summary>
public class IrPrinterTests
{
    [Fact]
    public void PrintsTheArchitectureExample()
    {
        CompileResult r = CCompiler.CompileText("add.c", "int add(int a, int b) { return a + b; }\n", new CompileOptions());
        Assert.True(r.Success, r.Diagnostics.FormatAll());
        string expected = """
            func @add i32(i32, i32)  ; add.c:1:5
              slot 0 size 8 align 8  ; a
              slot 1 size 8 align 8  ; b
              params slot 0, slot 1
              scope 0 parent -1 a:parameter@slot0 b:parameter@slot1
            .b0 (entry):
                stmt add.c:1:25 scope 0
                %0 = slotaddr 0
                %1 = load i32 %0
                %2 = slotaddr 1
                %3 = load i32 %2
                %4 = add i32 %1 %3
                ret i32 %4

            """;
        Assert.Equal(expected, IrPrinter.PrintFunction(r.Module!.FindFunction("add")!));
    }

    [Fact]
    public void FormatsOneInstructionAsInTheListing()
    {
        var i = new Instr { Op = Opcode.Add, Type = IrType.I32, Dest = 4, A = 1, B = 3 };
        Assert.Equal("%4 = add i32 %1 %3", IrPrinter.FormatInstr(i));
        Assert.Equal("%4 = add i32 %1 %3", i.ToString());
    }
}
