using System.Globalization;
using System.Text;

namespace Lantern.C.Ir;

/// <summary>Prints IR as text (<c>--dump-ir</c>).</summary>
public static class IrPrinter
{
    public static string Print(IrModule module)
    {
        var sb = new StringBuilder();
        foreach (IrExtern e in module.Externs)
        {
            sb.Append("extern ").Append(e.IsFunction ? "func " : "data ").Append(e.Name);
            if (e.Signature is not null)
            {
                sb.Append(' ').Append(e.Signature);
            }

            sb.Append('\n');
        }

        foreach (IrGlobal g in module.Globals)
        {
            PrintGlobal(sb, g);
        }

        foreach (IrFunction f in module.Functions)
        {
            sb.Append('\n');
            PrintFunction(sb, f);
        }

        return sb.ToString();
    }

    public static void PrintGlobal(StringBuilder sb, IrGlobal g)
    {
        sb.Append(g.IsStatic ? "static " : "global ").Append(g.IsReadOnly ? "const " : "").Append('@').Append(g.Name)
            .Append(" size ").Append(g.Size).Append(" align ").Append(g.Align);
        if (g.Init is not null)
        {
            sb.Append(" = ");
            int n = Math.Min(g.Init.Length, 32);
            for (int i = 0; i < n; i++)
            {
                sb.Append(g.Init[i].ToString("x2", CultureInfo.InvariantCulture));
            }

            if (g.Init.Length > n)
            {
                sb.Append("...");
            }
        }

        foreach (IrReloc r in g.Relocs)
        {
            sb.Append(" [+").Append(r.Offset).Append(": @").Append(r.Symbol);
            if (r.Addend != 0)
            {
                sb.Append(r.Addend > 0 ? "+" : "").Append(r.Addend);
            }

            sb.Append(']');
        }

        sb.Append('\n');
    }

    public static string PrintFunction(IrFunction f)
    {
        var sb = new StringBuilder();
        PrintFunction(sb, f);
        return sb.ToString();
    }

    public static void PrintFunction(StringBuilder sb, IrFunction f)
    {
        sb.Append(f.IsStatic ? "static " : "").Append("func @").Append(f.Name).Append(' ').Append(f.Signature);
        sb.Append("  ; ").Append(f.Location).Append('\n');
        foreach (IrSlot s in f.Slots)
        {
            sb.Append("  slot ").Append(s.Id).Append(" size ").Append(s.Size).Append(" align ").Append(s.Align);
            if (s.Name is not null)
            {
                sb.Append("  ; ").Append(s.Name);
            }

            sb.Append('\n');
        }

        if (f.ParamSlots.Count > 0)
        {
            sb.Append("  params ").Append(string.Join(", ", f.ParamSlots.Select(p => "slot " + p))).Append('\n');
        }

        if (f.ReturnPointerVReg >= 0)
        {
            sb.Append("  retptr %").Append(f.ReturnPointerVReg).Append('\n');
        }

        foreach (IrScope sc in f.Scopes)
        {
            sb.Append("  scope ").Append(sc.Id).Append(" parent ").Append(sc.Parent);
            foreach (IrVariable v in sc.Variables)
            {
                sb.Append(' ').Append(v.Name).Append(':').Append(v.Kind.ToString().ToLowerInvariant());
                if (v.Slot >= 0)
                {
                    sb.Append("@slot").Append(v.Slot);
                }
                else if (v.Symbol is not null)
                {
                    sb.Append("@").Append(v.Symbol);
                }
            }

            sb.Append('\n');
        }

        foreach (IrBlock b in f.Blocks)
        {
            sb.Append(".b").Append(b.Id);
            if (b.Name is not null)
            {
                sb.Append(" (").Append(b.Name).Append(')');
            }

            sb.Append(":\n");
            foreach (Instr i in b.Instrs)
            {
                sb.Append("    ").Append(FormatInstr(i)).Append('\n');
            }
        }
    }

    public static string FormatInstr(Instr i)
    {
        var sb = new StringBuilder();
        if (i.Dest >= 0)
        {
            sb.Append('%').Append(i.Dest).Append(" = ");
        }

        string op = i.Op.ToString().ToLowerInvariant();
        switch (i.Op)
        {
            case Opcode.Const:
                sb.Append("const ").Append(i.Type.Name()).Append(' ');
                if (i.Type.IsFloat())
                {
                    sb.Append(BitConverter.Int64BitsToDouble(i.Imm).ToString("R", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append(i.Imm);
                }

                break;
            case Opcode.SlotAddr:
                sb.Append("slotaddr ").Append(i.Imm);
                break;
            case Opcode.SymAddr:
                sb.Append("symaddr @").Append(i.Symbol);
                if (i.Imm != 0)
                {
                    sb.Append(i.Imm > 0 ? "+" : "").Append(i.Imm);
                }

                break;
            case Opcode.Copy:
            case Opcode.Zero:
                sb.Append(op).Append(' ').Append(V(i.A));
                if (i.Op == Opcode.Copy)
                {
                    sb.Append(", ").Append(V(i.B));
                }

                sb.Append(", ").Append(i.Imm);
                break;
            case Opcode.Alloca:
                sb.Append("alloca ").Append(V(i.A)).Append(", align ").Append(i.Imm);
                break;
            case Opcode.Call:
                sb.Append("call ").Append(i.Type.Name()).Append(' ');
                sb.Append(i.Symbol is not null ? "@" + i.Symbol : V(i.A));
                sb.Append('(');
                if (i.Args is not null)
                {
                    for (int k = 0; k < i.Args.Length; k++)
                    {
                        if (k > 0)
                        {
                            sb.Append(", ");
                        }

                        sb.Append(i.ArgTypes is not null && k < i.ArgTypes.Length ? i.ArgTypes[k].ToString() : "?").Append(' ').Append(V(i.Args[k]));
                    }
                }

                sb.Append(')');
                if (i.B >= 0)
                {
                    sb.Append(" -> ").Append(V(i.B));
                }

                if (i.Signature is not null)
                {
                    sb.Append("  ; ").Append(i.Signature);
                }

                break;
            case Opcode.VaArg:
                sb.Append("vaarg ").Append(V(i.A)).Append(", ").Append(i.Imm).Append(", ").Append(i.ArgClass.ToString().ToLowerInvariant());
                break;
            case Opcode.Jump:
                sb.Append("jump .b").Append(i.Target);
                break;
            case Opcode.Branch:
                sb.Append("branch ").Append(V(i.A)).Append(", .b").Append(i.Target).Append(", .b").Append(i.Target2);
                break;
            case Opcode.Switch:
                sb.Append("switch ").Append(i.Type.Name()).Append(' ').Append(V(i.A)).Append(" [");
                if (i.Cases is not null)
                {
                    sb.Append(string.Join(", ", i.Cases.Select(c => c.Value + ": .b" + c.Block)));
                }

                sb.Append("] default .b").Append(i.Target);
                break;
            case Opcode.Ret:
                sb.Append("ret");
                if (i.A >= 0)
                {
                    sb.Append(' ').Append(i.Type.Name()).Append(' ').Append(V(i.A));
                }

                break;
            case Opcode.Trap:
                sb.Append("trap");
                break;
            case Opcode.Stmt:
                sb.Append("stmt ").Append(i.Location).Append(" scope ").Append(i.Imm);
                break;
            default:
                sb.Append(op).Append(' ').Append(i.Type.Name());
                foreach (int v in new[] { i.A, i.B, i.C })
                {
                    if (v >= 0)
                    {
                        sb.Append(' ').Append(V(v));
                    }
                }

                break;
        }

        return sb.ToString();
    }

    private static string V(int v) => "%" + v.ToString(CultureInfo.InvariantCulture);
}
