namespace Lantern.C.Ir;

/// <summary>
/// Checks IR invariants after lowering (QBE-style: a verifier between passes). Returns the list of
/// problems; an empty list means the module is well formed. A problem here is a compiler bug.
/// </summary>
public static class IrVerifier
{
    public static List<string> Verify(IrModule module)
    {
        var errors = new List<string>();
        var names = new HashSet<string>();
        foreach (IrGlobal g in module.Globals)
        {
            if (!names.Add(g.Name))
            {
                errors.Add($"global @{g.Name}: defined twice");
            }

            if (g.Init is not null && g.Init.Length != g.Size)
            {
                errors.Add($"global @{g.Name}: initializer has {g.Init.Length} bytes, size is {g.Size}");
            }

            foreach (IrReloc r in g.Relocs)
            {
                if (r.Offset < 0 || r.Offset + 8 > g.Size)
                {
                    errors.Add($"global @{g.Name}: relocation at {r.Offset} outside the object");
                }
            }
        }

        foreach (IrFunction f in module.Functions)
        {
            if (!names.Add(f.Name))
            {
                errors.Add($"function @{f.Name}: defined twice");
            }

            VerifyFunction(f, errors);
        }

        return errors;
    }

    public static void VerifyFunction(IrFunction f, List<string> errors)
    {
        string where = "@" + f.Name;
        if (f.Blocks.Count == 0)
        {
            errors.Add($"{where}: no blocks");
            return;
        }

        if (f.ParamSlots.Count != f.Signature.Parameters.Count)
        {
            errors.Add($"{where}: {f.ParamSlots.Count} parameter slots for {f.Signature.Parameters.Count} parameters");
        }

        var defined = new bool[f.VRegTypes.Count];
        foreach (IrBlock b in f.Blocks)
        {
            foreach (Instr i in b.Instrs)
            {
                if (i.Dest >= 0 && i.Dest < defined.Length)
                {
                    defined[i.Dest] = true;
                }
            }
        }

        if (f.ReturnPointerVReg >= 0 && f.ReturnPointerVReg < defined.Length)
        {
            defined[f.ReturnPointerVReg] = true;
        }

        for (int bi = 0; bi < f.Blocks.Count; bi++)
        {
            IrBlock b = f.Blocks[bi];
            string bw = $"{where} .b{b.Id}";
            if (b.Id != bi)
            {
                errors.Add($"{bw}: block id does not match its index {bi}");
            }

            if (b.Instrs.Count == 0 || !b.Instrs[^1].IsTerminator)
            {
                errors.Add($"{bw}: does not end in a terminator");
            }

            for (int k = 0; k < b.Instrs.Count; k++)
            {
                Instr i = b.Instrs[k];
                var iw = new Where(bw, k, i);
                if (i.IsTerminator && k != b.Instrs.Count - 1)
                {
                    errors.Add($"{iw}: terminator in the middle of a block");
                }

                CheckVReg(f, defined, i.Dest, iw, errors, allowMissing: true);
                for (int o = 0; o < i.OperandCount; o++)
                {
                    CheckVReg(f, defined, i.Operand(o), iw, errors);
                }

                if (i.Dest >= 0 && i.Dest < f.VRegTypes.Count && i.Op != Opcode.Call && f.VRegTypes[i.Dest] != ResultType(i))
                {
                    errors.Add($"{iw}: result vreg has type {f.VRegTypes[i.Dest].Name()}, instruction produces {ResultType(i).Name()}");
                }

                CheckOperands(f, i, iw, errors);
                CheckTargets(f, i, iw, errors);
            }
        }
    }

    /// <summary>Names an instruction in a message; formatted only when a problem is reported (the verifier runs on every compile).</summary>
    private readonly record struct Where(string Block, int Index, Instr Instr)
    {
        public override string ToString() => $"{Block}[{Index}] '{IrPrinter.FormatInstr(Instr)}'";
    }

    private static IrType ResultType(Instr i) => i.Op switch
    {
        Opcode.SlotAddr or Opcode.SymAddr or Opcode.Alloca or Opcode.VaArg => IrType.I64,
        >= Opcode.Eq and <= Opcode.FGe => IrType.I32,
        _ => i.Type,
    };

    private static void CheckOperands(IrFunction f, Instr i, Where iw, List<string> errors)
    {
        IrType TypeOf(int v) => v >= 0 && v < f.VRegTypes.Count ? f.VRegTypes[v] : IrType.Void;
        switch (i.Op)
        {
            case Opcode.Add or Opcode.Sub or Opcode.Mul or Opcode.SDiv or Opcode.UDiv or Opcode.SRem or Opcode.URem
                or Opcode.And or Opcode.Or or Opcode.Xor or Opcode.Shl or Opcode.LShr or Opcode.AShr:
                if (!i.Type.IsInt() || TypeOf(i.A) != i.Type || TypeOf(i.B) != i.Type)
                {
                    errors.Add($"{iw}: integer operation needs two {i.Type.Name()} operands");
                }

                break;
            case Opcode.FAdd or Opcode.FSub or Opcode.FMul or Opcode.FDiv:
                if (!i.Type.IsFloat() || TypeOf(i.A) != i.Type || TypeOf(i.B) != i.Type)
                {
                    errors.Add($"{iw}: float operation needs two {i.Type.Name()} operands");
                }

                break;
            case >= Opcode.Eq and <= Opcode.FGe:
                if (TypeOf(i.A) != i.Type || TypeOf(i.B) != i.Type)
                {
                    errors.Add($"{iw}: comparison operands must both be {i.Type.Name()}");
                }

                break;
            case Opcode.Load or Opcode.Copy or Opcode.Zero or Opcode.VaStart or Opcode.VaArg:
                if (TypeOf(i.A) != IrType.I64)
                {
                    errors.Add($"{iw}: address operand must be i64");
                }

                break;
            case Opcode.Store:
                if (TypeOf(i.A) != IrType.I64 || TypeOf(i.B) != i.Type)
                {
                    errors.Add($"{iw}: store needs an i64 address and a {i.Type.Name()} value");
                }

                break;
            case Opcode.SlotAddr:
                if (i.Imm < 0 || i.Imm >= f.Slots.Count)
                {
                    errors.Add($"{iw}: no slot {i.Imm}");
                }

                break;
            case Opcode.SExt or Opcode.ZExt:
                if (!i.Type.IsInt() || !TypeOf(i.A).IsInt() || TypeOf(i.A).SizeOf() > i.Type.SizeOf())
                {
                    errors.Add($"{iw}: extension must widen an integer");
                }

                break;
            case Opcode.Trunc:
                if (!i.Type.IsInt() || !TypeOf(i.A).IsInt() || TypeOf(i.A).SizeOf() < i.Type.SizeOf())
                {
                    errors.Add($"{iw}: truncation must narrow an integer");
                }

                break;
            case Opcode.Call:
                if (i.Args is null || i.ArgTypes is null || i.Args.Length != i.ArgTypes.Length || i.Signature is null)
                {
                    errors.Add($"{iw}: call needs Args, ArgTypes of the same length and a Signature");
                }
                else if (i.Symbol is null && TypeOf(i.A) != IrType.I64)
                {
                    errors.Add($"{iw}: indirect call needs an i64 function pointer");
                }

                break;
            case Opcode.Ret:
                if (i.A >= 0 && TypeOf(i.A) != f.Signature.Return.Type)
                {
                    errors.Add($"{iw}: returns {TypeOf(i.A).Name()} from a function returning {f.Signature.Return}");
                }

                break;
        }
    }

    private static void CheckTargets(IrFunction f, Instr i, Where iw, List<string> errors)
    {
        // no lambda here: a closure over f would be allocated for every instruction verified
        int blocks = f.Blocks.Count;
        switch (i.Op)
        {
            case Opcode.Jump when Bad(i.Target, blocks):
            case Opcode.Branch when Bad(i.Target, blocks) || Bad(i.Target2, blocks):
            case Opcode.Switch when Bad(i.Target, blocks) || AnyBadCase(i, blocks):
                errors.Add($"{iw}: branch to a block that does not exist");
                break;
        }
    }

    private static bool Bad(int target, int blocks) => target < 0 || target >= blocks;

    private static bool AnyBadCase(Instr i, int blocks)
    {
        if (i.Cases is null)
        {
            return true;
        }

        foreach (var c in i.Cases)
        {
            if (Bad(c.Block, blocks))
            {
                return true;
            }
        }

        return false;
    }

    private static void CheckVReg(IrFunction f, bool[] defined, int v, Where iw, List<string> errors, bool allowMissing = false)
    {
        if (v < 0)
        {
            return;
        }

        if (v >= f.VRegTypes.Count)
        {
            errors.Add($"{iw}: vreg %{v} was never created");
        }
        else if (!allowMissing && !defined[v])
        {
            errors.Add($"{iw}: vreg %{v} is used but never assigned");
        }
    }
}
