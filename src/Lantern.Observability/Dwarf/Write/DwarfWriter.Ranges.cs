using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

public static partial class DwarfWriter
{
    private sealed partial class UnitWriter
    {
        private int _loclistsStart = -1;
        private Reservation _loclistsLength;

        /// <summary>A location list with one bounded entry (DWARF 5, 2.6.2, 7.29); the first one writes the header.</summary>
        private uint WriteLocationList(ulong start, ulong length, byte[] expression)
        {
            ByteBuilder l = _s.Loclists;
            if (_loclistsStart < 0)
            {
                _loclistsStart = l.Count;
                _loclistsLength = l.Reserve(4);                 /* unit_length */
                l.WriteUInt16LittleEndian(5);                   /* version */
                l.WriteByte(8);                                 /* address_size */
                l.WriteByte(0);                                 /* segment_selector_size */
                l.WriteUInt32LittleEndian(0);                   /* offset_entry_count */
            }

            uint offset = (uint)l.Count;
            l.WriteByte(DwLle.StartLength);                     /* DW_LLE_start_length */
            l.WriteUInt64LittleEndian(start);                   /*   starting address */
            l.WriteULeb128(length);                             /*   length */
            l.WriteULeb128((ulong)expression.Length);           /*   counted location description: length */
            l.WriteBytes(expression);                           /*   expression */
            l.WriteByte(DwLle.EndOfList);                       /* DW_LLE_end_of_list */
            l.PatchLengthFrom(_loclistsLength);
            return offset;
        }

        /// <summary>The unit's address ranges in .debug_rnglists when it has several functions (DWARF 5, 2.17.3, 7.25).</summary>
        private uint? WriteRangeList()
        {
            if (_unit.Functions.Count < 2)
            {
                return null;
            }

            ByteBuilder r = _s.Rnglists;
            Reservation length = r.Reserve(4);                  /* unit_length */
            r.WriteUInt16LittleEndian(5);                       /* version */
            r.WriteByte(8);                                     /* address_size */
            r.WriteByte(0);                                     /* segment_selector_size */
            r.WriteUInt32LittleEndian(0);                       /* offset_entry_count */
            uint offset = (uint)r.Count;
            foreach (CodeInfo function in _unit.Functions.OrderBy(_addressOf))
            {
                r.WriteByte(DwRle.StartLength);                 /* DW_RLE_start_length */
                r.WriteUInt64LittleEndian(_addressOf(function)); /*   starting address */
                r.WriteULeb128(function.Size);                  /*   length */
            }

            r.WriteByte(DwRle.EndOfList);                       /* DW_RLE_end_of_list */
            r.PatchLengthFrom(length);
            return offset;
        }

        /// <summary>.debug_aranges set for the unit (DWARF 5, 6.1.2).</summary>
        private void WriteAranges(uint infoOffset)
        {
            ByteBuilder a = _s.Aranges;
            int start = a.Count;
            Reservation length = a.Reserve(4);                  /* unit_length */
            a.WriteUInt16LittleEndian(2);                       /* version */
            a.WriteUInt32LittleEndian(infoOffset);              /* debug_info_offset */
            a.WriteByte(8);                                     /* address_size */
            a.WriteByte(0);                                     /* segment_selector_size */
            while ((a.Count - start) % 16 != 0)
            {
                a.WriteByte(0);                                 /* padding to a tuple boundary */
            }

            foreach (CodeInfo function in _unit.Functions.OrderBy(_addressOf))
            {
                a.WriteUInt64LittleEndian(_addressOf(function)); /* address */
                a.WriteUInt64LittleEndian(function.Size);       /* length */
            }

            a.WriteUInt64LittleEndian(0);                       /* terminating address */
            a.WriteUInt64LittleEndian(0);                       /* terminating length */
            a.PatchLengthFrom(length);
        }
    }
}
