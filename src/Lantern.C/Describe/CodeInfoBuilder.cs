using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Types;
using Lantern.Observability;
using Lantern.Observability.Dwarf;

namespace Lantern.C.Describe;

/// <summary>
/// Turns what the baseline JIT knows about a module (per-function <see cref="FunctionLayout"/>: line table from
/// the Stmt markers, slot frame offsets, prologue/epilogue offsets; the IR scopes and variables with their
/// <see cref="CType"/>s) into the language-neutral <see cref="CompilationUnitInfo"/> the publishers consume.
/// <para>
/// Frame base: rbp (DW_OP_reg6), so every slot is <c>DW_OP_fbreg(rbp offset)</c>. CFI: the standard frame-pointer
/// prologue (<c>push rbp; mov rbp, rsp</c> at offsets 0 and 1) and the single epilogue
/// (<c>leave; ret</c>). Scope ranges: the span of the line rows of the scope and its descendants.
/// </para>
/// </summary>
public static class CodeInfoBuilder
{
    /// <summary>DW_AT_producer of the JIT's units.</summary>
    private const string JitProducer = "Lantern (baseline x64 JIT)";

    /// <summary>The debug description of every compiled function of <paramref name="jit"/>, in one unit.</summary>
    public static CompilationUnitInfo Build(ILoadedModule jit)
    {
        IrModule module = jit.Module;
        string primary = module.Functions.Count > 0 ? FileOf(module.Functions[0].Location) : "<unknown>";
        string compDir = Directory.GetCurrentDirectory();
        var unit = new CompilationUnitInfo(primary, compDir, JitProducer, DwLang.C11);
        var types = new TypeConverter(unit.Types);

        foreach (IrGlobal g in module.Globals)
        {
            if (g.CType is null || g.Name.StartsWith('.') || g.Name.Contains('.'))
            {
                continue;
            }

            if (!jit.TryGetDataAddress(g.Name, out nint address))
            {
                continue;
            }

            TypeId? type = types.Convert(g.CType);
            if (type is null)
            {
                continue;
            }

            unit.AddGlobal(new VariableInfo(g.Name, type.Value, VariableLocation.Absolute((ulong)address))
            {
                IsExternal = !g.IsStatic,
                DeclFile = g.Location.IsNone ? null : unit.AddFile(FileOf(g.Location)),
                DeclLine = g.Location.IsNone ? 0 : g.Location.DisplayLine,
            });
        }

        foreach (IrFunction f in module.Functions)
        {
            if (jit.Functions.TryGetValue(f.Name, out FunctionLayout? info))
            {
                unit.AddFunction(BuildFunction(unit, types, jit, info));
            }
        }

        return unit;
    }

    /// <summary>
    /// One unit per compiled function (each with its own type table), for publishing one symfile per function
    /// (the unbatched variant of the GDB JIT interface, kept for comparison).
    /// </summary>
    public static IEnumerable<CompilationUnitInfo> BuildPerFunction(ILoadedModule jit)
    {
        foreach (IrFunction f in jit.Module.Functions)
        {
            if (jit.Functions.TryGetValue(f.Name, out FunctionLayout? info))
            {
                string file = f.Location.IsNone ? "<unknown>" : FileOf(f.Location);
                var unit = new CompilationUnitInfo(file, Directory.GetCurrentDirectory(), JitProducer, DwLang.C11);
                unit.AddFunction(BuildFunction(unit, new TypeConverter(unit.Types), jit, info));
                yield return unit;
            }
        }
    }

    /// <summary>
    /// Only what an unwinder needs (<c>__register_frame</c>): every compiled function with its name, code range and
    /// CFI, without lines, scopes, variables or types (much cheaper at start-up than <see cref="Build"/>).
    /// </summary>
    public static CompilationUnitInfo BuildUnwindOnly(ILoadedModule jit)
    {
        var unit = new CompilationUnitInfo("<unwind>", "", JitProducer, DwLang.C11);
        foreach (IrFunction f in jit.Module.Functions)
        {
            if (jit.Functions.TryGetValue(f.Name, out FunctionLayout? info))
            {
                var code = new CodeInfo(info.Name, (ulong)info.Start, (uint)info.Size);
                code.AddCfi(BuildCfi(info));
                unit.AddFunction(code);
            }
        }

        return unit;
    }

    /// <summary>The CFI of a compiled function: the standard frame-pointer frame, restored at each epilogue.</summary>
    private static IReadOnlyList<CfiRow> BuildCfi(FunctionLayout info)
    {
        // the epilogue is leave; ret; in debug code the Return patch site (a 5-byte NOP) comes first
        var epilogues = new List<uint>(info.EpilogueStarts.Count);
        foreach (int e in info.EpilogueStarts)
        {
            bool patched = false;
            foreach (LayoutPatchSite p in info.PatchSites)
            {
                patched |= p.Offset == e;
            }

            uint at = (uint)(e + (patched ? 5 : 0));
            if (at + 1 < (uint)info.Size)
            {
                epilogues.Add(at);
            }
        }

        return Cfi.StandardFramePointer(0, Cfi.PushRbpLength, epilogues.ToArray());
    }

    /// <summary>The description of one compiled function.</summary>
    public static CodeInfo BuildFunction(CompilationUnitInfo unit, TypeConverter types, IDataSymbols? symbols, FunctionLayout info)
    {
        IrFunction f = info.Function;
        var code = new CodeInfo(info.Name, (ulong)info.Start, (uint)info.Size)
        {
            FrameBase = FrameBase.Rbp,
            IsExternal = !f.IsStatic,
            IsPrototyped = f.CType is null || !f.CType.IsOldStyle,
        };
        if (!f.Location.IsNone)
        {
            code.DeclFile = unit.AddFile(FileOf(f.Location));
            code.DeclLine = f.Location.DisplayLine;
        }

        if (f.CType?.Base is CType ret)
        {
            code.ReturnType = types.Convert(ret);
        }

        AddLines(unit, code, info);
        int epilogue = info.EpilogueStarts.Count > 0 ? info.EpilogueStarts[0] : info.Size;
        code.AddCfi(BuildCfi(info));
        foreach (LayoutPatchSite site in info.PatchSites)
        {
            code.AddPatchSite((uint)site.Offset, site.Kind);
        }

        // Scope ranges from the line rows (each row runs to the next one; the last to the epilogue).
        var ranges = new Dictionary<int, (int Start, int End)>();
        for (int i = 0; i < info.Lines.Count; i++)
        {
            LayoutLine row = info.Lines[i];
            int end = i + 1 < info.Lines.Count ? info.Lines[i + 1].Offset : Math.Max(epilogue, row.Offset);
            if (end <= row.Offset)
            {
                continue;
            }

            for (int s = row.Scope; s >= 0 && s < f.Scopes.Count; s = f.Scopes[s].Parent)
            {
                ranges[s] = ranges.TryGetValue(s, out var r) ? (Math.Min(r.Start, row.Offset), Math.Max(r.End, end)) : (row.Offset, end);
            }
        }

        var scopeIds = new Dictionary<int, ScopeId>();
        for (int s = 0; s < f.Scopes.Count; s++)
        {
            IrScope scope = f.Scopes[s];
            ScopeId target;
            if (scope.Parent < 0)
            {
                target = code.RootScope;
            }
            else if (ranges.TryGetValue(s, out var r) && scopeIds.TryGetValue(scope.Parent, out ScopeId parent))
            {
                ScopeInfo p = code.GetScope(parent);
                uint start = Math.Max((uint)r.Start, p.StartOffset);
                uint end = Math.Min((uint)r.End, p.EndOffset);
                target = start < end ? code.AddScope(parent, start, end) : parent;
            }
            else
            {
                // a scope without code (or whose parent has none): its variables are never live
                continue;
            }

            scopeIds[s] = target;
            foreach (IrVariable v in scope.Variables)
            {
                VariableInfo? variable = Variable(unit, types, symbols, info, v);
                if (variable is null)
                {
                    continue;
                }

                if (v.Kind == VariableKind.Parameter && target == code.RootScope)
                {
                    code.AddParameter(variable);
                }
                else
                {
                    code.AddVariable(target, variable);
                }
            }
        }

        return code;
    }

    private static VariableInfo? Variable(CompilationUnitInfo unit, TypeConverter types, IDataSymbols? symbols, FunctionLayout info, IrVariable v)
    {
        TypeId? type = types.Convert(v.Type);
        if (type is null)
        {
            return null;
        }

        VariableLocation location;
        switch (v.Kind)
        {
            case VariableKind.Static:
                if (v.Symbol is null || symbols is null)
                {
                    return null;
                }

                if (!symbols.TryGetDataAddress(v.Symbol, out nint address))
                {
                    return null;
                }

                location = VariableLocation.Absolute((ulong)address);

                break;
            default:
                // VLAs (storage behind a pointer) and over-aligned slots (aligned at run time) have no fixed frame offset
                if (v.Slot < 0 || v.Slot >= info.SlotOffsets.Length || (v.Slot < info.SlotDynamicAlign.Length && info.SlotDynamicAlign[v.Slot] != 0))
                {
                    return null;
                }

                location = VariableLocation.FrameOffset(info.SlotOffsets[v.Slot]);
                break;
        }

        return new VariableInfo(v.Name, type.Value, location)
        {
            IsParameter = v.Kind == VariableKind.Parameter,
            DeclFile = v.Location.IsNone ? null : unit.AddFile(FileOf(v.Location)),
            DeclLine = v.Location.IsNone ? 0 : v.Location.DisplayLine,
        };
    }

    private static void AddLines(CompilationUnitInfo unit, CodeInfo code, FunctionLayout info)
    {
        IrFunction f = info.Function;
        var rows = new List<LineRow>();
        if (!f.Location.IsNone)
        {
            // the prologue belongs to the line of the function's declarator
            rows.Add(new LineRow(0, unit.AddFile(FileOf(f.Location)), f.Location.DisplayLine, f.Location.Column, LineFlags.IsStatement));
        }

        bool prologueEndMarked = false;
        foreach (LayoutLine line in info.Lines)
        {
            if (line.Location.IsNone || line.Offset >= info.Size)
            {
                continue;
            }

            LineFlags flags = LineFlags.IsStatement;
            if (!prologueEndMarked && line.Offset >= info.PrologueEnd)
            {
                flags |= LineFlags.PrologueEnd;
                prologueEndMarked = true;
            }

            // several markers at one offset (empty statements, labels): the last one describes the code
            if (rows.Count > 0 && rows[^1].Offset == (uint)line.Offset && (rows.Count > 1 || f.Location.IsNone))
            {
                flags |= rows[^1].Flags & LineFlags.PrologueEnd;
                rows.RemoveAt(rows.Count - 1);
            }

            rows.Add(new LineRow((uint)line.Offset, unit.AddFile(FileOf(line.Location)), line.Location.DisplayLine, line.Location.Column, flags));
        }

        foreach (int e in info.EpilogueStarts)
        {
            if (e >= info.Size)
            {
                continue;
            }

            SourceLocation end = f.EndLocation.IsNone ? f.Location : f.EndLocation;
            if (end.IsNone)
            {
                continue;
            }

            // the epilogue belongs to the closing brace
            while (rows.Count > 0 && rows[^1].Offset >= (uint)e)
            {
                rows.RemoveAt(rows.Count - 1);
            }

            rows.Add(new LineRow((uint)e, unit.AddFile(FileOf(end)), end.DisplayLine, end.Column, LineFlags.IsStatement | LineFlags.EpilogueBegin));
        }

        foreach (LineRow row in rows)
        {
            code.AddLine(row);
        }
    }

    private static string FileOf(SourceLocation location) => location.DisplayPath;

    /// <summary>Converts C types to the debug type graph, once per distinct (type, typedef name, qualifiers).</summary>
    public sealed class TypeConverter
    {
        private readonly TypeTable _table;
        private readonly Dictionary<string, TypeId> _bases = new();
        private readonly Dictionary<(CType Primary, string? Typedef, TypeQualifiers Qualifiers), TypeId?> _cache = new();

        public TypeConverter(TypeTable table)
        {
            _table = table;
        }

        /// <summary>The debug type of <paramref name="type"/>; null for void.</summary>
        public TypeId? Convert(CType type) => Convert(type.Unqualified, type.TypedefName, type.Qualifiers);

        private TypeId? Convert(CType primary, string? typedefName, TypeQualifiers qualifiers)
        {
            var key = (primary, typedefName, qualifiers);
            if (_cache.TryGetValue(key, out TypeId? cached))
            {
                return cached;
            }

            TypeId? result;
            if (qualifiers != TypeQualifiers.None)
            {
                result = Convert(primary, typedefName, TypeQualifiers.None);
                foreach ((TypeQualifiers q, TypeQualifier dq) in new[]
                {
                    (TypeQualifiers.Restrict, TypeQualifier.Restrict), (TypeQualifiers.Atomic, TypeQualifier.Atomic),
                    (TypeQualifiers.Volatile, TypeQualifier.Volatile), (TypeQualifiers.Const, TypeQualifier.Const),
                })
                {
                    if ((qualifiers & q) != 0)
                    {
                        result = _table.AddQualified(dq, result);
                    }
                }
            }
            else if (typedefName is not null)
            {
                result = _table.AddTypedef(typedefName, Convert(primary, null, TypeQualifiers.None));
            }
            else if (primary.Kind is TypeKind.Struct or TypeKind.Union)
            {
                // declared first, so that members may point back at it
                TypeId id = _table.DeclareStruct(primary.Tag, primary.Kind == TypeKind.Union);
                _cache[key] = id;
                if (!primary.IsIncomplete && primary.Size >= 0)
                {
                    var members = new List<MemberInfo>();
                    foreach (Member m in primary.Members)
                    {
                        TypeId? mt = Convert(m.Type);
                        if (mt is null)
                        {
                            continue;
                        }

                        members.Add(m.IsBitField
                            ? new MemberInfo(m.Name, mt.Value, m.Offset, m.BitWidth, (long)m.Offset * 8 + m.BitOffset)
                            : new MemberInfo(m.Name, mt.Value, m.Offset));
                    }

                    _table.CompleteStruct(id, primary.Size, members);
                }

                return id;
            }
            else
            {
                result = ConvertPrimary(primary);
            }

            _cache[key] = result;
            return result;
        }

        private TypeId? ConvertPrimary(CType t)
        {
            switch (t.Kind)
            {
                case TypeKind.Void:
                    return null;
                case TypeKind.Bool:
                    return Base("_Bool", BaseTypeEncoding.Boolean, 1);
                case TypeKind.Char:
                    return t.IsUnsigned
                        ? Base("unsigned char", BaseTypeEncoding.UnsignedChar, 1)
                        : Base("char", BaseTypeEncoding.SignedChar, 1);
                case TypeKind.Short:
                    return Integer("short", t);
                case TypeKind.Int:
                    return Integer("int", t);
                case TypeKind.Long:
                    return Integer("long", t);
                case TypeKind.LongLong:
                    return Integer("long long", t);
                case TypeKind.Float:
                    return Base("float", BaseTypeEncoding.Float, 4);
                case TypeKind.Double:
                    return Base("double", BaseTypeEncoding.Float, 8);
                case TypeKind.LongDouble:
                    // Lantern computes long double in double precision, stored in the low 8 of its 16 bytes
                    return Base("double", BaseTypeEncoding.Float, 8);
                case TypeKind.Enum:
                    {
                        TypeId underlying = t.IsUnsigned
                            ? Base("unsigned int", BaseTypeEncoding.Unsigned, 4)
                            : Base("int", BaseTypeEncoding.Signed, 4);
                        return _table.AddEnum(t.Tag, underlying, t.Size > 0 ? t.Size : 4,
                            t.Enumerators.Select(e => new EnumeratorInfo(e.Name, e.Value)).ToArray());
                    }

                case TypeKind.Pointer:
                    return _table.AddPointer(t.Base is null ? null : Convert(t.Base));
                case TypeKind.Array:
                    {
                        TypeId? element = t.Base is null ? null : Convert(t.Base);
                        element ??= Base("char", BaseTypeEncoding.SignedChar, 1);
                        long? length = t.IsVla || t.ArrayLength < 0 ? null : t.ArrayLength;
                        return _table.AddArray(element.Value, length);
                    }

                case TypeKind.Function:
                    {
                        TypeId? ret = t.Base is null ? null : Convert(t.Base);
                        var parameters = new List<TypeId>();
                        foreach (Parameter p in t.Parameters)
                        {
                            if (Convert(p.Type) is TypeId pt)
                            {
                                parameters.Add(pt);
                            }
                        }

                        return _table.AddSubroutine(ret, parameters, t.IsVariadic, !t.IsOldStyle);
                    }

                default:
                    return null;
            }
        }

        private TypeId Base(string name, BaseTypeEncoding encoding, int size)
        {
            if (!_bases.TryGetValue(name, out TypeId id))
            {
                id = _table.AddBase(name, encoding, size);
                _bases[name] = id;
            }

            return id;
        }

        private TypeId Integer(string name, CType t)
            => t.IsUnsigned
                ? Base("unsigned " + name, BaseTypeEncoding.Unsigned, t.Size)
                : Base(name, BaseTypeEncoding.Signed, t.Size);
    }
}
