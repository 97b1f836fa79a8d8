using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Read;

/// <summary>The shape of a simple location expression.</summary>
public enum LocationKind
{
    /// <summary>Memory at frame base + <see cref="SimpleLocation.Offset"/> (DW_OP_fbreg).</summary>
    FrameBaseOffset,
    /// <summary>In register <see cref="SimpleLocation.Register"/> (DW_OP_regN, DW_OP_regx).</summary>
    Register,
    /// <summary>Memory at <see cref="SimpleLocation.Address"/> (DW_OP_addr).</summary>
    Address,
    /// <summary>Memory at register + offset (DW_OP_bregN, DW_OP_bregx).</summary>
    RegisterOffset,
    /// <summary>The CFA (DW_OP_call_frame_cfa), as used by DW_AT_frame_base.</summary>
    CallFrameCfa,
    /// <summary>Anything else: evaluate <see cref="SimpleLocation.Expression"/> with <see cref="DwarfExpression.Evaluate"/>.</summary>
    Other,
}

/// <summary>A decoded location expression.</summary>
public readonly record struct SimpleLocation(LocationKind Kind, long Offset, ulong Register, ulong Address, byte[] Expression);

/// <summary>Decoding and evaluation of DWARF expressions (DWARF 5, 2.5, 2.6) for the common cases.</summary>
public static class DwarfExpression
{
    /// <summary>Recognises the one-operation expressions compilers use for variables and frame bases.</summary>
    public static SimpleLocation Decode(byte[] expression)
    {
        var r = new ByteReader(expression);
        try
        {
            if (expression.Length == 0)
            {
                return new SimpleLocation(LocationKind.Other, 0, 0, 0, expression);
            }

            byte op = r.ReadByte();
            SimpleLocation result;
            if (op == DwOp.Fbreg)
            {
                result = new SimpleLocation(LocationKind.FrameBaseOffset, r.ReadSLeb128(), 0, 0, expression);
            }
            else if (op >= DwOp.Reg0 && op < DwOp.Reg0 + 32)
            {
                result = new SimpleLocation(LocationKind.Register, 0, (ulong)(op - DwOp.Reg0), 0, expression);
            }
            else if (op == DwOp.Regx)
            {
                result = new SimpleLocation(LocationKind.Register, 0, r.ReadULeb128(), 0, expression);
            }
            else if (op >= DwOp.Breg0 && op < DwOp.Breg0 + 32)
            {
                result = new SimpleLocation(LocationKind.RegisterOffset, r.ReadSLeb128(), (ulong)(op - DwOp.Breg0), 0, expression);
            }
            else if (op == DwOp.Bregx)
            {
                ulong register = r.ReadULeb128();
                result = new SimpleLocation(LocationKind.RegisterOffset, r.ReadSLeb128(), register, 0, expression);
            }
            else if (op == DwOp.Addr)
            {
                result = new SimpleLocation(LocationKind.Address, 0, 0, r.ReadUInt64(), expression);
            }
            else if (op == DwOp.CallFrameCfa)
            {
                result = new SimpleLocation(LocationKind.CallFrameCfa, 0, 0, 0, expression);
            }
            else
            {
                return new SimpleLocation(LocationKind.Other, 0, 0, 0, expression);
            }

            return r.AtEnd ? result : new SimpleLocation(LocationKind.Other, 0, 0, 0, expression);
        }
        catch (FormatException)
        {
            return new SimpleLocation(LocationKind.Other, 0, 0, 0, expression);
        }
    }

    /// <summary>
    /// Evaluates a location expression to a memory address (or, for a register location, returns null and sets
    /// <paramref name="register"/>). Supports the stack operations compilers use for variables at -O0.
    /// </summary>
    /// <param name="readRegister">Reads a DWARF register of the frame.</param>
    /// <param name="frameBase">The frame base value (for DW_OP_fbreg).</param>
    /// <param name="cfa">The CFA (for DW_OP_call_frame_cfa).</param>
    /// <exception cref="NotSupportedException">An operation outside the supported set.</exception>
    public static ulong? Evaluate(byte[] expression, Func<ulong, ulong> readRegister, ulong frameBase, ulong cfa, out ulong? register)
    {
        register = null;
        var stack = new Stack<ulong>();
        var r = new ByteReader(expression);
        while (!r.AtEnd)
        {
            byte op = r.ReadByte();
            if (op >= DwOp.Lit0 && op < DwOp.Lit0 + 32)
            {
                stack.Push((ulong)(op - DwOp.Lit0));
            }
            else if (op >= DwOp.Reg0 && op < DwOp.Reg0 + 32)
            {
                register = (ulong)(op - DwOp.Reg0);
                return null;
            }
            else if (op >= DwOp.Breg0 && op < DwOp.Breg0 + 32)
            {
                stack.Push(readRegister((ulong)(op - DwOp.Breg0)) + (ulong)r.ReadSLeb128());
            }
            else
            {
                switch (op)
                {
                    case DwOp.Regx:
                        register = r.ReadULeb128();
                        return null;
                    case DwOp.Bregx:
                    {
                        ulong reg = r.ReadULeb128();
                        stack.Push(readRegister(reg) + (ulong)r.ReadSLeb128());
                        break;
                    }
                    case DwOp.Fbreg:
                        stack.Push(frameBase + (ulong)r.ReadSLeb128());
                        break;
                    case DwOp.Addr:
                        stack.Push(r.ReadUInt64());
                        break;
                    case DwOp.CallFrameCfa:
                        stack.Push(cfa);
                        break;
                    case DwOp.Const1u:
                        stack.Push(r.ReadByte());
                        break;
                    case DwOp.Const1s:
                        stack.Push((ulong)(long)r.ReadSByte());
                        break;
                    case DwOp.Constu:
                        stack.Push(r.ReadULeb128());
                        break;
                    case DwOp.Consts:
                        stack.Push((ulong)r.ReadSLeb128());
                        break;
                    case DwOp.PlusUconst:
                        stack.Push(stack.Pop() + r.ReadULeb128());
                        break;
                    case DwOp.Plus:
                        stack.Push(stack.Pop() + stack.Pop());
                        break;
                    default:
                        throw new NotSupportedException($"DWARF expression operation 0x{op:x} is not supported");
                }
            }
        }

        return stack.Count > 0 ? stack.Peek() : throw new FormatException("empty DWARF expression");
    }
}
