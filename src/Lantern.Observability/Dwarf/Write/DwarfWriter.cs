using Lantern.Observability.Binary;
using Lantern.Observability.Elf;

namespace Lantern.Observability.Dwarf.Write;

/// <summary>
/// Writes DWARF 5 (32-bit format, 8-byte addresses) for compilation units described by <see cref="CompilationUnitInfo"/>:
/// .debug_info, .debug_abbrev, .debug_str, .debug_line_str, .debug_line, .debug_aranges, .debug_rnglists,
/// .debug_loclists and .debug_frame. (.eh_frame and .eh_frame_hdr depend on their load address: see
/// <see cref="EhFrameWriter"/>.)
/// </summary>
public static class DwarfWriter
{
    /// <summary>Line program parameters (DWARF 5, 6.2.4).</summary>
    internal const sbyte LineBase = -5;
    internal const byte LineRange = 14;
    internal const byte OpcodeBase = 13;

    /// <summary>Writes the sections for one unit.</summary>
    /// <param name="addressOf">The address of each function's first byte; default <see cref="CodeInfo.Address"/>.
    /// A shared object writer passes the address the code has inside the object.</param>
    public static DwarfSections Write(CompilationUnitInfo unit, Func<CodeInfo, ulong>? addressOf = null) => Write([unit], addressOf);

    /// <summary>Writes the sections for several units (one DWARF unit and one line program each).</summary>
    public static DwarfSections Write(IReadOnlyList<CompilationUnitInfo> units, Func<CodeInfo, ulong>? addressOf = null)
    {
        addressOf ??= f => f.Address;
        var state = new SectionState();
        foreach (CompilationUnitInfo unit in units)
        {
            new UnitWriter(state, unit, addressOf).Write();
        }

        var frame = new ByteBuilder();
        WriteDebugFrame(frame, units.SelectMany(u => u.Functions), addressOf);

        return new DwarfSections
        {
            DebugInfo = state.Info.ToArray(),
            DebugAbbrev = state.Abbrev.Finish(),
            DebugStr = state.Str.ToArray(),
            DebugLineStr = state.LineStr.ToArray(),
            DebugLine = state.Line.ToArray(),
            DebugAranges = state.Aranges.ToArray(),
            DebugRnglists = state.Rnglists.ToArray(),
            DebugLoclists = state.Loclists.ToArray(),
            DebugFrame = frame.ToArray(),
        };
    }

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
        b.WriteULeb128(DwRegX64.ReturnAddress);                 /* return_address_register */
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

    private sealed class SectionState
    {
        public ByteBuilder Info { get; } = new();
        public AbbrevTable Abbrev { get; } = new();
        public StringTable Str { get; } = new();
        public StringTable LineStr { get; } = new();
        public ByteBuilder Line { get; } = new();
        public ByteBuilder Aranges { get; } = new();
        public ByteBuilder Rnglists { get; } = new();
        public ByteBuilder Loclists { get; } = new();
    }

    /// <summary>A DIE being assembled: its attribute specifications and the writers of their values.</summary>
    private sealed class Die
    {
        public Die(ushort tag)
        {
            Tag = tag;
        }

        public ushort Tag { get; }
        public List<AttrSpec> Specs { get; } = new();
        public List<Action<ByteBuilder>> Values { get; } = new();

        public void Add(ushort at, byte form, Action<ByteBuilder> value)
        {
            Specs.Add(new AttrSpec(at, form));
            Values.Add(value);
        }

        public void Flag(ushort at)
        {
            Specs.Add(new AttrSpec(at, DwForm.FlagPresent));
            Values.Add(static _ => { });
        }
    }

    private sealed class UnitWriter
    {
        private readonly SectionState _s;
        private readonly CompilationUnitInfo _unit;
        private readonly Func<CodeInfo, ulong> _addressOf;
        private readonly ByteBuilder _info;
        private readonly int[] _typeOffsets;
        private readonly List<(Reservation Slot, TypeId Type)> _typeFixups = new();
        private int _unitStart;
        private int _loclistsStart = -1;
        private Reservation _loclistsLength;

        public UnitWriter(SectionState s, CompilationUnitInfo unit, Func<CodeInfo, ulong> addressOf)
        {
            _s = s;
            _unit = unit;
            _addressOf = addressOf;
            _info = s.Info;
            _typeOffsets = new int[unit.Types.Types.Count];
        }

        public void Write()
        {
            uint lineOffset = (uint)_s.Line.Count;
            WriteLineProgram();
            uint? rangesOffset = WriteRangeList();

            // Unit header (DWARF 5, 7.5.1.1).
            _unitStart = _info.Count;
            Reservation unitLength = _info.Reserve(4);          /* unit_length */
            _info.WriteUInt16LittleEndian(5);                   /* version */
            _info.WriteByte(DwUt.Compile);                      /* unit_type */
            _info.WriteByte(8);                                 /* address_size */
            _info.WriteUInt32LittleEndian(0);                   /* debug_abbrev_offset: one shared table */

            var cu = new Die(DwTag.CompileUnit);
            Strp(cu, DwAt.Producer, _unit.Producer);
            cu.Add(DwAt.Language, DwForm.Data2, b => b.WriteUInt16LittleEndian(_unit.Language));
            LineStrp(cu, DwAt.Name, _unit.Name);
            LineStrp(cu, DwAt.CompDir, _unit.CompDir);
            IReadOnlyList<CodeInfo> functions = _unit.Functions;
            if (functions.Count == 1)
            {
                ulong low = _addressOf(functions[0]);
                cu.Add(DwAt.LowPc, DwForm.Addr, b => b.WriteUInt64LittleEndian(low));
                cu.Add(DwAt.HighPc, DwForm.Data8, b => b.WriteUInt64LittleEndian(functions[0].Size));
            }
            else if (rangesOffset is uint ranges)
            {
                cu.Add(DwAt.LowPc, DwForm.Addr, b => b.WriteUInt64LittleEndian(0));
                cu.Add(DwAt.Ranges, DwForm.SecOffset, b => b.WriteUInt32LittleEndian(ranges));
            }

            cu.Add(DwAt.StmtList, DwForm.SecOffset, b => b.WriteUInt32LittleEndian(lineOffset));
            Emit(cu, hasChildren: true);

            for (int i = 0; i < _unit.Types.Types.Count; i++)
            {
                _typeOffsets[i] = _info.Count - _unitStart;
                WriteType(_unit.Types.Types[i]);
            }

            foreach (VariableInfo global in _unit.Globals)
            {
                WriteVariable(global, function: null);
            }

            foreach (CodeInfo function in functions)
            {
                WriteSubprogram(function);
            }

            _info.WriteULeb128(0);                              /* end of compile_unit children */
            _info.PatchLengthFrom(unitLength);

            foreach ((Reservation slot, TypeId type) in _typeFixups)
            {
                _info.PatchUInt32LittleEndian(slot, (uint)_typeOffsets[type.Index]);
            }

            WriteAranges((uint)_unitStart);
        }

        private void Emit(Die die, bool hasChildren)
        {
            uint code = _s.Abbrev.GetCode(die.Tag, hasChildren, die.Specs);
            _info.WriteULeb128(code);                           /* abbreviation code */
            foreach (Action<ByteBuilder> value in die.Values)
            {
                value(_info);                                   /* attribute values, in abbreviation order */
            }
        }

        private void Strp(Die die, ushort at, string value)
        {
            uint offset = _s.Str.Add(value);
            die.Add(at, DwForm.Strp, b => b.WriteUInt32LittleEndian(offset));
        }

        private void LineStrp(Die die, ushort at, string value)
        {
            uint offset = _s.LineStr.Add(value);
            die.Add(at, DwForm.LineStrp, b => b.WriteUInt32LittleEndian(offset));
        }

        private void Udata(Die die, ushort at, ulong value) => die.Add(at, DwForm.Udata, b => b.WriteULeb128(value));

        private void TypeRef(Die die, TypeId? type)
        {
            if (type is TypeId id)
            {
                die.Add(DwAt.Type, DwForm.Ref4, b => _typeFixups.Add((b.Reserve(4), id)));
            }
        }

        private void Decl(Die die, FileId? file, int line)
        {
            if (file is FileId f)
            {
                Udata(die, DwAt.DeclFile, (ulong)f.Index + 1);
            }

            if (line > 0)
            {
                Udata(die, DwAt.DeclLine, (ulong)line);
            }
        }

        private void WriteType(DebugType type)
        {
            switch (type)
            {
                case BaseType t:
                {
                    var die = new Die(DwTag.BaseType);
                    Strp(die, DwAt.Name, t.Name);
                    die.Add(DwAt.Encoding, DwForm.Data1, b => b.WriteByte(EncodingOf(t.Encoding)));
                    Udata(die, DwAt.ByteSize, (ulong)t.Size);
                    Emit(die, false);
                    break;
                }
                case PointerType t:
                {
                    var die = new Die(DwTag.PointerType);
                    Udata(die, DwAt.ByteSize, (ulong)t.Size);
                    TypeRef(die, t.Target);
                    Emit(die, false);
                    break;
                }
                case ArrayType t:
                {
                    var die = new Die(DwTag.ArrayType);
                    TypeRef(die, t.Element);
                    Emit(die, true);
                    foreach (long? dimension in t.Dimensions)
                    {
                        var sub = new Die(DwTag.SubrangeType);
                        if (dimension is long count)
                        {
                            Udata(sub, DwAt.Count, (ulong)count);
                        }

                        Emit(sub, false);
                    }

                    _info.WriteULeb128(0);                      /* end of array_type children */
                    break;
                }
                case StructType t:
                {
                    var die = new Die(t.IsUnion ? DwTag.UnionType : DwTag.StructureType);
                    if (t.Name is not null)
                    {
                        Strp(die, DwAt.Name, t.Name);
                    }

                    if (!t.IsComplete)
                    {
                        die.Flag(DwAt.Declaration);
                        Emit(die, false);
                        break;
                    }

                    Udata(die, DwAt.ByteSize, (ulong)t.Size);
                    Emit(die, t.Members.Count > 0);
                    foreach (MemberInfo member in t.Members)
                    {
                        var m = new Die(DwTag.Member);
                        if (member.Name is not null)
                        {
                            Strp(m, DwAt.Name, member.Name);
                        }

                        TypeRef(m, member.Type);
                        if (member.BitSize is int bitSize)
                        {
                            Udata(m, DwAt.BitSize, (ulong)bitSize);
                            Udata(m, DwAt.DataBitOffset, (ulong)(member.BitOffset ?? member.Offset * 8));
                        }
                        else
                        {
                            Udata(m, DwAt.DataMemberLocation, (ulong)member.Offset);
                        }

                        Emit(m, false);
                    }

                    if (t.Members.Count > 0)
                    {
                        _info.WriteULeb128(0);                  /* end of members */
                    }

                    break;
                }
                case EnumType t:
                {
                    var die = new Die(DwTag.EnumerationType);
                    if (t.Name is not null)
                    {
                        Strp(die, DwAt.Name, t.Name);
                    }

                    TypeRef(die, t.Underlying);
                    Udata(die, DwAt.ByteSize, (ulong)t.Size);
                    Emit(die, t.Enumerators.Count > 0);
                    foreach (EnumeratorInfo enumerator in t.Enumerators)
                    {
                        var e = new Die(DwTag.Enumerator);
                        Strp(e, DwAt.Name, enumerator.Name);
                        e.Add(DwAt.ConstValue, DwForm.Sdata, b => b.WriteSLeb128(enumerator.Value));
                        Emit(e, false);
                    }

                    if (t.Enumerators.Count > 0)
                    {
                        _info.WriteULeb128(0);                  /* end of enumerators */
                    }

                    break;
                }
                case TypedefType t:
                {
                    var die = new Die(DwTag.Typedef);
                    Strp(die, DwAt.Name, t.Name);
                    TypeRef(die, t.Target);
                    Emit(die, false);
                    break;
                }
                case SubroutineType t:
                {
                    var die = new Die(DwTag.SubroutineType);
                    if (t.IsPrototyped)
                    {
                        die.Flag(DwAt.Prototyped);
                    }

                    TypeRef(die, t.Return);
                    bool children = t.Parameters.Count > 0 || t.IsVariadic;
                    Emit(die, children);
                    foreach (TypeId parameter in t.Parameters)
                    {
                        var p = new Die(DwTag.FormalParameter);
                        TypeRef(p, parameter);
                        Emit(p, false);
                    }

                    if (t.IsVariadic)
                    {
                        Emit(new Die(DwTag.UnspecifiedParameters), false);
                    }

                    if (children)
                    {
                        _info.WriteULeb128(0);                  /* end of parameters */
                    }

                    break;
                }
                case QualifiedType t:
                {
                    var die = new Die(t.Qualifier switch
                    {
                        TypeQualifier.Const => DwTag.ConstType,
                        TypeQualifier.Volatile => DwTag.VolatileType,
                        TypeQualifier.Restrict => DwTag.RestrictType,
                        _ => DwTag.AtomicType,
                    });
                    TypeRef(die, t.Target);
                    Emit(die, false);
                    break;
                }
                default:
                    throw new ArgumentException($"unsupported type {type}");
            }
        }

        private static byte EncodingOf(BaseTypeEncoding encoding) => encoding switch
        {
            BaseTypeEncoding.Signed => DwAte.Signed,
            BaseTypeEncoding.Unsigned => DwAte.Unsigned,
            BaseTypeEncoding.Float => DwAte.Float,
            BaseTypeEncoding.Boolean => DwAte.Boolean,
            BaseTypeEncoding.SignedChar => DwAte.SignedChar,
            BaseTypeEncoding.UnsignedChar => DwAte.UnsignedChar,
            _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
        };

        private void WriteSubprogram(CodeInfo function)
        {
            ulong low = _addressOf(function);
            var die = new Die(DwTag.Subprogram);
            if (function.IsExternal)
            {
                die.Flag(DwAt.External);
            }

            Strp(die, DwAt.Name, function.Name);
            if (function.LinkageName is not null && function.LinkageName != function.Name)
            {
                Strp(die, DwAt.LinkageName, function.LinkageName);
            }

            Decl(die, function.DeclFile, function.DeclLine);
            if (function.IsPrototyped)
            {
                die.Flag(DwAt.Prototyped);
            }

            TypeRef(die, function.ReturnType);
            die.Add(DwAt.LowPc, DwForm.Addr, b => b.WriteUInt64LittleEndian(low));
            die.Add(DwAt.HighPc, DwForm.Data8, b => b.WriteUInt64LittleEndian(function.Size));
            byte[] frameBase = function.FrameBase.Kind == FrameBaseKind.CallFrameCfa
                ? [DwOp.CallFrameCfa]
                : RegisterExpression(function.FrameBase.Register);
            die.Add(DwAt.FrameBase, DwForm.Exprloc, b =>
            {
                b.WriteULeb128((ulong)frameBase.Length);
                b.WriteBytes(frameBase);
            });
            die.Flag(DwAt.CallAllCalls);

            ScopeInfo root = function.GetScope(function.RootScope);
            bool children = root.Variables.Count > 0 || root.Children.Count > 0;
            Emit(die, children);
            WriteScopeContents(function, root);
            if (children)
            {
                _info.WriteULeb128(0);                          /* end of subprogram children */
            }
        }

        private void WriteScopeContents(CodeInfo function, ScopeInfo scope)
        {
            foreach (VariableInfo variable in scope.Variables)
            {
                WriteVariable(variable, function);
            }

            foreach (ScopeId childId in scope.Children)
            {
                ScopeInfo child = function.GetScope(childId);
                ulong low = _addressOf(function) + child.StartOffset;
                var die = new Die(DwTag.LexicalBlock);
                die.Add(DwAt.LowPc, DwForm.Addr, b => b.WriteUInt64LittleEndian(low));
                die.Add(DwAt.HighPc, DwForm.Data8, b => b.WriteUInt64LittleEndian(child.EndOffset - child.StartOffset));
                bool children = child.Variables.Count > 0 || child.Children.Count > 0;
                Emit(die, children);
                WriteScopeContents(function, child);
                if (children)
                {
                    _info.WriteULeb128(0);                      /* end of lexical_block children */
                }
            }
        }

        private void WriteVariable(VariableInfo variable, CodeInfo? function)
        {
            var die = new Die(variable.IsParameter ? DwTag.FormalParameter : DwTag.Variable);
            Strp(die, DwAt.Name, variable.Name);
            Decl(die, variable.DeclFile, variable.DeclLine);
            TypeRef(die, variable.Type);
            if (variable.IsExternal)
            {
                die.Flag(DwAt.External);
            }

            byte[] expression = LocationExpression(variable.Location);
            if (function is not null && (variable.ValidFrom is not null || variable.ValidTo is not null))
            {
                ulong start = _addressOf(function) + (variable.ValidFrom ?? 0);
                ulong length = (variable.ValidTo ?? function.Size) - (variable.ValidFrom ?? 0);
                uint listOffset = WriteLocationList(start, length, expression);
                die.Add(DwAt.Location, DwForm.SecOffset, b => b.WriteUInt32LittleEndian(listOffset));
            }
            else
            {
                die.Add(DwAt.Location, DwForm.Exprloc, b =>
                {
                    b.WriteULeb128((ulong)expression.Length);
                    b.WriteBytes(expression);
                });
            }

            Emit(die, false);
        }

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
                ulong rowFile = (ulong)row.File.Index + 1;
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
