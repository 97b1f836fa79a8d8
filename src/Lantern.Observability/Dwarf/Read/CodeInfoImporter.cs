namespace Lantern.Observability.Dwarf.Read;

/// <summary>
/// Rebuilds <see cref="CompilationUnitInfo"/>s from DWARF (the inverse of the writer, through the wire format
/// only): used by round-trip tests and by tools that want the library's model of foreign debug information.
/// </summary>
public static class CodeInfoImporter
{
    /// <summary>Imports every compile unit of <paramref name="data"/>.</summary>
    /// <exception cref="FormatException">A construct the model cannot express.</exception>
    public static IReadOnlyList<CompilationUnitInfo> Import(DebugData data)
    {
        var result = new List<CompilationUnitInfo>();
        foreach (DwarfUnit unit in data.Info.Units)
        {
            if (unit.Root.Tag == DwTag.CompileUnit)
            {
                result.Add(new UnitImporter(data, unit).Import());
            }
        }

        return result;
    }

    private sealed class UnitImporter
    {
        private readonly DebugData _data;
        private readonly DwarfUnit _unit;
        private readonly Dictionary<ulong, TypeId> _types = new();
        private readonly List<(TypeId Id, DwarfDie Die)> _structs = new();
        private readonly Dictionary<ulong, FileId> _files = new();
        private CompilationUnitInfo _info = null!;
        private LineTable? _lines;

        public UnitImporter(DebugData data, DwarfUnit unit)
        {
            _data = data;
            _unit = unit;
        }

        public CompilationUnitInfo Import()
        {
            DwarfDie root = _unit.Root;
            _info = new CompilationUnitInfo(root.Name ?? "", root.Get(DwAt.CompDir)?.Text ?? "", root.Get(DwAt.Producer)?.Text ?? "", (ushort)(root.GetUnsigned(DwAt.Language) ?? 0));
            _lines = _data.GetLineTable(_unit);
            if (_lines is not null)
            {
                // File entries after the DWARF 5 file 0 (the primary file) become the unit's file table, in order.
                int first = _lines.Version >= 5 ? 1 : 0;
                for (int i = first; i < _lines.Files.Count; i++)
                {
                    ulong registerValue = _lines.Version >= 5 ? (ulong)i : (ulong)i + 1;
                    _files[registerValue] = _info.AddFile(_lines.GetFilePath(registerValue));
                }
            }

            foreach (DwarfDie child in root.Children)
            {
                if (IsType(child.Tag))
                {
                    GetType(child);
                }
            }

            foreach ((TypeId id, DwarfDie die) in _structs)
            {
                var members = new List<MemberInfo>();
                foreach (DwarfDie m in die.Children.Where(c => c.Tag == DwTag.Member))
                {
                    TypeId type = GetType(m.GetReference(DwAt.Type)) ?? throw new FormatException($"member {m.Name} without a type");
                    if (m.Get(DwAt.BitSize) is DwarfAttribute bitSize)
                    {
                        long bitOffset;
                        if (m.GetUnsigned(DwAt.DataBitOffset) is ulong dataBitOffset)
                        {
                            bitOffset = (long)dataBitOffset;
                        }
                        else
                        {
                            // DWARF 2-4 (little-endian): bit_offset counts from the storage unit's most significant bit.
                            long storage = m.GetUnsigned(DwAt.ByteSize) is ulong byteSize ? (long)byteSize : StorageSize(m.GetReference(DwAt.Type));
                            long byteOffset = (long)(m.GetUnsigned(DwAt.DataMemberLocation) ?? 0);
                            long fromMsb = m.Get(DwAt.BitOffset)?.SignedValue ?? 0;
                            bitOffset = byteOffset * 8 + storage * 8 - fromMsb - (long)bitSize.Value;
                        }

                        members.Add(new MemberInfo(m.Name, type, bitOffset / 8, (int)bitSize.Value, bitOffset));
                    }
                    else
                    {
                        members.Add(new MemberInfo(m.Name, type, (long)(m.GetUnsigned(DwAt.DataMemberLocation) ?? 0)));
                    }
                }

                _info.Types.CompleteStruct(id, (long)(die.GetUnsigned(DwAt.ByteSize) ?? 0), members);
            }

            foreach (DwarfDie child in root.Children)
            {
                if (child.Tag == DwTag.Variable)
                {
                    _info.AddGlobal(ReadVariable(child, function: null));
                }
                else if (child.Tag == DwTag.Subprogram && child.PcRange is not null)
                {
                    _info.AddFunction(ReadFunction(child));
                }
            }

            return _info;
        }

        /// <summary>The byte size of a type DIE, looking through typedefs and qualifiers.</summary>
        private static long StorageSize(DwarfDie? type)
        {
            for (int depth = 0; type is not null && depth < 16; depth++)
            {
                if (type.GetUnsigned(DwAt.ByteSize) is ulong size)
                {
                    return (long)size;
                }

                type = type.GetReference(DwAt.Type);
            }

            return 4;
        }

        private static bool IsType(ushort tag) => tag is DwTag.BaseType or DwTag.PointerType or DwTag.ArrayType or DwTag.StructureType
            or DwTag.UnionType or DwTag.EnumerationType or DwTag.Typedef or DwTag.SubroutineType or DwTag.ConstType or DwTag.VolatileType
            or DwTag.RestrictType or DwTag.AtomicType;

        private TypeId? GetType(DwarfDie? die)
        {
            if (die is null)
            {
                return null;
            }

            if (_types.TryGetValue(die.Offset, out TypeId existing))
            {
                return existing;
            }

            TypeTable t = _info.Types;
            TypeId id;
            switch (die.Tag)
            {
                case DwTag.BaseType:
                    id = t.AddBase(die.Name ?? "", EncodingOf((byte)(die.GetUnsigned(DwAt.Encoding) ?? 0)), (int)(die.GetUnsigned(DwAt.ByteSize) ?? 0));
                    break;
                case DwTag.PointerType:
                    id = t.AddPointer(GetType(die.GetReference(DwAt.Type)), (int)(die.GetUnsigned(DwAt.ByteSize) ?? 8));
                    break;
                case DwTag.ArrayType:
                {
                    TypeId element = GetType(die.GetReference(DwAt.Type)) ?? throw new FormatException("array without element type");
                    long?[] dims = die.Children.Where(c => c.Tag == DwTag.SubrangeType).Select(c =>
                        c.GetUnsigned(DwAt.Count) is ulong count ? (long?)count
                        : c.Get(DwAt.UpperBound) is DwarfAttribute upper ? upper.SignedValue + 1
                        : null).ToArray();
                    id = t.AddArray(element, dims);
                    break;
                }
                case DwTag.StructureType:
                case DwTag.UnionType:
                    id = t.DeclareStruct(die.Name, die.Tag == DwTag.UnionType);
                    _types[die.Offset] = id;
                    if (!die.Has(DwAt.Declaration))
                    {
                        _structs.Add((id, die));
                    }

                    return id;
                case DwTag.EnumerationType:
                    id = t.AddEnum(die.Name, GetType(die.GetReference(DwAt.Type)), (int)(die.GetUnsigned(DwAt.ByteSize) ?? 4),
                        die.Children.Where(c => c.Tag == DwTag.Enumerator).Select(c => new EnumeratorInfo(c.Name ?? "", c.Get(DwAt.ConstValue)?.SignedValue ?? 0)));
                    break;
                case DwTag.Typedef:
                    id = t.AddTypedef(die.Name ?? "", GetType(die.GetReference(DwAt.Type)));
                    break;
                case DwTag.SubroutineType:
                {
                    TypeId? returns = GetType(die.GetReference(DwAt.Type));
                    var parameters = die.Children.Where(c => c.Tag == DwTag.FormalParameter)
                        .Select(c => GetType(c.GetReference(DwAt.Type)) ?? throw new FormatException("parameter without a type")).ToList();
                    id = t.AddSubroutine(returns, parameters, die.Children.Any(c => c.Tag == DwTag.UnspecifiedParameters), die.Has(DwAt.Prototyped));
                    break;
                }
                case DwTag.ConstType:
                    id = t.AddQualified(TypeQualifier.Const, GetType(die.GetReference(DwAt.Type)));
                    break;
                case DwTag.VolatileType:
                    id = t.AddQualified(TypeQualifier.Volatile, GetType(die.GetReference(DwAt.Type)));
                    break;
                case DwTag.RestrictType:
                    id = t.AddQualified(TypeQualifier.Restrict, GetType(die.GetReference(DwAt.Type)));
                    break;
                case DwTag.AtomicType:
                    id = t.AddQualified(TypeQualifier.Atomic, GetType(die.GetReference(DwAt.Type)));
                    break;
                default:
                    throw new FormatException($"type tag 0x{die.Tag:x} at 0x{die.Offset:x} is not supported by CodeInfo");
            }

            _types[die.Offset] = id;
            return id;
        }

        private static BaseTypeEncoding EncodingOf(byte encoding) => encoding switch
        {
            DwAte.Signed => BaseTypeEncoding.Signed,
            DwAte.Unsigned => BaseTypeEncoding.Unsigned,
            DwAte.Float => BaseTypeEncoding.Float,
            DwAte.Boolean => BaseTypeEncoding.Boolean,
            DwAte.SignedChar => BaseTypeEncoding.SignedChar,
            DwAte.UnsignedChar => BaseTypeEncoding.UnsignedChar,
            _ => throw new FormatException($"base type encoding 0x{encoding:x} is not supported by CodeInfo"),
        };

        private FileId? File(DwarfDie die) => die.GetUnsigned(DwAt.DeclFile) is ulong f && _files.TryGetValue(f, out FileId id) ? id : null;

        private CodeInfo ReadFunction(DwarfDie die)
        {
            (ulong low, ulong high) = die.PcRange!.Value;
            var function = new CodeInfo(die.Name ?? "", low, (uint)(high - low))
            {
                LinkageName = die.Get(DwAt.LinkageName)?.Text,
                DeclFile = File(die),
                DeclLine = (int)(die.GetUnsigned(DwAt.DeclLine) ?? 0),
                ReturnType = GetType(die.GetReference(DwAt.Type)),
                IsExternal = die.Has(DwAt.External),
                IsPrototyped = die.Has(DwAt.Prototyped),
            };
            if (die.Get(DwAt.FrameBase)?.Block is byte[] frameBase)
            {
                SimpleLocation location = DwarfExpression.Decode(frameBase);
                function.FrameBase = location.Kind switch
                {
                    LocationKind.CallFrameCfa => FrameBase.CallFrameCfa,
                    LocationKind.Register => FrameBase.InRegister((int)location.Register),
                    _ => throw new FormatException($"frame base expression {Convert.ToHexString(frameBase)} is not supported by CodeInfo"),
                };
            }

            ReadScope(die, function, function.RootScope);

            if (_lines is not null)
            {
                IReadOnlyList<LineTableRow> rows = _lines.Rows;
                foreach (LineTableRow row in rows)
                {
                    if (!row.EndSequence && row.Address >= low && row.Address < high)
                    {
                        LineFlags flags = (row.IsStmt ? LineFlags.IsStatement : 0) | (row.PrologueEnd ? LineFlags.PrologueEnd : 0) | (row.EpilogueBegin ? LineFlags.EpilogueBegin : 0);
                        FileId file = _files.TryGetValue(row.File, out FileId id) ? id : _info.AddFile(_lines.GetFilePath(row.File));
                        function.AddLine((uint)(row.Address - low), file, (int)row.Line, (int)row.Column, flags);
                    }
                }
            }

            FrameDescriptionEntry? fde = (_data.DebugFrame ?? _data.EhFrame)?.Fdes.FirstOrDefault(f => f.InitialLocation == low);
            if (fde is not null)
            {
                function.AddCfi(fde.Instructions.Select(i => new CfiRow((uint)i.Offset, ToOp(i.Instruction, fde.Cie))));
            }

            return function;
        }

        private static CfiOp ToOp(CfaInstruction i, CommonInformationEntry cie) => i.Opcode switch
        {
            DwCfa.DefCfa => new CfiOp.DefCfa((int)i.Register, i.Operand),
            DwCfa.DefCfaSf => new CfiOp.DefCfa((int)i.Register, i.Operand * cie.DataAlignment),
            DwCfa.DefCfaRegister => new CfiOp.DefCfaRegister((int)i.Register),
            DwCfa.DefCfaOffset => new CfiOp.DefCfaOffset(i.Operand),
            DwCfa.DefCfaOffsetSf => new CfiOp.DefCfaOffset(i.Operand * cie.DataAlignment),
            DwCfa.Offset or DwCfa.OffsetExtended or DwCfa.OffsetExtendedSf => new CfiOp.SavedAt((int)i.Register, i.Operand * cie.DataAlignment),
            DwCfa.Restore or DwCfa.RestoreExtended => new CfiOp.Restore((int)i.Register),
            DwCfa.SameValue => new CfiOp.SameValue((int)i.Register),
            DwCfa.RememberState => new CfiOp.RememberState(),
            DwCfa.RestoreState => new CfiOp.RestoreState(),
            _ => throw new FormatException($"call frame instruction 0x{i.Opcode:x} is not supported by CodeInfo"),
        };

        private void ReadScope(DwarfDie die, CodeInfo function, ScopeId scope)
        {
            foreach (DwarfDie child in die.Children)
            {
                switch (child.Tag)
                {
                    case DwTag.FormalParameter:
                        function.AddParameter(ReadVariable(child, function));
                        break;
                    case DwTag.Variable:
                        function.AddVariable(scope, ReadVariable(child, function));
                        break;
                    case DwTag.LexicalBlock when child.PcRange is (ulong low, ulong high):
                        ScopeId inner = function.AddScope(scope, (uint)(low - function.Address), (uint)(high - function.Address));
                        ReadScope(child, function, inner);
                        break;
                }
            }
        }

        private VariableInfo ReadVariable(DwarfDie die, CodeInfo? function)
        {
            TypeId type = GetType(die.GetReference(DwAt.Type)) ?? throw new FormatException($"variable {die.Name} without a type");
            DwarfAttribute location = die.Get(DwAt.Location) ?? throw new FormatException($"variable {die.Name} without a location");
            byte[] expression;
            uint? validFrom = null, validTo = null;
            if (location.Block is byte[] block)
            {
                expression = block;
            }
            else
            {
                IReadOnlyList<ListEntry> list = _data.GetLocationList(_unit, location.Value);
                if (list.Count != 1 || function is null)
                {
                    throw new FormatException($"variable {die.Name}: a location list of {list.Count} entries is not supported by CodeInfo");
                }

                expression = list[0].Expression!;
                validFrom = (uint)(list[0].Start - function.Address);
                validTo = (uint)(list[0].End - function.Address);
            }

            SimpleLocation simple = DwarfExpression.Decode(expression);
            VariableLocation where = simple.Kind switch
            {
                LocationKind.FrameBaseOffset => VariableLocation.FrameOffset(simple.Offset),
                LocationKind.Register => VariableLocation.InRegister((int)simple.Register),
                LocationKind.Address => VariableLocation.Absolute(simple.Address),
                _ => throw new FormatException($"variable {die.Name}: location {Convert.ToHexString(expression)} is not supported by CodeInfo"),
            };
            return new VariableInfo(die.Name ?? "", type, where)
            {
                IsParameter = die.Tag == DwTag.FormalParameter,
                DeclFile = File(die),
                DeclLine = (int)(die.GetUnsigned(DwAt.DeclLine) ?? 0),
                IsExternal = die.Has(DwAt.External),
                ValidFrom = validFrom,
                ValidTo = validTo,
            };
        }
    }
}
