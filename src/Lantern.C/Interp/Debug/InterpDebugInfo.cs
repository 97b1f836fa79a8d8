using Lantern.C.Describe;
using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Jit;
using Lantern.Observability;
using Lantern.Observability.Dwarf;

namespace Lantern.C.Interp.Debug;

/// <summary>
/// Describes the interpreter's functions in DWARF through the JIT's own path: each function's virtual code layout
/// becomes a <see cref="FunctionLayout"/> (line rows at the statement markers, the pretend epilogue, slot offsets
/// from the frame's slot base) and <see cref="CodeInfoBuilder.BuildFunction"/> turns it into a <see cref="CodeInfo"/>,
/// so scopes, variables, types and CFI are built by the very code that describes JIT frames. The frame base is
/// "rbp" = the interpreter frame's slot base, so a variable's address is that real native address.
/// </summary>
internal static class InterpDebugInfo
{
    public static CompilationUnitInfo Build(Interpreter interp)
    {
        IrModule module = interp.Module;
        string primary = module.Functions.Count > 0 ? module.Functions[0].Location.DisplayPath : "<unknown>";
        var unit = new CompilationUnitInfo(primary, Directory.GetCurrentDirectory(), "Lantern (interpreter)", DwLang.C11);
        var types = new CodeInfoBuilder.TypeConverter(unit.Types);
        var symbols = new Symbols(interp);

        foreach (IrGlobal g in module.Globals)
        {
            if (g.CType is null || g.Name.StartsWith('.') || g.Name.Contains('.'))
            {
                continue;
            }

            long address = interp.GlobalAddress(g.Name);
            TypeId? type = address == 0 ? null : types.Convert(g.CType);
            if (type is null)
            {
                continue;
            }

            unit.AddGlobal(new VariableInfo(g.Name, type.Value, VariableLocation.Absolute((ulong)address))
            {
                IsExternal = !g.IsStatic,
                DeclFile = g.Location.IsNone ? null : unit.AddFile(g.Location.DisplayPath),
                DeclLine = g.Location.IsNone ? 0 : g.Location.DisplayLine,
            });
        }

        foreach (DebugFunction df in interp.DebugFunctions)
        {
            DFunc f = df.Function;
            var info = new FunctionLayout
            {
                Name = f.Name,
                Function = f.Ir,
                Start = (nint)df.Base,
                Size = df.Size,
                FrameSetupEnd = Interpreter.DebugPrologueLength,
                PrologueEnd = Interpreter.DebugPrologueLength,
                SlotOffsets = f.SlotOffsets,
                SlotDynamicAlign = new int[f.SlotOffsets.Length],
                FrameSize = f.FrameSize,
            };
            info.EpilogueStarts.Add((int)(df.Epilogue - df.Base));
            info.Lines.AddRange(df.Lines);
            unit.AddFunction(CodeInfoBuilder.BuildFunction(unit, types, symbols, info));
        }

        return unit;
    }

    /// <summary>Static locals' addresses for <see cref="CodeInfoBuilder.BuildFunction"/>.</summary>
    private sealed class Symbols : IDataSymbols
    {
        private readonly Interpreter _interp;

        public Symbols(Interpreter interp)
        {
            _interp = interp;
        }

        public bool TryGetDataAddress(string name, out nint address)
        {
            address = (nint)_interp.GlobalAddress(name);
            return address != 0;
        }
    }
}
