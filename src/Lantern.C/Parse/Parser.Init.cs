using System.Buffers.Binary;
using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Lex;
using Lantern.C.Types;

namespace Lantern.C.Parse;

internal sealed partial class Parser
{
    /// <summary>An initializer tree (chibicc's Initializer): one node per array element / member.</summary>
    private sealed class Initializer
    {
        public Initializer(CType type, bool isFlexible)
        {
            Type = type;
            if (type.Kind == TypeKind.Array)
            {
                if (isFlexible && type.ArrayLength < 0)
                {
                    IsFlexible = true;
                    return;
                }

                Children = new Initializer?[Math.Max(0, type.ArrayLength)];
            }
            else if (type.IsRecord)
            {
                List<Member> ms = type.Unqualified.Members;
                Children = new Initializer?[ms.Count];
                FlexibleLast = isFlexible && type.Kind == TypeKind.Struct && type.Unqualified.HasFlexibleArray;
            }
        }

        public CType Type;
        public bool IsFlexible;
        public bool FlexibleLast;
        public Node? Expr;
        public Initializer?[]? Children;
        public Member? UnionMember;

        public Initializer Child(int i)
        {
            Initializer? c = Children![i];
            if (c is null)
            {
                CType ct = Type.Kind == TypeKind.Array ? Type.Base! : Type.Unqualified.Members[i].Type;
                bool flex = FlexibleLast && i == Children.Length - 1;
                c = new Initializer(ct, flex);
                Children[i] = c;
            }

            return c;
        }

        public void Reset(CType type)
        {
            var fresh = new Initializer(type, false);
            Type = fresh.Type;
            IsFlexible = false;
            Children = fresh.Children;
            Expr = null;
        }
    }

    private bool IsInitEnd() => Is("}") || (Is(",") && Peek(1).Is("}"));

    private bool ConsumeInitEnd()
    {
        if (Consume("}"))
        {
            return true;
        }

        if (Is(",") && Peek(1).Is("}"))
        {
            _pos += 2;
            return true;
        }

        return false;
    }

    // initializer = string-initializer | array-initializer | struct-initializer | union-initializer | assign
    private Initializer ParseInitializer(CType ty, out CType newTy)
    {
        var init = new Initializer(ty, true);
        Initializer2(init);
        if (ty.Kind == TypeKind.Struct && ty.Unqualified.HasFlexibleArray && init.Children is not null && init.Children.Length > 0)
        {
            Initializer? last = init.Children[^1];
            if (last is not null && last.Type.ArrayLength > 0)
            {
                // the object grows by the flexible array's initializer (gcc extension)
                newTy = ty;
                _flexExtra = last.Type.Size;
                return init;
            }
        }

        newTy = init.Type;
        return init;
    }

    private int _flexExtra;

    private void Initializer2(Initializer init)
    {
        CType ty = init.Type;
        if (ty.Kind == TypeKind.Array && Tok.Kind == TokenKind.StringLiteral && (ty.Base!.Kind is TypeKind.Char or TypeKind.Short or TypeKind.Int))
        {
            StringInitializer(init);
            return;
        }

        if (ty.Kind == TypeKind.Array)
        {
            if (Is("{") && Peek(1).Kind == TokenKind.StringLiteral && Peek(2).Is("}") && ty.Base!.Kind == TypeKind.Char)
            {
                _pos++;
                StringInitializer(init);
                Expect("}");
                return;
            }

            if (Is("{"))
            {
                ArrayInitializer1(init);
            }
            else
            {
                ArrayInitializer2(init, 0);
            }

            return;
        }

        if (ty.Kind == TypeKind.Struct)
        {
            if (Is("{"))
            {
                StructInitializer1(init);
                return;
            }

            // A struct can be initialized with another struct
            int save = _pos;
            Node expr = Assign();
            if (expr.Type.IsRecord)
            {
                init.Expr = expr;
                return;
            }

            _pos = save;
            StructInitializer2(init, 0);
            return;
        }

        if (ty.Kind == TypeKind.Union)
        {
            UnionInitializer(init);
            return;
        }

        if (Is("{"))
        {
            // An initializer for a scalar variable can be surrounded by braces
            _pos++;
            if (Is("}"))
            {
                init.Expr = NewNum(0, Tok.Location);
                _pos++;
                return;
            }

            Initializer2(init);
            while (Consume(","))
            {
                if (Is("}"))
                {
                    break;
                }

                Warn(Tok.Location, "excess elements in scalar initializer");
                Assign();
            }

            Expect("}");
            return;
        }

        init.Expr = Assign();
    }

    private void StringInitializer(Initializer init)
    {
        Node s = StringLiteral();
        CType st = s.Type;
        byte[] data = s.Var!.InitData!;
        int esize = st.Base!.Size;
        if (init.IsFlexible)
        {
            init.Reset(CType.ArrayOf(init.Type.Base!, st.ArrayLength));
        }

        if (init.Type.Base!.Size != esize)
        {
            Error(s.Loc, "initializer-string for array has the wrong element type");
            return;
        }

        int len = Math.Min(init.Type.ArrayLength, st.ArrayLength);
        if (st.ArrayLength - 1 > init.Type.ArrayLength)
        {
            Warn(s.Loc, "initializer-string for array of 'char' is too long");
        }

        for (int i = 0; i < len; i++)
        {
            long v = esize == 1 ? (long)data[i] : esize == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(i * 2)) : BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(i * 4));
            init.Child(i).Expr = NewNumTyped(v, init.Type.Base!, s.Loc);
        }
    }

    private int CountArrayInitElements(CType ty)
    {
        int save = _pos;
        var dummy = new Initializer(ty.Base!, true);
        int i = 0, max = 0;
        bool first = true;
        while (!ConsumeInitEnd())
        {
            if (AtEof)
            {
                break;
            }

            if (!first)
            {
                Expect(",");
            }

            first = false;
            if (Is("["))
            {
                _pos++;
                i = (int)ConstExpr();
                if (Consume("..."))
                {
                    i = (int)ConstExpr();
                }

                Expect("]");
                Designation(dummy);
            }
            else
            {
                Initializer2(dummy);
            }

            i++;
            max = Math.Max(max, i);
            dummy = new Initializer(ty.Base!, true);
        }

        _pos = save;
        return max;
    }

    // array-initializer1 = "{" initializer ("," initializer)* ","? "}"
    private void ArrayInitializer1(Initializer init)
    {
        Expect("{");
        if (init.IsFlexible)
        {
            int len = CountArrayInitElements(init.Type);
            init.Reset(CType.ArrayOf(init.Type.Base!, len));
        }

        bool first = true;
        bool warned = false;
        for (int i = 0; !ConsumeInitEnd(); i++)
        {
            if (AtEof)
            {
                ExpectedError("'}'");
            }

            if (!first)
            {
                Expect(",");
            }

            first = false;
            if (Is("["))
            {
                ArrayDesignator(init.Type, out int begin, out int end);
                int after = _pos;
                for (int j = begin; j <= end; j++)
                {
                    _pos = after;
                    Designation(init.Child(j));
                }

                i = end;
                continue;
            }

            if (i < init.Type.ArrayLength)
            {
                Initializer2(init.Child(i));
            }
            else
            {
                if (!warned)
                {
                    Warn(Tok.Location, "excess elements in array initializer");
                    warned = true;
                }

                SkipExcessElement();
            }
        }
    }

    private void SkipExcessElement()
    {
        if (Is("{"))
        {
            _pos++;
            SkipExcessElement();
            while (!ConsumeInitEnd() && !AtEof)
            {
                Consume(",");
                SkipExcessElement();
            }

            return;
        }

        Assign();
    }

    // array-initializer2 = initializer ("," initializer)*
    private void ArrayInitializer2(Initializer init, int i)
    {
        if (init.IsFlexible)
        {
            int len = CountArrayInitElements(init.Type);
            init.Reset(CType.ArrayOf(init.Type.Base!, len));
        }

        for (; i < init.Type.ArrayLength && !IsInitEnd(); i++)
        {
            int start = _pos;
            if (i > 0)
            {
                Expect(",");
            }

            if (Is("[") || Is("."))
            {
                _pos = start;
                return;
            }

            Initializer2(init.Child(i));
        }
    }

    // struct-initializer1 = "{" initializer ("," initializer)* ","? "}"
    private void StructInitializer1(Initializer init)
    {
        Expect("{");
        List<Member> ms = init.Type.Unqualified.Members;
        int mi = 0;
        bool first = true;
        bool warned = false;
        while (!ConsumeInitEnd())
        {
            if (AtEof)
            {
                ExpectedError("'}'");
            }

            if (!first)
            {
                Expect(",");
            }

            first = false;
            if (Is("."))
            {
                mi = StructDesignator(init.Type);
                Designation(init.Child(mi));
                mi++;
                continue;
            }

            // skip unnamed bit-fields
            while (mi < ms.Count && ms[mi].IsBitField && ms[mi].Name is null)
            {
                mi++;
            }

            if (mi < ms.Count)
            {
                Initializer2(init.Child(mi));
                mi++;
            }
            else
            {
                if (!warned)
                {
                    Warn(Tok.Location, "excess elements in struct initializer");
                    warned = true;
                }

                SkipExcessElement();
            }
        }
    }

    // struct-initializer2 = initializer ("," initializer)*
    private void StructInitializer2(Initializer init, int mi)
    {
        List<Member> ms = init.Type.Unqualified.Members;
        bool first = true;
        for (; mi < ms.Count && !IsInitEnd(); mi++)
        {
            if (ms[mi].IsBitField && ms[mi].Name is null)
            {
                continue;
            }

            int start = _pos;
            if (!first)
            {
                Expect(",");
            }

            first = false;
            if (Is("[") || Is("."))
            {
                _pos = start;
                return;
            }

            Initializer2(init.Child(mi));
        }
    }

    private void UnionInitializer(Initializer init)
    {
        List<Member> ms = init.Type.Unqualified.Members;
        if (Is("{") && Peek(1).Is("."))
        {
            _pos++;
            while (true)
            {
                int mi = StructDesignator(init.Type);
                if (!ReferenceEquals(init.UnionMember, ms[mi]))
                {
                    init.Children![mi] = null;
                }

                init.UnionMember = ms[mi];
                Designation(init.Child(mi));
                if (ConsumeInitEnd())
                {
                    return;
                }

                Expect(",");
                if (!Is("."))
                {
                    Warn(Tok.Location, "excess elements in union initializer");
                    while (!ConsumeInitEnd() && !AtEof)
                    {
                        Consume(",");
                        SkipExcessElement();
                    }

                    return;
                }
            }
        }

        if (ms.Count == 0)
        {
            if (Is("{"))
            {
                _pos++;
                Expect("}");
            }

            return;
        }

        init.UnionMember = ms[0];
        if (Is("{"))
        {
            _pos++;
            Initializer2(init.Child(0));
            Consume(",");
            Expect("}");
        }
        else
        {
            int save = _pos;
            Node e = Assign();
            if (e.Type.IsRecord && ReferenceEquals(e.Type.Unqualified, init.Type.Unqualified))
            {
                init.Expr = e;
                init.UnionMember = null;
                return;
            }

            _pos = save;
            Initializer2(init.Child(0));
        }
    }

    private void ArrayDesignator(CType ty, out int begin, out int end)
    {
        Token open = Tok;
        Expect("[");
        begin = (int)ConstExpr();
        if (ty.ArrayLength >= 0 && begin >= ty.ArrayLength || begin < 0)
        {
            Error(open.Location, "array index in initializer exceeds array bounds");
            begin = 0;
        }

        end = begin;
        if (Consume("..."))
        {
            end = (int)ConstExpr();
            if (ty.ArrayLength >= 0 && end >= ty.ArrayLength || end < begin)
            {
                Error(open.Location, "array index range in initializer exceeds array bounds");
                end = begin;
            }
        }

        Expect("]");
    }

    /// <summary>struct-designator = "." ident; returns the member index (an anonymous member holding it leaves the "." unconsumed).</summary>
    private int StructDesignator(CType ty)
    {
        int start = _pos;
        Expect(".");
        Token name = ExpectIdent();
        List<Member> ms = ty.Unqualified.Members;
        for (int i = 0; i < ms.Count; i++)
        {
            Member m = ms[i];
            if (m.Name is null && m.Type.IsRecord)
            {
                if (FindMember(new Node(NodeKind.NullExpr, name.Location) { Type = m.Type }, m.Type.Unqualified, name.Text, name.Location) is not null)
                {
                    _pos = start;
                    return i;
                }

                continue;
            }

            if (m.Name == name.Text)
            {
                return i;
            }
        }

        throw Fatal(name.Location, $"'{Show(ty)}' has no member named '{name.Text}'");
    }

    // designation = ("[" const-expr "]" | "." ident)* "="? initializer
    private void Designation(Initializer init)
    {
        if (Is("["))
        {
            if (init.Type.Kind != TypeKind.Array)
            {
                throw Fatal(Tok.Location, "array index in non-array initializer");
            }

            ArrayDesignator(init.Type, out int begin, out int end);
            int after = _pos;
            for (int i = begin; i <= end; i++)
            {
                _pos = after;
                Designation(init.Child(i));
            }

            ArrayInitializer2(init, begin + 1);
            return;
        }

        if (Is(".") && init.Type.Kind == TypeKind.Struct)
        {
            int mi = StructDesignator(init.Type);
            Designation(init.Child(mi));
            init.Expr = null;
            StructInitializer2(init, mi + 1);
            return;
        }

        if (Is(".") && init.Type.Kind == TypeKind.Union)
        {
            int mi = StructDesignator(init.Type);
            init.UnionMember = init.Type.Unqualified.Members[mi];
            Designation(init.Child(mi));
            return;
        }

        if (Is("."))
        {
            throw Fatal(Tok.Location, "field name not in record or union initializer");
        }

        Consume("=");
        Initializer2(init);
    }

    // ---------------------------------------------------------------------------------------------
    // Local initializers: zero the object, then assign each initialized leaf

    private Node LocalInitializer(Obj v, SourceLocation loc)
    {
        _flexExtra = 0;
        Initializer init = ParseInitializer(v.Type, out CType newTy);
        v.Type = newTy;
        if (_flexExtra > 0)
        {
            Error(loc, "non-static initialization of a flexible array member");
        }

        Node target = VarNode(v, loc);
        if (!newTy.IsAggregate)
        {
            if (init.Expr is null)
            {
                return NewAssignRaw(target, NewNum(0, loc), loc);
            }

            return new Node(NodeKind.Assign, loc) { Lhs = target, Rhs = ConvertForAssignment(newTy, init.Expr, "initializing", init.Expr.Loc), Type = newTy };
        }

        if (init.Expr is not null && newTy.IsRecord)
        {
            return new Node(NodeKind.Assign, loc) { Lhs = target, Rhs = ConvertForAssignment(newTy, init.Expr, "initializing", init.Expr.Loc), Type = newTy };
        }

        Node result = new Node(NodeKind.MemZero, loc) { Var = v, Type = CType.Void };
        var assigns = new List<Node>();
        CreateLocalInit(init, newTy, () => VarNode(v, loc), assigns, loc);
        foreach (Node a in assigns)
        {
            result = NewComma(result, a, loc);
        }

        return result;
    }

    private void CreateLocalInit(Initializer init, CType ty, Func<Node> target, List<Node> output, SourceLocation loc)
    {
        if (ty.Kind == TypeKind.Array && init.Children is not null)
        {
            for (int i = 0; i < init.Children.Length; i++)
            {
                Initializer? c = init.Children[i];
                if (c is null)
                {
                    continue;
                }

                int idx = i;
                CreateLocalInit(c, ty.Base!, () => NewUnaryRaw(NodeKind.Deref, NewAdd(target(), NewNum(idx, loc), loc), ty.Base!, loc), output, loc);
            }

            return;
        }

        if (ty.Kind == TypeKind.Struct && init.Expr is null && init.Children is not null)
        {
            List<Member> ms = ty.Unqualified.Members;
            for (int i = 0; i < init.Children.Length; i++)
            {
                Initializer? c = init.Children[i];
                if (c is null)
                {
                    continue;
                }

                Member m = ms[i];
                CreateLocalInit(c, m.Type, () => new Node(NodeKind.Member, loc) { Lhs = target(), Member = m, Type = m.Type }, output, loc);
            }

            return;
        }

        if (ty.Kind == TypeKind.Union && init.Expr is null && init.Children is not null)
        {
            Member? m = init.UnionMember;
            if (m is null)
            {
                return;
            }

            int i = ty.Unqualified.Members.IndexOf(m);
            Initializer? c = init.Children[i];
            if (c is not null)
            {
                CreateLocalInit(c, m.Type, () => new Node(NodeKind.Member, loc) { Lhs = target(), Member = m, Type = m.Type }, output, loc);
            }

            return;
        }

        if (init.Expr is null)
        {
            return;
        }

        Node lhs = target();
        Node rhs = ConvertForAssignment(ty, init.Expr, "initializing", init.Expr.Loc);
        output.Add(new Node(NodeKind.Assign, loc) { Lhs = lhs, Rhs = rhs, Type = ty });
    }

    // ---------------------------------------------------------------------------------------------
    // Global initializers: bytes plus relocations

    private void GlobalInitializer(Obj v, CType ty)
    {
        _flexExtra = 0;
        Token start = Tok;
        Initializer init = ParseInitializer(ty, out CType newTy);
        v.Type = newTy;
        int size = SizeOf(newTy) + _flexExtra;
        if (size < 0)
        {
            Error(v.Loc, $"storage size of '{v.Name}' isn't known");
            return;
        }

        var buf = new byte[size];
        var relocs = new List<IrReloc>();
        WriteGlobalData(init, newTy, buf, 0, relocs);
        v.InitData = buf;
        v.Relocs = relocs;
        v.IsDefinition = true;
        if (_flexExtra > 0)
        {
            _flexSize[v] = size;
        }
    }

    private readonly Dictionary<Obj, int> _flexSize = new(ReferenceEqualityComparer.Instance);

    /// <summary>Size of the object, including a flexible array member initialized at file scope.</summary>
    public int ObjectSize(Obj v) => _flexSize.TryGetValue(v, out int s) ? s : SizeOf(v.Type);

    private void WriteGlobalData(Initializer init, CType ty, byte[] buf, int offset, List<IrReloc> relocs)
    {
        if (ty.Kind == TypeKind.Array && init.Children is not null)
        {
            int sz = ty.Base!.Size;
            for (int i = 0; i < init.Children.Length; i++)
            {
                Initializer? c = init.Children[i];
                if (c is not null)
                {
                    WriteGlobalData(c, ty.Base!, buf, offset + sz * i, relocs);
                }
            }

            return;
        }

        if (ty.Kind == TypeKind.Struct && init.Expr is null && init.Children is not null)
        {
            List<Member> ms = ty.Unqualified.Members;
            for (int i = 0; i < init.Children.Length; i++)
            {
                Initializer? c = init.Children[i];
                if (c is null)
                {
                    continue;
                }

                Member m = ms[i];
                if (m.IsBitField)
                {
                    if (c.Expr is null)
                    {
                        continue;
                    }

                    if (!TryEvalInt(Cast(c.Expr, m.Type), out long bval))
                    {
                        Error(c.Expr.Loc, "initializer element is not constant");
                        continue;
                    }

                    int unit = m.Type.Size;
                    int at = offset + m.Offset;
                    ulong old = ReadUnit(buf, at, unit);
                    ulong mask = m.BitWidth >= 64 ? ulong.MaxValue : ((1UL << m.BitWidth) - 1);
                    old &= ~(mask << m.BitOffset);
                    old |= ((ulong)bval & mask) << m.BitOffset;
                    WriteUnit(buf, at, unit, old);
                    continue;
                }

                CType mt = m.Type;
                if (c.Type.Kind == TypeKind.Array && mt.Kind == TypeKind.Array && mt.ArrayLength < 0)
                {
                    mt = c.Type; // flexible array member
                }

                WriteGlobalData(c, mt, buf, offset + m.Offset, relocs);
            }

            return;
        }

        if (ty.Kind == TypeKind.Union && init.Expr is null && init.Children is not null)
        {
            Member? m = init.UnionMember;
            if (m is null)
            {
                return;
            }

            int i = ty.Unqualified.Members.IndexOf(m);
            Initializer? c = init.Children[i];
            if (c is not null)
            {
                WriteGlobalData(c, m.Type, buf, offset + m.Offset, relocs);
            }

            return;
        }

        Node? e = init.Expr;
        if (e is null)
        {
            return;
        }

        if (ty.IsRecord)
        {
            // struct initialized from a compound literal or another constant object
            if (e.Kind == NodeKind.Var && e.Var!.InitData is not null && !e.Var.IsLocal)
            {
                Array.Copy(e.Var.InitData, 0, buf, offset, Math.Min(e.Var.InitData.Length, SizeOf(ty)));
                foreach (IrReloc r in e.Var.Relocs ?? new List<IrReloc>())
                {
                    relocs.Add(new IrReloc(offset + r.Offset, r.Symbol, r.Addend));
                }

                return;
            }

            Error(e.Loc, "initializer element is not constant");
            return;
        }

        e = ConvertForAssignment(ty, e, "initializing", e.Loc);
        if (ty.IsFloating)
        {
            if (!TryEvalDouble(e, out double d))
            {
                Error(e.Loc, "initializer element is not constant");
                return;
            }

            if (ty.Kind == TypeKind.Float)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(offset), (float)d);
            }
            else
            {
                BinaryPrimitives.WriteDoubleLittleEndian(buf.AsSpan(offset), d);
            }

            return;
        }

        if (!TryEval(e, out long val, out Obj? label))
        {
            Error(e.Loc, "initializer element is not constant");
            return;
        }

        if (label is not null)
        {
            if (ty.Size != 8)
            {
                Error(e.Loc, "initializer element is not computable at load time");
                return;
            }

            label.IsReferenced = true;
            relocs.Add(new IrReloc(offset, label.Symbol, val));
            return;
        }

        WriteUnit(buf, offset, ty.Size, (ulong)val);
    }

    private static ulong ReadUnit(byte[] buf, int at, int size) => size switch
    {
        1 => buf[at],
        2 => BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(at)),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(at)),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(buf.AsSpan(at)),
    };

    private static void WriteUnit(byte[] buf, int at, int size, ulong v)
    {
        switch (size)
        {
            case 1: buf[at] = (byte)v; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(at), (ushort)v); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(at), (uint)v); break;
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(buf.AsSpan(at), v); break;
        }
    }
}
