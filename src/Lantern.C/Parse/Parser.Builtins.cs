using System.Globalization;
using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Lantern.C.Types;

namespace Lantern.C.Parse;

internal sealed partial class Parser
{
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
