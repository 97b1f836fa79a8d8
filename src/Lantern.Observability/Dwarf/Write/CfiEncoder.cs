using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

/// <summary>Encodes <see cref="CfiRow"/>s as DWARF call frame instructions (shared by .debug_frame and .eh_frame).</summary>
internal static class CfiEncoder
{
    /// <summary>code_alignment_factor of our CIEs.</summary>
    public const ulong CodeAlignment = 1;

    /// <summary>data_alignment_factor of our CIEs.</summary>
    public const long DataAlignment = -8;

    /// <summary>The CIE's initial instructions: at a call, CFA = rsp + 8 and the return address is at CFA - 8.</summary>
    public static void WriteInitialInstructions(ByteBuilder b)
    {
        b.WriteByte(DwCfa.DefCfa);                        /* DW_CFA_def_cfa */
        b.WriteULeb128(X64Registers.Rsp);                     /*   register: rsp */
        b.WriteULeb128(8);                                /*   offset */
        b.WriteByte((byte)(DwCfa.Offset | X64Registers.ReturnAddress)); /* DW_CFA_offset: return address */
        b.WriteULeb128(1);                                /*   factored offset: CFA - 8 */
    }

    /// <summary>Writes the rows of a function of <paramref name="size"/> bytes, dropping rows at or past its end.</summary>
    public static void WriteRows(ByteBuilder b, IReadOnlyList<CfiRow> rows, uint size)
    {
        uint location = 0;
        foreach (CfiRow row in rows)
        {
            if (row.Offset >= size)
            {
                break;
            }

            if (row.Offset > location)
            {
                WriteAdvance(b, row.Offset - location);
                location = row.Offset;
            }

            WriteOp(b, row.Op);
        }
    }

    private static void WriteAdvance(ByteBuilder b, uint delta)
    {
        if (delta < 0x40)
        {
            b.WriteByte((byte)(DwCfa.AdvanceLoc | delta));   /* DW_CFA_advance_loc */
        }
        else if (delta <= byte.MaxValue)
        {
            b.WriteByte(DwCfa.AdvanceLoc1);                  /* DW_CFA_advance_loc1 */
            b.WriteByte((byte)delta);
        }
        else if (delta <= ushort.MaxValue)
        {
            b.WriteByte(DwCfa.AdvanceLoc2);                  /* DW_CFA_advance_loc2 */
            b.WriteUInt16LittleEndian((ushort)delta);
        }
        else
        {
            b.WriteByte(DwCfa.AdvanceLoc4);                  /* DW_CFA_advance_loc4 */
            b.WriteUInt32LittleEndian(delta);
        }
    }

    private static void WriteOp(ByteBuilder b, CfiOp op)
    {
        switch (op)
        {
            case CfiOp.DefCfa(int register, long offset) when offset >= 0:
                b.WriteByte(DwCfa.DefCfa);                    /* DW_CFA_def_cfa */
                b.WriteULeb128((ulong)register);
                b.WriteULeb128((ulong)offset);
                break;
            case CfiOp.DefCfa(int register, long offset):
                b.WriteByte(DwCfa.DefCfaSf);                  /* DW_CFA_def_cfa_sf */
                b.WriteULeb128((ulong)register);
                b.WriteSLeb128(Factor(offset));
                break;
            case CfiOp.DefCfaRegister(int register):
                b.WriteByte(DwCfa.DefCfaRegister);            /* DW_CFA_def_cfa_register */
                b.WriteULeb128((ulong)register);
                break;
            case CfiOp.DefCfaOffset(long offset) when offset >= 0:
                b.WriteByte(DwCfa.DefCfaOffset);              /* DW_CFA_def_cfa_offset */
                b.WriteULeb128((ulong)offset);
                break;
            case CfiOp.DefCfaOffset(long offset):
                b.WriteByte(DwCfa.DefCfaOffsetSf);            /* DW_CFA_def_cfa_offset_sf */
                b.WriteSLeb128(Factor(offset));
                break;
            case CfiOp.SavedAt(int register, long cfaOffset):
                long factored = Factor(cfaOffset);
                if (factored >= 0 && register < 0x40)
                {
                    b.WriteByte((byte)(DwCfa.Offset | register)); /* DW_CFA_offset */
                    b.WriteULeb128((ulong)factored);
                }
                else
                {
                    b.WriteByte(DwCfa.OffsetExtendedSf);      /* DW_CFA_offset_extended_sf */
                    b.WriteULeb128((ulong)register);
                    b.WriteSLeb128(factored);
                }

                break;
            case CfiOp.Restore(int register) when register < 0x40:
                b.WriteByte((byte)(DwCfa.Restore | register)); /* DW_CFA_restore */
                break;
            case CfiOp.Restore(int register):
                b.WriteByte(DwCfa.RestoreExtended);           /* DW_CFA_restore_extended */
                b.WriteULeb128((ulong)register);
                break;
            case CfiOp.SameValue(int register):
                b.WriteByte(DwCfa.SameValue);                 /* DW_CFA_same_value */
                b.WriteULeb128((ulong)register);
                break;
            case CfiOp.RememberState:
                b.WriteByte(DwCfa.RememberState);             /* DW_CFA_remember_state */
                break;
            case CfiOp.RestoreState:
                b.WriteByte(DwCfa.RestoreState);              /* DW_CFA_restore_state */
                break;
            default:
                throw new ArgumentException($"unsupported CFI operation {op}", nameof(op));
        }
    }

    private static long Factor(long offset)
    {
        if (offset % DataAlignment != 0)
        {
            throw new ArgumentException($"CFA offset {offset} is not a multiple of the data alignment {DataAlignment}");
        }

        return offset / DataAlignment;
    }
}
