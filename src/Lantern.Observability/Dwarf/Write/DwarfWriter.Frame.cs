using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

public static partial class DwarfWriter
{
    /// <summary>.debug_frame: one CIE, then an FDE per function with CFI (DWARF 5, 6.4.1).</summary>
    private static void WriteDebugFrame(ByteBuilder b, IEnumerable<CodeInfo> functions, Func<CodeInfo, ulong> addressOf)
    {
        int cieOffset = b.Count;
        Reservation cieLength = b.Reserve(4);                   /* length */
        b.WriteUInt32LittleEndian(0xffffffff);                  /* CIE_id */
        b.WriteByte(4);                                         /* version */
        b.WriteCString("");                                     /* augmentation */
        b.WriteByte(8);                                         /* address_size */
        b.WriteByte(0);                                         /* segment_selector_size */
        b.WriteULeb128(CfiEncoder.CodeAlignment);               /* code_alignment_factor */
        b.WriteSLeb128(CfiEncoder.DataAlignment);               /* data_alignment_factor */
        b.WriteULeb128(X64Registers.ReturnAddress);                 /* return_address_register */
        CfiEncoder.WriteInitialInstructions(b);                 /* initial_instructions */
        b.Align(8, DwCfa.Nop);                                  /* padding */
        b.PatchLengthFrom(cieLength);

        foreach (CodeInfo function in functions)
        {
            Reservation fdeLength = b.Reserve(4);               /* length */
            b.WriteUInt32LittleEndian((uint)cieOffset);         /* CIE_pointer */
            b.WriteUInt64LittleEndian(addressOf(function));     /* initial_location */
            b.WriteUInt64LittleEndian(function.Size);           /* address_range */
            CfiEncoder.WriteRows(b, function.Cfi, function.Size); /* instructions */
            b.Align(8, DwCfa.Nop);                              /* padding */
            b.PatchLengthFrom(fdeLength);
        }
    }
}
