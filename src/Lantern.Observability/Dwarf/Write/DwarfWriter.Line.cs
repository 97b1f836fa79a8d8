using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

public static partial class DwarfWriter
{
    /// <summary>Line program parameters (DWARF 5, 6.2.4).</summary>
    internal const sbyte LineBase = -5;
    internal const byte LineRange = 14;
    internal const byte OpcodeBase = 13;

    /// <summary>
    /// The line table's number for <paramref name="file"/> (DW_AT_decl_file, DW_LNS_set_file): DWARF 5 file 0 is
    /// the unit's primary file, so <see cref="FileId"/> k is file k + 1.
    /// </summary>
    private static ulong FileNumber(FileId file) => (ulong)file.Index + 1;

    private sealed partial class UnitWriter
    {
        /// <summary>.debug_line: a DWARF 5 line program for the unit (DWARF 5, 6.2).</summary>
        private void WriteLineProgram()
        {
            ByteBuilder l = _s.Line;
            Reservation unitLength = l.Reserve(4);              /* unit_length */
            l.WriteUInt16LittleEndian(5);                       /* version */
            l.WriteByte(8);                                     /* address_size */
            l.WriteByte(0);                                     /* segment_selector_size */
            Reservation headerLength = l.Reserve(4);            /* header_length */
            int headerStart = l.Count;
            l.WriteByte(1);                                     /* minimum_instruction_length */
            l.WriteByte(1);                                     /* maximum_operations_per_instruction */
            l.WriteByte(1);                                     /* default_is_stmt */
            l.WriteSByte(LineBase);                             /* line_base */
            l.WriteByte(LineRange);                             /* line_range */
            l.WriteByte(OpcodeBase);                            /* opcode_base */
            l.WriteBytes([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]); /* standard_opcode_lengths */

            // Directories: 0 is the compilation directory, then one per distinct directory of a file path.
            // Files: 0 is the primary file, then the unit's files in FileId order (see FileNumber).
            var directories = new List<string> { _unit.CompDir };
            var files = new List<(string Name, int Directory)> { (_unit.Name, 0) };
            foreach (string path in _unit.Files)
            {
                string directory = Path.GetDirectoryName(path) ?? "";
                int index = 0;
                if (directory.Length > 0)
                {
                    index = directories.IndexOf(directory, 1);
                    if (index < 0)
                    {
                        index = directories.Count;
                        directories.Add(directory);
                    }
                }

                files.Add((directory.Length > 0 ? Path.GetFileName(path) : path, index));
            }

            l.WriteByte(1);                                     /* directory_entry_format_count */
            l.WriteULeb128(DwLnct.Path);                        /* directory_entry_format: DW_LNCT_path */
            l.WriteULeb128(DwForm.LineStrp);                    /*                         DW_FORM_line_strp */
            l.WriteULeb128((ulong)directories.Count);           /* directories_count */
            foreach (string directory in directories)
            {
                l.WriteUInt32LittleEndian(_s.LineStr.Add(directory)); /* directory: path */
            }

            l.WriteByte(2);                                     /* file_name_entry_format_count */
            l.WriteULeb128(DwLnct.Path);                        /* file_name_entry_format: DW_LNCT_path */
            l.WriteULeb128(DwForm.LineStrp);                    /*                         DW_FORM_line_strp */
            l.WriteULeb128(DwLnct.DirectoryIndex);              /*                         DW_LNCT_directory_index */
            l.WriteULeb128(DwForm.Udata);                       /*                         DW_FORM_udata */
            l.WriteULeb128((ulong)files.Count);                 /* file_names_count */
            foreach ((string name, int directory) in files)
            {
                l.WriteUInt32LittleEndian(_s.LineStr.Add(name)); /* file: path */
                l.WriteULeb128((ulong)directory);               /* file: directory_index */
            }

            l.PatchUInt32LittleEndian(headerLength, (uint)(l.Count - headerStart));

            foreach (CodeInfo function in _unit.Functions.OrderBy(_addressOf))
            {
                if (function.Lines.Count > 0)
                {
                    WriteSequence(l, function);
                }
            }

            l.PatchLengthFrom(unitLength);
        }

        /// <summary>One sequence per function: set_address, rows, end_sequence (DWARF 5, 6.2.5).</summary>
        private void WriteSequence(ByteBuilder l, CodeInfo function)
        {
            l.WriteByte(0);                                     /* extended opcode */
            l.WriteULeb128(9);                                  /*   length */
            l.WriteByte(DwLne.SetAddress);                      /*   DW_LNE_set_address */
            l.WriteUInt64LittleEndian(_addressOf(function));    /*   address */

            // The state machine's registers at the start of a sequence.
            ulong address = 0;
            ulong file = 1;
            long line = 1;
            ulong column = 0;
            bool isStmt = true;
            foreach (LineRow row in function.Lines)
            {
                ulong rowFile = FileNumber(row.File);
                if (rowFile != file)
                {
                    l.WriteByte(DwLns.SetFile);                 /* DW_LNS_set_file */
                    l.WriteULeb128(rowFile);
                    file = rowFile;
                }

                if ((ulong)row.Column != column)
                {
                    l.WriteByte(DwLns.SetColumn);               /* DW_LNS_set_column */
                    l.WriteULeb128((ulong)row.Column);
                    column = (ulong)row.Column;
                }

                bool rowIsStmt = (row.Flags & LineFlags.IsStatement) != 0;
                if (rowIsStmt != isStmt)
                {
                    l.WriteByte(DwLns.NegateStmt);              /* DW_LNS_negate_stmt */
                    isStmt = rowIsStmt;
                }

                if ((row.Flags & LineFlags.PrologueEnd) != 0)
                {
                    l.WriteByte(DwLns.SetPrologueEnd);          /* DW_LNS_set_prologue_end */
                }

                if ((row.Flags & LineFlags.EpilogueBegin) != 0)
                {
                    l.WriteByte(DwLns.SetEpilogueBegin);        /* DW_LNS_set_epilogue_begin */
                }

                ulong addressDelta = row.Offset - address;
                long lineDelta = row.Line - line;
                if (lineDelta < LineBase || lineDelta >= LineBase + LineRange)
                {
                    l.WriteByte(DwLns.AdvanceLine);             /* DW_LNS_advance_line */
                    l.WriteSLeb128(lineDelta);
                    lineDelta = 0;
                }

                ulong opcode = (ulong)(lineDelta - LineBase) + (LineRange * addressDelta) + OpcodeBase;
                if (opcode <= 255)
                {
                    l.WriteByte((byte)opcode);                  /* special opcode */
                }
                else
                {
                    l.WriteByte(DwLns.AdvancePc);               /* DW_LNS_advance_pc */
                    l.WriteULeb128(addressDelta);
                    if (lineDelta != 0)
                    {
                        l.WriteByte((byte)(lineDelta - LineBase + OpcodeBase)); /* special opcode, address advance 0 */
                    }
                    else
                    {
                        l.WriteByte(DwLns.Copy);                /* DW_LNS_copy */
                    }
                }

                address = row.Offset;
                line = row.Line;
            }

            l.WriteByte(DwLns.AdvancePc);                       /* DW_LNS_advance_pc: to the end of the function */
            l.WriteULeb128(function.Size - address);
            l.WriteByte(0);                                     /* extended opcode */
            l.WriteULeb128(1);                                  /*   length */
            l.WriteByte(DwLne.EndSequence);                     /*   DW_LNE_end_sequence */
        }
    }
}
