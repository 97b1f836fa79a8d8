using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

/// <summary>One function for .eh_frame: its address where the .eh_frame will be loaded, size and CFI rows.</summary>
public readonly record struct EhFrameFunction(ulong Address, uint Size, IReadOnlyList<CfiRow> Cfi);

/// <summary>The bytes of an .eh_frame and, for .eh_frame_hdr, where each FDE landed.</summary>
public sealed class EhFrame
{
    internal EhFrame(byte[] bytes, ulong address, IReadOnlyList<(ulong InitialLocation, ulong FdeAddress)> fdes)
    {
        Bytes = bytes;
        Address = address;
        Fdes = fdes;
    }

    /// <summary>The section contents, ending with a zero terminator (as <c>__register_frame</c> expects).</summary>
    public byte[] Bytes { get; }

    /// <summary>The address the section was encoded for.</summary>
    public ulong Address { get; }

    /// <summary>For each FDE: the first code address it covers and the FDE's own address.</summary>
    public IReadOnlyList<(ulong InitialLocation, ulong FdeAddress)> Fdes { get; }
}

/// <summary>
/// Writes .eh_frame (LSB "Exception Frames": CIE with augmentation "zR", FDE pointers DW_EH_PE_pcrel|sdata4) and
/// .eh_frame_hdr (with the sorted binary search table). Both embed PC-relative pointers, so they are encoded for
/// the address they will be loaded at.
/// </summary>
public static class EhFrameWriter
{
    /// <summary>The usual FDE pointer encoding: 4-byte signed, relative to the field's own address.</summary>
    public const byte PointerEncoding = DwEhPe.Pcrel | DwEhPe.Sdata4;

    /// <summary>The wide FDE pointer encoding: 8-byte signed, relative to the field's own address.</summary>
    public const byte WidePointerEncoding = DwEhPe.Pcrel | DwEhPe.Sdata8;

    /// <summary>Encodes .eh_frame for loading at <paramref name="sectionAddress"/>.</summary>
    /// <param name="functions">The functions, with the addresses their code has when the section is in use.</param>
    /// <param name="sectionAddress">Where the section's first byte will be.</param>
    /// <param name="widePointers">
    /// Encode pc_begin/pc_range in 8 bytes (<see cref="WidePointerEncoding"/>) instead of 4. libgcc's
    /// <c>__register_frame</c> ignores an FDE whose 4-byte pc_begin has all 32 low bits zero (it takes it for a
    /// discarded link-once function), so code starting at a 4 GiB boundary needs the wide form. Null (the default)
    /// picks the wide form exactly when some function starts at such an address.
    /// </param>
    public static EhFrame Write(IEnumerable<EhFrameFunction> functions, ulong sectionAddress, bool? widePointers = null)
    {
        List<EhFrameFunction> list = functions.ToList();
        bool wide = widePointers ?? list.Any(f => (f.Address & 0xffff_ffff) == 0);
        byte encoding = wide ? WidePointerEncoding : PointerEncoding;
        var b = new ByteBuilder();
        int cieOffset = b.Count;
        Reservation cieLength = b.Reserve(4);                   /* length */
        b.WriteUInt32LittleEndian(0);                           /* CIE_id */
        b.WriteByte(1);                                         /* version */
        b.WriteCString("zR");                                   /* augmentation */
        b.WriteULeb128(CfiEncoder.CodeAlignment);               /* code_alignment_factor */
        b.WriteSLeb128(CfiEncoder.DataAlignment);               /* data_alignment_factor */
        b.WriteULeb128(X64Registers.ReturnAddress);                 /* return_address_register */
        b.WriteULeb128(1);                                      /* augmentation data length */
        b.WriteByte(encoding);                                  /* R: FDE pointer encoding */
        CfiEncoder.WriteInitialInstructions(b);                 /* initial_instructions */
        b.Align(8, DwCfa.Nop);                                  /* padding */
        b.PatchLengthFrom(cieLength);

        var fdes = new List<(ulong, ulong)>();
        foreach (EhFrameFunction function in list)
        {
            int fdeOffset = b.Count;
            Reservation fdeLength = b.Reserve(4);               /* length */
            b.WriteUInt32LittleEndian((uint)(b.Count - cieOffset)); /* CIE_pointer: distance back to the CIE */
            ulong field = sectionAddress + (ulong)b.Count;
            if (wide)
            {
                b.WriteInt64LittleEndian(unchecked((long)(function.Address - field))); /* pc_begin (pcrel sdata8) */
                b.WriteUInt64LittleEndian(function.Size);       /* pc_range (sdata8) */
            }
            else
            {
                b.WriteInt32LittleEndian(checked((int)unchecked((long)(function.Address - field)))); /* pc_begin (pcrel sdata4) */
                b.WriteUInt32LittleEndian(function.Size);       /* pc_range (sdata4) */
            }

            b.WriteULeb128(0);                                  /* augmentation data length */
            CfiEncoder.WriteRows(b, function.Cfi, function.Size); /* instructions */
            b.Align(8, DwCfa.Nop);                              /* padding */
            b.PatchLengthFrom(fdeLength);
            fdes.Add((function.Address, sectionAddress + (ulong)fdeOffset));
        }

        b.WriteUInt32LittleEndian(0);                           /* terminator: zero length */
        return new EhFrame(b.ToArray(), sectionAddress, fdes);
    }

    /// <summary>
    /// The size of the .eh_frame_hdr <see cref="WriteHeader"/> writes for <paramref name="fdeCount"/> FDEs (known
    /// before the addresses are: a writer lays out the sections after it).
    /// </summary>
    public static int HeaderSize(int fdeCount) => 4 + 4 + 4 + 8 * fdeCount; // version and encodings, eh_frame_ptr, fde_count, table

    /// <summary>Encodes .eh_frame_hdr for loading at <paramref name="headerAddress"/>, describing <paramref name="ehFrame"/>.</summary>
    public static byte[] WriteHeader(EhFrame ehFrame, ulong headerAddress)
    {
        var b = new ByteBuilder();
        b.WriteByte(1);                                         /* version */
        b.WriteByte(DwEhPe.Pcrel | DwEhPe.Sdata4);              /* eh_frame_ptr_enc */
        b.WriteByte(DwEhPe.Udata4);                             /* fde_count_enc */
        b.WriteByte(DwEhPe.Datarel | DwEhPe.Sdata4);            /* table_enc */
        ulong field = headerAddress + (ulong)b.Count;
        b.WriteInt32LittleEndian(checked((int)unchecked((long)(ehFrame.Address - field)))); /* eh_frame_ptr */
        b.WriteUInt32LittleEndian((uint)ehFrame.Fdes.Count);    /* fde_count */
        foreach ((ulong location, ulong fde) in ehFrame.Fdes.OrderBy(f => f.InitialLocation))
        {
            b.WriteInt32LittleEndian(checked((int)unchecked((long)(location - headerAddress)))); /* initial_location (datarel) */
            b.WriteInt32LittleEndian(checked((int)unchecked((long)(fde - headerAddress))));      /* address (datarel) */
        }

        return b.ToArray();
    }
}
