using System.Text;

namespace Lantern.Observability;

/// <summary>
/// A canonical text dump of a <see cref="CompilationUnitInfo"/> (one item per line, ids as t3/f1/s2), for dump
/// switches and for round-trip tests: two descriptions that print the same carry the same information. CFI rows
/// at or past the end of their function are left out (they cannot take effect).
/// </summary>
public static class CodeInfoPrinter
{
    public static string Print(CompilationUnitInfo unit)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"unit name={unit.Name} comp_dir={unit.CompDir} producer={unit.Producer} language=0x{unit.Language:x}");
        for (int i = 0; i < unit.Files.Count; i++)
        {
            sb.AppendLine($"  file f{i} {unit.Files[i]}");
        }

        for (int i = 0; i < unit.Types.Types.Count; i++)
        {
            sb.AppendLine($"  type t{i} {PrintType(unit.Types.Types[i])}");
            if (unit.Types.Types[i] is StructType { IsComplete: true } s)
            {
                foreach (MemberInfo m in s.Members)
                {
                    sb.AppendLine($"    member {m.Name ?? "<anon>"} {Id(m.Type)} " + (m.IsBitField ? $"bits={m.BitSize}@{m.BitOffset ?? m.Offset * 8}" : $"offset={m.Offset}"));
                }
            }
        }

        foreach (VariableInfo global in unit.Globals)
        {
            sb.AppendLine($"  global {PrintVariable(global)}");
        }

        foreach (CodeInfo f in unit.Functions)
        {
            sb.AppendLine($"  function {f.Name} linkage={f.LinkageName ?? "-"} address=0x{f.Address:x} size={f.Size} decl={Id(f.DeclFile)}:{f.DeclLine} returns={Id(f.ReturnType)} external={f.IsExternal} prototyped={f.IsPrototyped} frame_base={f.FrameBase.Kind}({f.FrameBase.Register})");
            PrintScope(sb, f, f.GetScope(f.RootScope), "    ");
            foreach (LineRow row in f.Lines)
            {
                sb.AppendLine($"    line +0x{row.Offset:x} {Id(row.File)}:{row.Line}:{row.Column} {row.Flags}");
            }

            foreach (CfiRow row in f.Cfi)
            {
                if (row.Offset < f.Size)
                {
                    sb.AppendLine($"    cfi +0x{row.Offset:x} {row.Op}");
                }
            }
        }

        return sb.ToString();
    }

    private static void PrintScope(StringBuilder sb, CodeInfo f, ScopeInfo scope, string indent)
    {
        sb.AppendLine($"{indent}scope [0x{scope.StartOffset:x}, 0x{scope.EndOffset:x})");
        foreach (VariableInfo v in scope.Variables)
        {
            sb.AppendLine($"{indent}  {(v.IsParameter ? "param" : "var")} {PrintVariable(v)}");
        }

        foreach (ScopeId child in scope.Children)
        {
            PrintScope(sb, f, f.GetScope(child), indent + "  ");
        }
    }

    private static string PrintVariable(VariableInfo v)
        => $"{v.Name} {Id(v.Type)} {v.Location} decl={Id(v.DeclFile)}:{v.DeclLine} external={v.IsExternal}"
            + (v.ValidFrom is not null || v.ValidTo is not null ? $" valid=[0x{v.ValidFrom ?? 0:x}, 0x{v.ValidTo:x})" : "");

    private static string PrintType(DebugType type) => type switch
    {
        BaseType b => $"base {b.Name} {b.Encoding} size={b.Size}",
        PointerType p => $"pointer to {Id(p.Target)} size={p.Size}",
        ArrayType a => $"array of {Id(a.Element)} [{string.Join(", ", a.Dimensions.Select(d => d?.ToString() ?? "?"))}]",
        StructType s => $"{(s.IsUnion ? "union" : "struct")} {s.Name ?? "<anon>"} " + (s.IsComplete ? $"size={s.Size}" : "incomplete"),
        EnumType e => $"enum {e.Name ?? "<anon>"} underlying={Id(e.Underlying)} size={e.Size} {{{string.Join(", ", e.Enumerators.Select(x => $"{x.Name}={x.Value}"))}}}",
        TypedefType t => $"typedef {t.Name} = {Id(t.Target)}",
        SubroutineType s => $"function returning {Id(s.Return)} ({string.Join(", ", s.Parameters.Select(p => Id(p)))}{(s.IsVariadic ? ", ..." : "")}) prototyped={s.IsPrototyped}",
        QualifiedType q => $"{q.Qualifier.ToString().ToLowerInvariant()} {Id(q.Target)}",
        _ => type.ToString() ?? "?",
    };

    private static string Id(object? id) => id?.ToString() ?? "-";
}
