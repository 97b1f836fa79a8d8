using System.Buffers.Binary;
using System.Globalization;
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

    // ---------------------------------------------------------------------------------------------
    // Constant evaluation

    private long ConstExpr()
    {
        Node e = Conditional();
        if (!TryEvalInt(e, out long v))
        {
            Error(e.Loc, "expression is not an integer constant");
            return 0;
        }

        return v;
    }

    /// <summary>Evaluates an integer constant expression.</summary>
    private bool TryEvalInt(Node n, out long val)
    {
        if (n.Kind == NodeKind.Num && !n.Type.IsFloating)
        {
            val = n.Val;
            return true;
        }

        if (!TryEval(n, out val, out Obj? label) || label is not null)
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// Evaluates a constant expression: an integer, or an address constant (<paramref name="label"/> + <paramref name="val"/>).
    /// </summary>
    private bool TryEval(Node n, out long val, out Obj? label)
    {
        val = 0;
        label = null;
        switch (n.Kind)
        {
            case NodeKind.Num:
                val = n.Type.IsFloating ? (long)n.FVal : n.Val;
                return true;
            case NodeKind.Add:
            {
                if (!TryEval(n.Lhs!, out long a, out label) || !TryEval(n.Rhs!, out long b, out Obj? l2))
                {
                    return false;
                }

                if (label is not null && l2 is not null)
                {
                    return false;
                }

                label ??= l2;
                val = a + b;
                return true;
            }

            case NodeKind.Sub:
            {
                if (!TryEval(n.Lhs!, out long a, out label) || !TryEval(n.Rhs!, out long b, out Obj? l2))
                {
                    return false;
                }

                if (l2 is not null)
                {
                    if (!ReferenceEquals(l2, label))
                    {
                        return false;
                    }

                    label = null;
                }

                val = a - b;
                return true;
            }

            case NodeKind.Cond:
                if (!TryEvalInt(n.Cond!, out long c))
                {
                    return false;
                }

                return TryEval(c != 0 ? n.Then! : n.Els!, out val, out label);
            case NodeKind.Comma:
                return TryEval(n.Rhs!, out val, out label);
            case NodeKind.Cast:
            {
                if (n.Type.IsFloating)
                {
                    return false;
                }

                if (n.Lhs!.Type.IsFloating)
                {
                    if (!TryEvalDouble(n.Lhs, out double d))
                    {
                        return false;
                    }

                    val = Normalize((long)d, n.Type);
                    return true;
                }

                if (!TryEval(n.Lhs!, out val, out label))
                {
                    return false;
                }

                if (n.Type.Kind == TypeKind.Void)
                {
                    return label is null;
                }

                if (label is not null)
                {
                    return n.Type.Size == 8;
                }

                if (n.Type.IsInteger)
                {
                    val = Normalize(val, n.Type);
                }

                return true;
            }

            case NodeKind.Addr:
                return TryEvalRval(n.Lhs!, out val, out label);
            case NodeKind.Member:
                if (n.Type.Kind != TypeKind.Array)
                {
                    return false;
                }

                if (!TryEvalRval(n.Lhs!, out val, out label))
                {
                    return false;
                }

                val += n.Member!.Offset;
                return true;
            case NodeKind.Var:
                if (n.Var!.IsPoisoned)
                {
                    return true;
                }

                if (n.Var!.IsLocal || (n.Type.Kind != TypeKind.Array && n.Type.Kind != TypeKind.Function))
                {
                    return false;
                }

                label = n.Var;
                return true;
            case NodeKind.Deref:
                if (n.Type.Kind == TypeKind.Array || n.Type.Kind == TypeKind.Function)
                {
                    return TryEval(n.Lhs!, out val, out label);
                }

                return false;
        }

        // integer-only operators
        if (n.Lhs is null)
        {
            return false;
        }

        if (!TryEvalInt(n.Lhs, out long x))
        {
            return false;
        }

        long y = 0;
        if (n.Rhs is not null && !TryEvalInt(n.Rhs, out y))
        {
            return false;
        }

        CType t = n.Lhs.Type;
        bool uns = TypeRules.IsUnsignedType(t);
        switch (n.Kind)
        {
            case NodeKind.Neg: val = Normalize(-x, n.Type); return true;
            case NodeKind.Not: val = x == 0 ? 1 : 0; return true;
            case NodeKind.BitNot: val = Normalize(~x, n.Type); return true;
            case NodeKind.LogAnd: val = x != 0 && y != 0 ? 1 : 0; return true;
            case NodeKind.LogOr: val = x != 0 || y != 0 ? 1 : 0; return true;
        }

        Node f = Fold(NewBinaryRaw(n.Kind, NewNumTyped(x, t, n.Loc), NewNumTyped(y, n.Rhs?.Type ?? t, n.Loc), n.Type, n.Loc));
        if (f.Kind == NodeKind.Num)
        {
            val = f.Val;
            return true;
        }

        return false;
    }

    private bool TryEvalRval(Node n, out long val, out Obj? label)
    {
        val = 0;
        label = null;
        switch (n.Kind)
        {
            case NodeKind.Var:
                if (n.Var!.IsLocal)
                {
                    return false;
                }

                label = n.Var;
                return true;
            case NodeKind.Deref:
                return TryEval(n.Lhs!, out val, out label);
            case NodeKind.Member:
                if (!TryEvalRval(n.Lhs!, out val, out label))
                {
                    return false;
                }

                val += n.Member!.Offset;
                return true;
            case NodeKind.Comma:
                return TryEvalRval(n.Rhs!, out val, out label);
        }

        return false;
    }

    private bool TryEvalDouble(Node n, out double d)
    {
        d = 0;
        switch (n.Kind)
        {
            case NodeKind.Num:
                d = n.Type.IsFloating ? n.FVal : TypeRules.IsUnsignedType(n.Type) && n.Type.Size == 8 ? (ulong)n.Val : n.Val;
                return true;
            case NodeKind.Cast:
                if (n.Lhs!.Type.IsFloating)
                {
                    if (!TryEvalDouble(n.Lhs, out d))
                    {
                        return false;
                    }

                    if (n.Type.Kind == TypeKind.Float)
                    {
                        d = (float)d;
                    }

                    return true;
                }

                if (!TryEvalInt(n.Lhs, out long v))
                {
                    return false;
                }

                d = TypeRules.IsUnsignedType(n.Lhs.Type) && n.Lhs.Type.Size == 8 ? (ulong)v : v;
                return true;
            case NodeKind.Neg:
                if (!TryEvalDouble(n.Lhs!, out d))
                {
                    return false;
                }

                d = -d;
                return true;
            case NodeKind.Cond:
                if (!TryEvalInt(n.Cond!, out long c))
                {
                    return false;
                }

                return TryEvalDouble(c != 0 ? n.Then! : n.Els!, out d);
            case NodeKind.Comma:
                return TryEvalDouble(n.Rhs!, out d);
            case NodeKind.Add:
            case NodeKind.Sub:
            case NodeKind.Mul:
            case NodeKind.Div:
            {
                if (!TryEvalDouble(n.Lhs!, out double a) || !TryEvalDouble(n.Rhs!, out double b))
                {
                    return false;
                }

                d = n.Kind switch
                {
                    NodeKind.Add => a + b,
                    NodeKind.Sub => a - b,
                    NodeKind.Mul => a * b,
                    _ => a / b,
                };
                if (n.Type.Kind == TypeKind.Float)
                {
                    d = (float)d;
                }

                return true;
            }
        }

        if (!n.Type.IsFloating && TryEvalInt(n, out long iv))
        {
            d = iv;
            return true;
        }

        return false;
    }

    // ---------------------------------------------------------------------------------------------
    // Builtins

    private Obj MakeStringObj(string text, SourceLocation loc)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        var bytes = new byte[utf8.Length + 1];
        utf8.CopyTo(bytes, 0);
        string key = "1:" + Convert.ToBase64String(bytes);
        if (!_stringLiterals.TryGetValue(key, out Obj? g))
        {
            g = new Obj(".str." + _stringLiterals.Count.ToString(CultureInfo.InvariantCulture), CType.ArrayOf(CType.Char, bytes.Length), loc)
            {
                IsStatic = true, IsDefinition = true, InitData = bytes, IsReadOnly = true,
            };
            g.Symbol = g.Name;
            _stringLiterals[key] = g;
            Anonymous.Add(g);
        }

        return g;
    }

    private Node BuiltinArg()
    {
        Node a = Assign();
        return a;
    }

    private Node VaListPointer(Node ap, SourceLocation loc)
    {
        CType t = Decay(ap.Type);
        if (t.Kind != TypeKind.Pointer)
        {
            Error(loc, "first argument to 'va_arg' not of type 'va_list'");
        }

        return Cast(ap, Ptr(CType.Void));
    }

    /// <summary>Parses a builtin starting at the current identifier; returns null when it is not one.</summary>
    private Node? Builtin(Token t)
    {
        SourceLocation loc = t.Location;
        switch (t.Text)
        {
            case "__func__":
            case "__FUNCTION__":
            case "__PRETTY_FUNCTION__":
            {
                _pos++;
                Obj s = MakeStringObj(_currentFn?.Name ?? "", loc);
                return VarNode(s, loc);
            }

            case "__builtin_va_start":
            {
                _pos++;
                Expect("(");
                Node ap = BuiltinArg();
                if (Consume(","))
                {
                    Assign();
                }

                Expect(")");
                if (_currentFn is null || !_currentFn.Type.IsVariadic)
                {
                    Error(loc, "'va_start' used in function with fixed arguments");
                }

                return new Node(NodeKind.VaStart, loc) { Lhs = VaListPointer(ap, loc), Type = CType.Void };
            }

            case "__builtin_va_arg":
            {
                _pos++;
                Expect("(");
                Node ap = BuiltinArg();
                Expect(",");
                CType ty = TypeName();
                Expect(")");
                return new Node(NodeKind.VaArg, loc) { Lhs = VaListPointer(ap, loc), Type = ty };
            }

            case "__builtin_va_end":
            {
                _pos++;
                Expect("(");
                Node ap = BuiltinArg();
                Expect(")");
                return new Node(NodeKind.Cast, loc) { Lhs = ap, Type = CType.Void };
            }

            case "__builtin_va_copy":
            {
                _pos++;
                Expect("(");
                Node d = BuiltinArg();
                Expect(",");
                Node s = BuiltinArg();
                Expect(")");
                return new Node(NodeKind.VaCopy, loc) { Lhs = VaListPointer(d, loc), Rhs = VaListPointer(s, loc), Type = CType.Void };
            }

            case "__builtin_offsetof":
            {
                _pos++;
                Expect("(");
                CType ty = TypeName();
                Expect(",");
                long off = 0;
                CType cur = ty;
                bool first = true;
                while (true)
                {
                    if (first || Consume("."))
                    {
                        first = false;
                        Token name = ExpectIdent();
                        if (!cur.IsRecord)
                        {
                            throw Fatal(name.Location, $"request for member '{name.Text}' in something not a structure or union");
                        }

                        var dummy = new Node(NodeKind.NullExpr, loc) { Type = cur };
                        Node? m = FindMember(dummy, cur.Unqualified, name.Text, loc);
                        if (m is null)
                        {
                            throw Fatal(name.Location, $"'{Show(cur)}' has no member named '{name.Text}'");
                        }

                        for (Node? k = m; k is not null && k.Kind == NodeKind.Member; k = k.Lhs)
                        {
                            off += k.Member!.Offset;
                        }

                        cur = m.Type;
                        continue;
                    }

                    if (Consume("["))
                    {
                        long i = ConstExpr();
                        Expect("]");
                        if (cur.Kind != TypeKind.Array)
                        {
                            throw Fatal(loc, "subscripted value is not an array");
                        }

                        off += i * cur.Base!.Size;
                        cur = cur.Base!;
                        continue;
                    }

                    break;
                }

                Expect(")");
                return NewULong(off, loc);
            }

            case "__builtin_expect":
            case "__builtin_expect_with_probability":
            {
                _pos++;
                Expect("(");
                Node a = BuiltinArg();
                Expect(",");
                Assign();
                if (Consume(","))
                {
                    Assign();
                }

                Expect(")");
                return Cast(a, CType.Long);
            }

            case "__builtin_assume_aligned":
            {
                _pos++;
                Expect("(");
                Node a = BuiltinArg();
                while (Consume(","))
                {
                    Assign();
                }

                Expect(")");
                return Cast(a, Ptr(CType.Void));
            }

            case "__builtin_unreachable":
            {
                _pos++;
                Expect("(");
                Expect(")");
                return new Node(NodeKind.NullExpr, loc) { Type = CType.Void };
            }

            case "__builtin_trap":
            {
                _pos++;
                Expect("(");
                Expect(")");
                return new Node(NodeKind.Trap, loc) { Type = CType.Void };
            }

            case "__builtin_huge_val":
            case "__builtin_inf":
            case "__builtin_huge_vall":
            case "__builtin_infl":
                _pos++;
                Expect("(");
                Expect(")");
                return NewFloat(double.PositiveInfinity, t.Text.EndsWith('l') ? CType.LongDouble : CType.Double, loc);
            case "__builtin_huge_valf":
            case "__builtin_inff":
                _pos++;
                Expect("(");
                Expect(")");
                return NewFloat(double.PositiveInfinity, CType.Float, loc);
            case "__builtin_nan":
            case "__builtin_nanf":
            case "__builtin_nanl":
                _pos++;
                Expect("(");
                Assign();
                Expect(")");
                // A positive quiet NaN, as gcc's (.NET's double.NaN has the sign bit set).
                return NewFloat(BitConverter.Int64BitsToDouble(0x7FF8000000000000),
                    t.Text == "__builtin_nanf" ? CType.Float : t.Text == "__builtin_nanl" ? CType.LongDouble : CType.Double, loc);
            case "__builtin_isnan":
            case "__builtin_isinf":
            case "__builtin_isfinite":
            case "__builtin_signbit":
            case "__builtin_isinf_sign":
            case "__builtin_isnormal":
            {
                _pos++;
                Expect("(");
                Node x = BuiltinArg();
                Expect(")");
                return FloatClassify(t.Text, x, loc);
            }

            case "__builtin_isgreater":
            case "__builtin_isgreaterequal":
            case "__builtin_isless":
            case "__builtin_islessequal":
            case "__builtin_islessgreater":
            case "__builtin_isunordered":
            {
                _pos++;
                Expect("(");
                Node x = BuiltinArg();
                Expect(",");
                Node y = BuiltinArg();
                Expect(")");
                return FloatCompare(t.Text, x, y, loc);
            }

            case "__builtin_fpclassify":
            {
                _pos++;
                Expect("(");
                var cls = new Node[5];
                for (int i = 0; i < 5; i++)
                {
                    cls[i] = Cast(BuiltinArg(), CType.Int);
                    Expect(",");
                }

                Node x = BuiltinArg();
                Expect(")");
                return FpClassify(cls, x, loc);
            }

            case "__builtin_bswap16":
            case "__builtin_bswap32":
            case "__builtin_bswap64":
            case "__builtin_popcount":
            case "__builtin_popcountl":
            case "__builtin_popcountll":
            case "__builtin_clz":
            case "__builtin_clzl":
            case "__builtin_clzll":
            case "__builtin_ctz":
            case "__builtin_ctzl":
            case "__builtin_ctzll":
            case "__builtin_ffs":
            case "__builtin_ffsl":
            case "__builtin_ffsll":
            case "__builtin_parity":
            case "__builtin_parityl":
            case "__builtin_parityll":
            {
                if (_currentFn is null)
                {
                    break;
                }

                _pos++;
                Expect("(");
                Node x = BuiltinArg();
                Expect(")");
                return BitBuiltin(t.Text, x, loc);
            }

            case "__builtin_constant_p":
            {
                _pos++;
                Expect("(");
                Node x = BuiltinArg();
                Expect(")");
                return NewNum(TryEvalInt(x, out _) ? 1 : 0, loc);
            }

            case "__builtin_types_compatible_p":
            {
                _pos++;
                Expect("(");
                CType a = TypeName();
                Expect(",");
                CType b = TypeName();
                Expect(")");
                return NewNum(TypeRules.IsCompatible(a, b) ? 1 : 0, loc);
            }

            case "__builtin_choose_expr":
            {
                _pos++;
                Expect("(");
                long c = ConstExpr();
                Expect(",");
                Node a = Assign();
                Expect(",");
                Node b = Assign();
                Expect(")");
                return c != 0 ? a : b;
            }

            case "__builtin_alloca":
            case "alloca":
            {
                if (FindVar(t.Text) is not null || !Peek(1).Is("("))
                {
                    return null;
                }

                _pos++;
                Expect("(");
                Node n = Cast(BuiltinArg(), CType.ULong);
                Expect(")");
                return new Node(NodeKind.Alloca, loc) { Lhs = n, Type = Ptr(CType.Void) };
            }

            case "_Generic":
                return GenericSelection();
        }

        if (t.Text.StartsWith("__builtin_", StringComparison.Ordinal) && FindVar(t.Text) is null && Peek(1).Is("("))
        {
            // __builtin_memcpy and friends: call the library function
            string plain = t.Text["__builtin_".Length..];
            var alias = new Token(TokenKind.Identifier, string.Intern(plain), t.Location);
            _tokens[_pos] = alias;
            return IdentifierExpr(alias);
        }

        return null;
    }

    private Node FloatClassify(string which, Node x, SourceLocation loc)
    {
        if (!x.Type.IsArithmetic)
        {
            Error(loc, $"non-floating-point argument in call to function '{which}'");
            return NewNum(0, loc);
        }

        if (!x.Type.IsFloating)
        {
            x = Cast(x, CType.Double);
        }

        CType ft = x.Type.Kind == TypeKind.LongDouble ? CType.Double : x.Type;
        x = Cast(x, ft);
        if (_currentFn is null)
        {
            if (x.Kind == NodeKind.Num)
            {
                double d = x.FVal;
                return NewNum(which switch
                {
                    "__builtin_isnan" => double.IsNaN(d) ? 1 : 0,
                    "__builtin_isinf" => double.IsInfinity(d) ? 1 : 0,
                    "__builtin_isinf_sign" => double.IsInfinity(d) ? (d > 0 ? 1 : -1) : 0,
                    "__builtin_isfinite" => double.IsFinite(d) ? 1 : 0,
                    "__builtin_isnormal" => double.IsNormal(d) ? 1 : 0,
                    _ => double.IsNegative(d) ? 1 : 0,
                }, loc);
            }

            Error(loc, "initializer element is not constant");
            return NewNum(0, loc);
        }

        Obj tmp = NewTemp(ft, loc);
        Node set = NewAssignRaw(VarNode(tmp, loc), x, loc);
        Node V() => VarNode(tmp, loc);
        Node inf = NewFloat(double.PositiveInfinity, ft, loc);
        Node ninf = NewFloat(double.NegativeInfinity, ft, loc);
        Node result;
        switch (which)
        {
            case "__builtin_isnan":
                result = NewCompare(NodeKind.Ne, V(), V(), loc, "!=");
                break;
            case "__builtin_isinf":
                // like glibc's isinf(): -1 for -inf
                result = MakeConditional(NewCompare(NodeKind.Eq, V(), inf, loc, "=="), NewNum(1, loc),
                    MakeConditional(NewCompare(NodeKind.Eq, V(), ninf, loc, "=="), NewNum(-1, loc), NewNum(0, loc), loc), loc);
                break;
            case "__builtin_isinf_sign":
                result = MakeConditional(NewCompare(NodeKind.Eq, V(), inf, loc, "=="), NewNum(1, loc),
                    MakeConditional(NewCompare(NodeKind.Eq, V(), ninf, loc, "=="), NewNum(-1, loc), NewNum(0, loc), loc), loc);
                break;
            case "__builtin_isfinite":
                result = NewCompare(NodeKind.Eq, NewArith(NodeKind.Sub, V(), V(), loc), NewFloat(0, ft, loc), loc, "==");
                break;
            case "__builtin_isnormal":
            {
                // finite, and |x| >= smallest normal
                Node finite = NewCompare(NodeKind.Eq, NewArith(NodeKind.Sub, V(), V(), loc), NewFloat(0, ft, loc), loc, "==");
                double min = ft.Kind == TypeKind.Float ? 1.17549435e-38 : 2.2250738585072014e-308;
                Node big = NewLogical(NodeKind.LogOr, NewCompare(NodeKind.Le, NewFloat(min, ft, loc), V(), loc, "<="),
                    NewCompare(NodeKind.Le, V(), NewFloat(-min, ft, loc), loc, "<="), loc);
                result = NewLogical(NodeKind.LogAnd, finite, big, loc);
                break;
            }

            default:
            {
                // signbit: look at the sign bit of the representation
                CType it = ft.Kind == TypeKind.Float ? CType.Int : CType.Long;
                Node bits = NewUnaryRaw(NodeKind.Deref, Cast(NewUnaryRaw(NodeKind.Addr, V(), Ptr(ft), loc), Ptr(it)), it, loc);
                result = NewCompare(NodeKind.Lt, bits, NewNum(0, loc), loc, "<");
                break;
            }
        }

        return NewComma(set, result, loc);
    }

    private Node FloatCompare(string which, Node x, Node y, SourceLocation loc)
    {
        if (!x.Type.IsArithmetic || !y.Type.IsArithmetic)
        {
            Error(loc, $"non-floating-point arguments in call to function '{which}'");
            return NewNum(0, loc);
        }

        if (_currentFn is null)
        {
            Error(loc, "initializer element is not constant");
            return NewNum(0, loc);
        }

        CType ct = TypeRules.CommonType(x.Type, y.Type);
        Obj tx = NewTemp(ct, loc);
        Obj ty = NewTemp(ct, loc);
        Node set = NewComma(NewAssignRaw(VarNode(tx, loc), x, loc), NewAssignRaw(VarNode(ty, loc), y, loc), loc);
        Node X() => VarNode(tx, loc);
        Node Y() => VarNode(ty, loc);
        Node r = which switch
        {
            "__builtin_isgreater" => NewCompare(NodeKind.Lt, Y(), X(), loc, ">"),
            "__builtin_isgreaterequal" => NewCompare(NodeKind.Le, Y(), X(), loc, ">="),
            "__builtin_isless" => NewCompare(NodeKind.Lt, X(), Y(), loc, "<"),
            "__builtin_islessequal" => NewCompare(NodeKind.Le, X(), Y(), loc, "<="),
            "__builtin_islessgreater" => NewLogical(NodeKind.LogOr, NewCompare(NodeKind.Lt, X(), Y(), loc, "<"), NewCompare(NodeKind.Lt, Y(), X(), loc, ">"), loc),
            _ => NewLogical(NodeKind.LogOr, NewCompare(NodeKind.Ne, X(), X(), loc, "!="), NewCompare(NodeKind.Ne, Y(), Y(), loc, "!="), loc),
        };
        return NewComma(set, r, loc);
    }

    /// <summary>Bit-manipulation builtins as branch-free expressions over a temporary.</summary>
    private Node BitBuiltin(string name, Node x, SourceLocation loc)
    {
        string op = name["__builtin_".Length..].TrimEnd('l');
        bool wide = name.EndsWith('l');
        CType ut = op switch
        {
            "bswap16" => CType.UShort,
            "bswap32" => CType.UInt,
            "bswap64" => CType.ULong,
            _ => wide ? CType.ULong : CType.UInt,
        };
        if (!x.Type.IsInteger)
        {
            Error(loc, $"argument to '{name}' must be an integer");
            return NewNum(0, loc);
        }

        Obj tmp = NewTemp(ut, loc);
        Node set = NewAssignRaw(VarNode(tmp, loc), x, loc);
        Node V() => VarNode(tmp, loc);
        Node N(long v) => NewNumTyped(v, ut, loc);
        Node And(Node a, Node b) => NewArith(NodeKind.BitAnd, a, b, loc);
        Node Or(Node a, Node b) => NewArith(NodeKind.BitOr, a, b, loc);
        Node Shr(Node a, int s) => NewShift(NodeKind.Shr, a, NewNum(s, loc), loc);
        Node Shl(Node a, int s) => NewShift(NodeKind.Shl, a, NewNum(s, loc), loc);
        Node Assign(Node value) => NewAssignRaw(V(), value, loc);
        int bits = ut.Size * 8;
        Node Popcount()
        {
            // v = v - ((v >> 1) & 0x55..); v = (v & 0x33..) + ((v >> 2) & 0x33..); v = (v + (v >> 4)) & 0x0f..; (v * 0x01..) >> (bits - 8)
            long m1 = unchecked((long)0x5555555555555555UL), m2 = unchecked((long)0x3333333333333333UL), m4 = 0x0f0f0f0f0f0f0f0fL, h = 0x0101010101010101L;
            Node e = Assign(NewSub(V(), And(Shr(V(), 1), N(m1)), loc));
            e = NewComma(e, Assign(NewAdd(And(V(), N(m2)), And(Shr(V(), 2), N(m2)), loc)), loc);
            e = NewComma(e, Assign(And(NewAdd(V(), Shr(V(), 4), loc), N(m4))), loc);
            return NewComma(e, Cast(Shr(NewArith(NodeKind.Mul, V(), N(h), loc), bits - 8), CType.Int), loc);
        }

        Node result;
        switch (op)
        {
            case "bswap16":
                result = Cast(Or(Shl(V(), 8), Shr(V(), 8)), CType.UShort);
                break;
            case "bswap32":
            case "bswap64":
            {
                Node acc = N(0);
                for (int i = 0; i < bits / 8; i++)
                {
                    Node b = And(Shr(V(), i * 8), N(0xff));
                    acc = Or(acc, Shl(b, bits - 8 - i * 8));
                }

                result = Cast(acc, ut);
                break;
            }

            case "popcount":
                result = Popcount();
                break;
            case "parity":
                result = NewArith(NodeKind.BitAnd, Popcount(), NewNum(1, loc), loc);
                break;
            case "ctz":
                // popcount((v & -v) - 1)
                result = NewComma(Assign(NewSub(And(V(), NewSub(N(0), V(), loc)), N(1), loc)), Popcount(), loc);
                break;
            case "ffs":
            {
                Obj saved = NewTemp(ut, loc);
                Node keep = NewAssignRaw(VarNode(saved, loc), V(), loc);
                Node ctz = NewComma(Assign(NewSub(And(V(), NewSub(N(0), V(), loc)), N(1), loc)), Popcount(), loc);
                result = NewComma(keep, MakeConditional(VarNode(saved, loc), NewAdd(ctz, NewNum(1, loc), loc), NewNum(0, loc), loc), loc);
                break;
            }

            default:
            {
                // clz: smear the highest bit down, then bits - popcount
                Node e = Assign(Or(V(), Shr(V(), 1)));
                for (int s = 2; s < bits; s *= 2)
                {
                    e = NewComma(e, Assign(Or(V(), Shr(V(), s))), loc);
                }

                result = NewComma(e, NewSub(NewNum(bits, loc), Popcount(), loc), loc);
                break;
            }
        }

        return NewComma(set, result, loc);
    }

    // fpclassify(nan, inf, normal, subnormal, zero, x)
    private Node FpClassify(Node[] cls, Node x, SourceLocation loc)
    {
        if (!x.Type.IsArithmetic || _currentFn is null)
        {
            Error(loc, "invalid argument to '__builtin_fpclassify'");
            return NewNum(0, loc);
        }

        CType ft = x.Type.Kind == TypeKind.Float ? CType.Float : CType.Double;
        Obj tmp = NewTemp(ft, loc);
        Node set = NewAssignRaw(VarNode(tmp, loc), x, loc);
        Node V() => VarNode(tmp, loc);
        double min = ft.Kind == TypeKind.Float ? 1.17549435e-38 : 2.2250738585072014e-308;
        Node isNan = NewCompare(NodeKind.Ne, V(), V(), loc, "!=");
        Node isInf = NewLogical(NodeKind.LogOr, NewCompare(NodeKind.Eq, V(), NewFloat(double.PositiveInfinity, ft, loc), loc, "=="),
            NewCompare(NodeKind.Eq, V(), NewFloat(double.NegativeInfinity, ft, loc), loc, "=="), loc);
        Node isZero = NewCompare(NodeKind.Eq, V(), NewFloat(0, ft, loc), loc, "==");
        Node isSub = NewLogical(NodeKind.LogAnd, NewCompare(NodeKind.Lt, V(), NewFloat(min, ft, loc), loc, "<"),
            NewCompare(NodeKind.Lt, NewFloat(-min, ft, loc), V(), loc, ">"), loc);
        Node r = MakeConditional(isNan, cls[0], MakeConditional(isInf, cls[1], MakeConditional(isZero, cls[4],
            MakeConditional(isSub, cls[3], cls[2], loc), loc), loc), loc);
        return NewComma(set, r, loc);
    }

    // generic-selection = "(" assign ("," generic-assoc)* ")"
    // generic-assoc     = (type-name | "default") ":" assign
    private Node GenericSelection()
    {
        Token kw = Next();
        Expect("(");
        Node ctrl = Assign();
        CType ct = Decay(ctrl.Type).Unqualified;
        Node? chosen = null;
        Node? def = null;
        while (Consume(","))
        {
            if (Consume("default"))
            {
                Expect(":");
                def = Assign();
                continue;
            }

            CType t = TypeName();
            Expect(":");
            Node e = Assign();
            if (chosen is null && TypeRules.IsCompatible(ct, t, strictQualifiers: true))
            {
                chosen = e;
            }
        }

        Expect(")");
        chosen ??= def;
        if (chosen is null)
        {
            Error(kw.Location, $"'_Generic' selector of type '{Show(ctrl.Type)}' is not compatible with any association");
            return NewNum(0, kw.Location);
        }

        return chosen;
    }
}
