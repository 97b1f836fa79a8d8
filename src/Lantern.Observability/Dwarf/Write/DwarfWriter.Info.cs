using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

public static partial class DwarfWriter
{
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

    private sealed partial class UnitWriter
    {
        private readonly SectionState _s;
        private readonly CompilationUnitInfo _unit;
        private readonly Func<CodeInfo, ulong> _addressOf;
        private readonly ByteBuilder _info;
        private readonly int[] _typeOffsets;
        private readonly List<(Reservation Slot, TypeId Type)> _typeFixups = new();
        private int _unitStart;

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
                Udata(die, DwAt.DeclFile, FileNumber(f));
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
    }
}
