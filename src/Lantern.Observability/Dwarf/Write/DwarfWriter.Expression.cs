using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

public static partial class DwarfWriter
{
    private sealed partial class UnitWriter
    {
        private static byte[] RegisterExpression(int register)
        {
            var b = new ByteBuilder(8);
            if (register < 32)
            {
                b.WriteByte((byte)(DwOp.Reg0 + register));      /* DW_OP_regN */
            }
            else
            {
                b.WriteByte(DwOp.Regx);                         /* DW_OP_regx */
                b.WriteULeb128((ulong)register);
            }

            return b.ToArray();
        }

        private static byte[] LocationExpression(VariableLocation location)
        {
            var b = new ByteBuilder(16);
            switch (location.Kind)
            {
                case VariableLocationKind.FrameOffset:
                    b.WriteByte(DwOp.Fbreg);                    /* DW_OP_fbreg */
                    b.WriteSLeb128(location.Value);
                    break;
                case VariableLocationKind.Register:
                    return RegisterExpression((int)location.Value);
                case VariableLocationKind.Address:
                    b.WriteByte(DwOp.Addr);                     /* DW_OP_addr */
                    b.WriteUInt64LittleEndian((ulong)location.Value);
                    break;
            }

            return b.ToArray();
        }
    }
}
