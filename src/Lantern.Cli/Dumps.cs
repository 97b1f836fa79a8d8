using System.Text;
using Lantern.C;
using Lantern.C.Describe;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.C.Preprocess;
using Lantern.Observability;

namespace Lantern.Cli;

/// <summary>What <c>--dump=</c> prints; printed in this order, the pipeline's.</summary>
[Flags]
internal enum DumpKinds
{
    None = 0,

    /// <summary>The preprocessed source as C text, like <c>cc -E</c> (<see cref="TokenPrinter"/>).</summary>
    Tokens = 1,

    /// <summary>The IR, lowered and verified (<see cref="IrPrinter"/>).</summary>
    Ir = 2,

    /// <summary>The JIT's machine code, per function, with the line table (<see cref="JitModule.Disassemble"/>).</summary>
    Asm = 4,

    /// <summary>What the debug-info writers and the profiler know of the code (<see cref="CodeInfoPrinter"/>).</summary>
    CodeInfo = 8,
}

/// <summary>
/// <c>lantern run --dump=tokens,ir,asm,codeinfo prog.c</c> (also <c>lantern compile</c>): compiles the program as far
/// as the kinds need (tokens: preprocessing only; asm, codeinfo: the JIT places and links the code), prints each kind
/// on stdout in pipeline order, and does not run the program. Exit status: 0, or as for compiling (1 errors in the
/// program or an undefined symbol, 70 an internal error).
/// </summary>
internal static class Dumps
{
    /// <summary>The kinds <c>--dump</c> accepts, in pipeline order.</summary>
    public static readonly IReadOnlyList<string> Names = ["tokens", "ir", "asm", "codeinfo"];

    /// <summary>
    /// Adds the comma-separated kinds in <paramref name="list"/> to <paramref name="kinds"/>; false (with the usage
    /// error in <paramref name="error"/>) for an unknown one.
    /// </summary>
    public static bool TryParse(string list, ref DumpKinds kinds, out string? error)
    {
        error = null;
        foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int index = IndexOf(name);
            if (index < 0)
            {
                error = $"unknown dump kind '{name}': valid kinds are {string.Join(", ", Names)}";
                return false;
            }

            kinds |= (DumpKinds)(1 << index);
        }

        return true;
    }

    /// <summary>Compiles as far as <see cref="RunOptions.Dump"/> needs and prints the dumps.</summary>
    public static int Run(RunOptions options)
    {
        DumpKinds kinds = options.Dump;
        CompileOptions compile = options.CompileOptions();
        var text = new StringBuilder(); // written after the diagnostics
        if (kinds.HasFlag(DumpKinds.Tokens))
        {
            compile.DumpTokens = tokens => text.Append(TokenPrinter.Print(tokens));
        }

        if (kinds.HasFlag(DumpKinds.Ir))
        {
            compile.DumpIr = module => text.Append(IrPrinter.Print(module));
        }

        compile.PreprocessOnly = kinds == DumpKinds.Tokens;
        int status = ProgramCompiler.Compile(options.File, compile, out IrModule? module);
        if (text.Length > 0)
        {
            Terminal.WriteOut(text.ToString());
        }

        if (status != 0 || (kinds & (DumpKinds.Asm | DumpKinds.CodeInfo)) == 0)
        {
            return status;
        }

        try
        {
            using var jit = new JitModule(module!);
            if (kinds.HasFlag(DumpKinds.Asm))
            {
                foreach (IrFunction f in module!.Functions)
                {
                    Terminal.WriteOut(jit.Disassemble(f.Name));
                }
            }

            if (kinds.HasFlag(DumpKinds.CodeInfo))
            {
                Terminal.WriteOut(CodeInfoPrinter.Print(CodeInfoBuilder.Build(jit)));
            }
        }
        catch (JitLinkException e)
        {
            Terminal.Error(e.Message);
            return LanternCommand.ExitCompileError;
        }
        catch (Exception e)
        {
            return InternalError.Report(e, "internal compiler error");
        }

        return 0;
    }

    private static int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
