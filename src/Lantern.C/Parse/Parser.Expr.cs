using System.Globalization;
using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Lantern.C.Types;

namespace Lantern.C.Parse;

internal sealed partial class Parser
{
    // ---------------------------------------------------------------------------------------------
    // Node builders

    private static Node NewNum(long v, SourceLocation loc) => new(NodeKind.Num, loc) { Val = v, Type = CType.Int };

    private static Node NewULong(long v, SourceLocation loc) => new(NodeKind.Num, loc) { Val = v, Type = CType.ULong };

    private static Node NewLong(long v, SourceLocation loc) => new(NodeKind.Num, loc) { Val = v, Type = CType.Long };

    private static Node NewNumTyped(long v, CType t, SourceLocation loc) => new(NodeKind.Num, loc) { Val = Normalize(v, t), Type = t };

    private static Node NewFloat(double v, CType t, SourceLocation loc) =>
        new(NodeKind.Num, loc) { FVal = t.Kind == TypeKind.Float ? (float)v : v, Type = t };

    private static Node VarNode(Obj v, SourceLocation loc)
    {
        v.IsReferenced = true;
        return new Node(NodeKind.Var, loc) { Var = v, Type = v.Type };
    }

    private static Node NewBinaryRaw(NodeKind k, Node l, Node r, CType t, SourceLocation loc) =>
        new(k, loc) { Lhs = l, Rhs = r, Type = t };

    private static Node NewUnaryRaw(NodeKind k, Node l, CType t, SourceLocation loc) => new(k, loc) { Lhs = l, Type = t };

    private Node NewAssignRaw(Node l, Node r, SourceLocation loc) =>
        new(NodeKind.Assign, loc) { Lhs = l, Rhs = l.Type.IsRecord ? r : Cast(r, l.Type), Type = l.Type };

    private static Node NewComma(Node l, Node r, SourceLocation loc) =>
        new(NodeKind.Comma, loc) { Lhs = l, Rhs = r, Type = r.Type };

    private Node ExprStmt(Node e, SourceLocation loc) => new(NodeKind.ExprStmt, loc) { Lhs = e };

    /// <summary>Truncates/extends a constant to the value range of an integer type.</summary>
    public static long Normalize(long v, CType t)
    {
        switch (t.Kind)
        {
            case TypeKind.Bool:
                return v != 0 ? 1 : 0;
            case TypeKind.Char:
                return t.IsUnsigned ? (byte)v : (sbyte)v;
            case TypeKind.Short:
                return t.IsUnsigned ? (ushort)v : (short)v;
            case TypeKind.Int:
                return t.IsUnsigned ? (uint)v : (int)v;
            case TypeKind.Enum:
                return (int)v;
            default:
                return v;
        }
    }

    private static bool IsFloatNum(Node n) => n.Kind == NodeKind.Num && n.Type.IsFloating;

    private static bool IsIntNum(Node n) => n.Kind == NodeKind.Num && !n.Type.IsFloating;

    private CType Decay(CType t)
    {
        if (t.Kind == TypeKind.Array)
        {
            return Ptr(t.Base!);
        }

        if (t.Kind == TypeKind.Function)
        {
            return Ptr(t);
        }

        return t;
    }

    /// <summary>Converts an expression to type <paramref name="to"/>, folding constants.</summary>
    private Node Cast(Node n, CType to)
    {
        CType from = n.Type;
        if (ReferenceEquals(from, to) || (ReferenceEquals(from.Unqualified, to.Unqualified) && !from.IsRecord && from.Kind != TypeKind.Array))
        {
            return n;
        }

        if (n.Kind == NodeKind.Num && to.IsScalar)
        {
            if (to.IsFloating)
            {
                double d = from.IsFloating ? n.FVal : TypeRules.IsUnsignedType(from) && from.Size == 8 ? (double)(ulong)n.Val : n.Val;
                return NewFloat(d, to, n.Loc);
            }

            if (to.Kind == TypeKind.Bool)
            {
                return NewNumTyped(from.IsFloating ? (n.FVal != 0 ? 1 : 0) : (n.Val != 0 ? 1 : 0), to, n.Loc);
            }

            if (from.IsFloating)
            {
                double d = n.FVal;
                if (double.IsNaN(d) || d >= 1.8446744073709552E19 || d <= -9.2233720368547758E18)
                {
                    return new Node(NodeKind.Cast, n.Loc) { Lhs = n, Type = to };
                }

                long v = TypeRules.IsUnsignedType(to) && to.Size == 8 && d >= 9.2233720368547758E18 ? (long)(ulong)d : (long)d;
                return NewNumTyped(v, to, n.Loc);
            }

            return NewNumTyped(n.Val, to, n.Loc);
        }

        return new Node(NodeKind.Cast, n.Loc) { Lhs = n, Type = to };
    }

    private static bool IsNullPointerConstant(Node n)
    {
        while (n.Kind == NodeKind.Cast && n.Type.Kind == TypeKind.Pointer && n.Type.Base!.Kind == TypeKind.Void)
        {
            n = n.Lhs!;
        }

        return n.Kind == NodeKind.Num && n.Type.IsInteger && n.Val == 0;
    }

    private static string Show(CType t) => TypePrinter.Print(t);

    /// <summary>
    /// Checks that <paramref name="e"/> can be converted to <paramref name="to"/> as by assignment and converts it.
    /// <paramref name="context"/> is "assigning", "initializing", "returning" or "passing".
    /// </summary>
    private Node ConvertForAssignment(CType to, Node e, string context, SourceLocation loc, int argIndex = 0, string? fnName = null)
    {
        CType from = e.Type;
        if (from.Kind == TypeKind.Void)
        {
            Error(e.Loc, "void value not ignored as it ought to be");
            return Cast(NewNum(0, e.Loc), to);
        }

        if (to.IsRecord || from.IsRecord)
        {
            if (to.IsRecord && from.IsRecord && ReferenceEquals(to.Unqualified, from.Unqualified))
            {
                return e;
            }

            IncompatibleError(to, from, context, loc, argIndex, fnName);
            return to.IsRecord ? e : Cast(NewNum(0, e.Loc), to);
        }

        CType df = Decay(from);
        if (to.IsArithmetic && df.IsArithmetic)
        {
            return Cast(e, to);
        }

        if (to.Kind == TypeKind.Bool && df.Kind == TypeKind.Pointer)
        {
            return Cast(e, to);
        }

        if (to.Kind == TypeKind.Pointer)
        {
            if (df.Kind == TypeKind.Pointer)
            {
                CType tb = to.Base!;
                CType fb = df.Base!;
                if (tb.Kind != TypeKind.Void && fb.Kind != TypeKind.Void && !TypeRules.IsCompatible(tb, fb) && !IsCharLike(tb, fb))
                {
                    Warn(loc, $"{WhatTo(context, argIndex, fnName)} from incompatible pointer type '{Show(df)}'" + (context == "passing" ? "" : ""));
                }
                else if (fb.IsConst && !tb.IsConst && context != "returning" && fb.Kind != TypeKind.Function && !tb.IsAggregate)
                {
                    Warn(loc, $"{WhatTo(context, argIndex, fnName)} discards 'const' qualifier from pointer target type");
                }

                return Cast(e, to);
            }

            if (df.IsInteger)
            {
                if (!IsNullPointerConstant(e))
                {
                    Warn(loc, $"{WhatTo(context, argIndex, fnName)} makes pointer from integer without a cast");
                }

                return Cast(e, to);
            }
        }

        if (to.IsInteger && df.Kind == TypeKind.Pointer)
        {
            Warn(loc, $"{WhatTo(context, argIndex, fnName)} makes integer from pointer without a cast");
            return Cast(e, to);
        }

        IncompatibleError(to, from, context, loc, argIndex, fnName);
        return Cast(NewNum(0, e.Loc), to.IsScalar ? to : CType.Int);
    }

    /// <summary>Pointer targets that differ only in signedness (gcc warns only with -Wpointer-sign).</summary>
    private static bool IsCharLike(CType a, CType b) => a.IsInteger && b.IsInteger && a.Size == b.Size && (a.Kind == b.Kind || a.Kind == TypeKind.Enum || b.Kind == TypeKind.Enum || (a.Kind is TypeKind.Long or TypeKind.LongLong && b.Kind is TypeKind.Long or TypeKind.LongLong));

    private static string WhatTo(string context, int argIndex, string? fnName) => context switch
    {
        "assigning" => "assignment",
        "initializing" => "initialization",
        "returning" => "return",
        _ => $"passing argument {argIndex} of '{fnName}'",
    };

    private void IncompatibleError(CType to, CType from, string context, SourceLocation loc, int argIndex, string? fnName)
    {
        switch (context)
        {
            case "assigning":
                Error(loc, $"incompatible types when assigning to type '{Show(to)}' from type '{Show(from)}'");
                break;
            case "initializing":
                Error(loc, $"incompatible types when initializing type '{Show(to)}' using type '{Show(from)}'");
                break;
            case "returning":
                Error(loc, $"incompatible types when returning type '{Show(from)}' but '{Show(to)}' was expected");
                break;
            default:
                Error(loc, $"incompatible type for argument {argIndex} of '{fnName}'");
                break;
        }
    }

    private void CheckValue(Node n)
    {
        if (n.Type.Kind == TypeKind.Void)
        {
            Error(n.Loc, "void value not ignored as it ought to be");
            n.Type = CType.Int;
        }
    }

    private static string OpText(NodeKind k) => k switch
    {
        NodeKind.Add => "+",
        NodeKind.Sub => "-",
        NodeKind.Mul => "*",
        NodeKind.Div => "/",
        NodeKind.Mod => "%",
        NodeKind.BitAnd => "&",
        NodeKind.BitOr => "|",
        NodeKind.BitXor => "^",
        NodeKind.Shl => "<<",
        NodeKind.Shr => ">>",
        NodeKind.Eq => "==",
        NodeKind.Ne => "!=",
        NodeKind.Lt => "<",
        NodeKind.Le => "<=",
        NodeKind.LogAnd => "&&",
        NodeKind.LogOr => "||",
        _ => k.ToString(),
    };

    private Node InvalidOperands(NodeKind k, Node l, Node r, SourceLocation loc, string? op = null)
    {
        Error(loc, $"invalid operands to binary {op ?? OpText(k)} (have '{Show(l.Type)}' and '{Show(r.Type)}')");
        return NewNum(0, loc);
    }

    /// <summary>Arithmetic binary operators (* / % &amp; | ^) after the usual arithmetic conversions.</summary>
    private Node NewArith(NodeKind k, Node l, Node r, SourceLocation loc)
    {
        CheckValue(l);
        CheckValue(r);
        bool intOnly = k is NodeKind.Mod or NodeKind.BitAnd or NodeKind.BitOr or NodeKind.BitXor;
        if (intOnly ? !(l.Type.IsInteger && r.Type.IsInteger) : !(l.Type.IsArithmetic && r.Type.IsArithmetic))
        {
            return InvalidOperands(k, l, r, loc);
        }

        CType t = TypeRules.CommonType(l.Type, r.Type);
        l = Cast(l, t);
        r = Cast(r, t);
        return Fold(NewBinaryRaw(k, l, r, t, loc));
    }

    // shifts: the type is the promoted left operand
    private Node NewShift(NodeKind k, Node l, Node r, SourceLocation loc)
    {
        CheckValue(l);
        CheckValue(r);
        if (!l.Type.IsInteger || !r.Type.IsInteger)
        {
            return InvalidOperands(k, l, r, loc);
        }

        CType t = TypeRules.Promote(l.Type).Unqualified;
        l = Cast(l, t);
        r = Cast(r, t);
        return Fold(NewBinaryRaw(k, l, r, t, loc));
    }

    private Node PointerScale(CType pointee, Node index, SourceLocation loc)
    {
        index = Cast(index, CType.Long);
        if (pointee.Kind == TypeKind.Array && (pointee.IsVla || ContainsVla(pointee)))
        {
            return NewBinaryRaw(NodeKind.Mul, index, Cast(SizeNode(pointee, loc), CType.Long), CType.Long, loc);
        }

        int size = SizeOf(pointee);
        if (pointee.Kind is TypeKind.Void or TypeKind.Function)
        {
            size = 1;
        }
        else if (size < 0)
        {
            Error(loc, $"invalid use of undefined type '{Show(pointee)}'");
            size = 1;
        }

        return Fold(NewBinaryRaw(NodeKind.Mul, index, NewLong(size, loc), CType.Long, loc));
    }

    // In C, + is overloaded for pointer arithmetic: p+n means p + sizeof(*p)*n.
    private Node NewAdd(Node l, Node r, SourceLocation loc)
    {
        CheckValue(l);
        CheckValue(r);
        if (l.Type.IsArithmetic && r.Type.IsArithmetic)
        {
            return NewArith(NodeKind.Add, l, r, loc);
        }

        if (l.Type.IsInteger && r.Type.IsPointerLike)
        {
            (l, r) = (r, l);
        }

        if (l.Type.IsPointerLike && r.Type.IsInteger)
        {
            CType pt = Decay(l.Type);
            return Fold(NewBinaryRaw(NodeKind.Add, l, PointerScale(pt.Base!, r, loc), pt, loc));
        }

        if (l.Type.Kind == TypeKind.Function && r.Type.IsInteger)
        {
            return Fold(NewBinaryRaw(NodeKind.Add, l, Cast(r, CType.Long), Decay(l.Type), loc));
        }

        return InvalidOperands(NodeKind.Add, l, r, loc);
    }

    private Node NewSub(Node l, Node r, SourceLocation loc)
    {
        CheckValue(l);
        CheckValue(r);
        if (l.Type.IsArithmetic && r.Type.IsArithmetic)
        {
            return NewArith(NodeKind.Sub, l, r, loc);
        }

        if (l.Type.IsPointerLike && r.Type.IsInteger)
        {
            CType pt = Decay(l.Type);
            return Fold(NewBinaryRaw(NodeKind.Sub, l, PointerScale(pt.Base!, r, loc), pt, loc));
        }

        if (l.Type.IsPointerLike && r.Type.IsPointerLike)
        {
            CType lb = l.Type.Base!;
            CType rb = r.Type.Base!;
            if (!TypeRules.IsCompatible(lb, rb) && lb.Kind != TypeKind.Void && rb.Kind != TypeKind.Void)
            {
                Error(loc, "invalid operands to binary - (have '" + Show(l.Type) + "' and '" + Show(r.Type) + "')");
            }

            Node diff = NewBinaryRaw(NodeKind.Sub, Cast(l, CType.Long), Cast(r, CType.Long), CType.Long, loc);
            Node size;
            if (lb.Kind == TypeKind.Array && ContainsVla(lb))
            {
                size = Cast(SizeNode(lb, loc), CType.Long);
            }
            else
            {
                int s = SizeOf(lb);
                size = NewLong(s <= 0 ? 1 : s, loc);
            }

            return Fold(NewBinaryRaw(NodeKind.Div, diff, size, CType.Long, loc));
        }

        return InvalidOperands(NodeKind.Sub, l, r, loc);
    }

    /// <summary>== != &lt; &lt;= (a &gt; b is built as b &lt; a).</summary>
    private Node NewCompare(NodeKind k, Node l, Node r, SourceLocation loc, string op)
    {
        CheckValue(l);
        CheckValue(r);
        CType lt = Decay(l.Type);
        CType rt = Decay(r.Type);
        if (lt.IsArithmetic && rt.IsArithmetic)
        {
            CType t = TypeRules.CommonType(lt, rt);
            return Fold(NewBinaryRaw(k, Cast(l, t), Cast(r, t), CType.Int, loc));
        }

        if (lt.Kind == TypeKind.Pointer && rt.Kind == TypeKind.Pointer)
        {
            return NewBinaryRaw(k, Cast(l, lt), Cast(r, lt), CType.Int, loc);
        }

        if (lt.Kind == TypeKind.Pointer && rt.IsInteger)
        {
            if (!IsNullPointerConstant(r))
            {
                Warn(loc, "comparison between pointer and integer");
            }

            return NewBinaryRaw(k, Cast(l, lt), Cast(r, lt), CType.Int, loc);
        }

        if (rt.Kind == TypeKind.Pointer && lt.IsInteger)
        {
            if (!IsNullPointerConstant(l))
            {
                Warn(loc, "comparison between pointer and integer");
            }

            return NewBinaryRaw(k, Cast(l, rt), Cast(r, rt), CType.Int, loc);
        }

        return InvalidOperands(k, l, r, loc, op);
    }

    private Node NewLogical(NodeKind k, Node l, Node r, SourceLocation loc)
    {
        CheckScalar(l);
        CheckScalar(r);
        if (IsIntNum(l) && IsIntNum(r))
        {
            bool v = k == NodeKind.LogAnd ? l.Val != 0 && r.Val != 0 : l.Val != 0 || r.Val != 0;
            return NewNum(v ? 1 : 0, loc);
        }

        return NewBinaryRaw(k, l, r, CType.Int, loc);
    }

    private void CheckScalar(Node n)
    {
        CheckValue(n);
        if (!Decay(n.Type).IsScalar)
        {
            Error(n.Loc, "used " + (n.Type.Kind == TypeKind.Union ? "union" : "struct") + " type value where scalar is required");
            n.Type = CType.Int;
        }
    }

    /// <summary>Folds integer and floating constant operations.</summary>
    private static Node Fold(Node n)
    {
        Node? l = n.Lhs;
        Node? r = n.Rhs;
        if (l is null || r is null || l.Kind != NodeKind.Num || r.Kind != NodeKind.Num)
        {
            return n;
        }

        CType t = l.Type;
        if (t.IsFloating)
        {
            double a = l.FVal, b = r.FVal;
            switch (n.Kind)
            {
                case NodeKind.Add: return NewFloat(a + b, n.Type, n.Loc);
                case NodeKind.Sub: return NewFloat(a - b, n.Type, n.Loc);
                case NodeKind.Mul: return NewFloat(a * b, n.Type, n.Loc);
                case NodeKind.Div: return NewFloat(a / b, n.Type, n.Loc);
                case NodeKind.Eq: return NewNum(a == b ? 1 : 0, n.Loc);
                case NodeKind.Ne: return NewNum(a != b ? 1 : 0, n.Loc);
                case NodeKind.Lt: return NewNum(a < b ? 1 : 0, n.Loc);
                case NodeKind.Le: return NewNum(a <= b ? 1 : 0, n.Loc);
            }

            return n;
        }

        if (!t.IsInteger && t.Kind != TypeKind.Pointer)
        {
            return n;
        }

        if (n.Type.Kind == TypeKind.Pointer)
        {
            return n; // keep pointer arithmetic on constants as is (address constants)
        }

        long x = l.Val, y = r.Val;
        bool uns = TypeRules.IsUnsignedType(t);
        int bits = t.Size * 8;
        long v;
        switch (n.Kind)
        {
            case NodeKind.Add: v = x + y; break;
            case NodeKind.Sub: v = x - y; break;
            case NodeKind.Mul: v = x * y; break;
            case NodeKind.Div:
                if (y == 0 || (!uns && y == -1 && x == long.MinValue))
                {
                    return n;
                }

                v = uns ? (long)((ulong)x / (ulong)y) : x / y;
                break;
            case NodeKind.Mod:
                if (y == 0 || (!uns && y == -1))
                {
                    return y == -1 ? NewNumTyped(0, n.Type, n.Loc) : n;
                }

                v = uns ? (long)((ulong)x % (ulong)y) : x % y;
                break;
            case NodeKind.BitAnd: v = x & y; break;
            case NodeKind.BitOr: v = x | y; break;
            case NodeKind.BitXor: v = x ^ y; break;
            case NodeKind.Shl: v = x << (int)(y & (bits - 1)); break;
            case NodeKind.Shr:
                if (uns)
                {
                    v = (long)((ulong)x >> (int)(y & (bits - 1)));
                }
                else
                {
                    v = x >> (int)(y & (bits - 1));
                }

                break;
            case NodeKind.Eq: return NewNum(x == y ? 1 : 0, n.Loc);
            case NodeKind.Ne: return NewNum(x != y ? 1 : 0, n.Loc);
            case NodeKind.Lt: return NewNum((uns ? (ulong)x < (ulong)y : x < y) ? 1 : 0, n.Loc);
            case NodeKind.Le: return NewNum((uns ? (ulong)x <= (ulong)y : x <= y) ? 1 : 0, n.Loc);
            default: return n;
        }

        return NewNumTyped(v, n.Type, n.Loc);
    }

    private bool IsLvalue(Node n) => n.Kind switch
    {
        NodeKind.Var => !n.Var!.IsFunction,
        NodeKind.Deref => true,
        NodeKind.Member => true,
        _ => false,
    };

    private bool CheckModifiable(Node lhs, SourceLocation loc, string lvalueMsg)
    {
        if (!IsLvalue(lhs))
        {
            Error(loc, lvalueMsg);
            return false;
        }

        if (lhs.Type.Kind == TypeKind.Array)
        {
            Error(loc, "assignment to expression with array type");
            return false;
        }

        bool isConst = lhs.Type.IsConst;
        if (!isConst && lhs.Kind == NodeKind.Member)
        {
            Node b = lhs.Lhs!;
            while (b.Kind == NodeKind.Member)
            {
                b = b.Lhs!;
            }

            isConst = b.Kind == NodeKind.Var && _constRecords.Contains(b.Var!);
        }

        if (isConst)
        {
            string what = lvalueMsg.Contains("increment") ? "increment" : lvalueMsg.Contains("decrement") ? "decrement" : "assignment";
            if (lhs.Kind == NodeKind.Var)
            {
                Error(loc, $"{what} of read-only variable '{lhs.Var!.Name}'");
            }
            else if (lhs.Kind == NodeKind.Member && lhs.Member!.Name is not null)
            {
                Error(loc, $"{what} of read-only member '{lhs.Member.Name}'");
            }
            else
            {
                Error(loc, $"{what} of read-only location");
            }
        }

        return true;
    }

    /// <summary>Variables of const-qualified struct type (records cannot carry qualifiers in <see cref="CType"/> copies here).</summary>
    private readonly HashSet<Obj> _constRecords = new(ReferenceEqualityComparer.Instance);

    // ---------------------------------------------------------------------------------------------
    // Expressions

    // expr = assign ("," expr)?
    private Node Expr()
    {
        Node n = Assign();
        while (Is(","))
        {
            Token t = Next();
            Node r = Assign();
            n = NewComma(n, r, t.Location);
        }

        return n;
    }

    // assign    = conditional (assign-op assign)?
    // assign-op = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>="
    private Node Assign()
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        Node lhs = Conditional();
        Token t = Tok;
        if (t.Kind != TokenKind.Punct)
        {
            return lhs;
        }

        NodeKind op;
        switch (t.Text)
        {
            case "=":
            {
                _pos++;
                Node rhs = Assign();
                if (!CheckModifiable(lhs, t.Location, "lvalue required as left operand of assignment"))
                {
                    return new Node(NodeKind.Assign, t.Location) { Lhs = lhs, Rhs = rhs, Type = lhs.Type };
                }

                Node conv = ConvertForAssignment(lhs.Type, rhs, "assigning", t.Location);
                return new Node(NodeKind.Assign, t.Location) { Lhs = lhs, Rhs = conv, Type = lhs.Type };
            }

            case "+=": op = NodeKind.Add; break;
            case "-=": op = NodeKind.Sub; break;
            case "*=": op = NodeKind.Mul; break;
            case "/=": op = NodeKind.Div; break;
            case "%=": op = NodeKind.Mod; break;
            case "&=": op = NodeKind.BitAnd; break;
            case "|=": op = NodeKind.BitOr; break;
            case "^=": op = NodeKind.BitXor; break;
            case "<<=": op = NodeKind.Shl; break;
            case ">>=": op = NodeKind.Shr; break;
            default: return lhs;
        }

        _pos++;
        Node r = Assign();
        CheckModifiable(lhs, t.Location, "lvalue required as left operand of assignment");
        return CompoundAssign(op, lhs, r, t.Location);
    }

    private Node MakeBinaryOp(NodeKind op, Node l, Node r, SourceLocation loc) => op switch
    {
        NodeKind.Add => NewAdd(l, r, loc),
        NodeKind.Sub => NewSub(l, r, loc),
        NodeKind.Shl or NodeKind.Shr => NewShift(op, l, r, loc),
        _ => NewArith(op, l, r, loc),
    };

    // Converts `A op= B` to `tmp = &A, *tmp = *tmp op B` (or `A = A op B` when A is a plain variable).
    private Node CompoundAssign(NodeKind op, Node lhs, Node rhs, SourceLocation loc)
    {
        if (lhs.Kind == NodeKind.Var)
        {
            Node value = MakeBinaryOp(op, lhs, rhs, loc);
            return new Node(NodeKind.Assign, loc) { Lhs = lhs, Rhs = Cast(value, lhs.Type), Type = lhs.Type };
        }

        if (lhs.Kind == NodeKind.Member && lhs.Member!.IsBitField)
        {
            // tmp = &A.x's struct, tmp->x = tmp->x op B
            Node baseAddr = NewUnaryRaw(NodeKind.Addr, lhs.Lhs!, Ptr(lhs.Lhs!.Type), loc);
            Obj tmp = NewTemp(baseAddr.Type, loc);
            Node set = NewAssignRaw(VarNode(tmp, loc), baseAddr, loc);
            Node Mem() => new Node(NodeKind.Member, loc)
            {
                Lhs = NewUnaryRaw(NodeKind.Deref, VarNode(tmp, loc), lhs.Lhs!.Type, loc), Member = lhs.Member, Type = lhs.Type,
            };
            Node value = MakeBinaryOp(op, Mem(), rhs, loc);
            Node assign = new Node(NodeKind.Assign, loc) { Lhs = Mem(), Rhs = Cast(value, lhs.Type), Type = lhs.Type };
            return NewComma(set, assign, loc);
        }

        {
            CType pt = Ptr(lhs.Type);
            Obj tmp = NewTemp(pt, loc);
            Node set = NewAssignRaw(VarNode(tmp, loc), NewUnaryRaw(NodeKind.Addr, lhs, pt, loc), loc);
            Node Deref() => NewUnaryRaw(NodeKind.Deref, VarNode(tmp, loc), lhs.Type, loc);
            Node value = MakeBinaryOp(op, Deref(), rhs, loc);
            Node assign = new Node(NodeKind.Assign, loc) { Lhs = Deref(), Rhs = Cast(value, lhs.Type), Type = lhs.Type };
            return NewComma(set, assign, loc);
        }
    }

    // conditional = logor ("?" expr? ":" conditional)?
    private Node Conditional()
    {
        Node cond = Binary(1);
        if (!Is("?"))
        {
            return cond;
        }

        Token q = Next();
        CheckScalar(cond);
        if (Is(":"))
        {
            // GNU a ?: b
            _pos++;
            Node other = Conditional();
            Obj tmp = NewTemp(Decay(cond.Type), q.Location);
            Node set = NewAssignRaw(VarNode(tmp, q.Location), cond, q.Location);
            Node c = MakeConditional(VarNode(tmp, q.Location), VarNode(tmp, q.Location), other, q.Location);
            return NewComma(set, c, q.Location);
        }

        Node then = Expr();
        Expect(":");
        Node els = Conditional();
        return MakeConditional(cond, then, els, q.Location);
    }

    private Node MakeConditional(Node cond, Node then, Node els, SourceLocation loc)
    {
        CType tt = Decay(then.Type);
        CType et = Decay(els.Type);
        CType t;
        if (tt.IsArithmetic && et.IsArithmetic)
        {
            t = TypeRules.CommonType(tt, et);
        }
        else if (tt.Kind == TypeKind.Void || et.Kind == TypeKind.Void)
        {
            t = CType.Void;
        }
        else if (tt.Kind == TypeKind.Pointer && et.Kind == TypeKind.Pointer)
        {
            if (IsNullPointerConstant(then))
            {
                t = et;
            }
            else if (IsNullPointerConstant(els))
            {
                t = tt;
            }
            else if (tt.Base!.Kind == TypeKind.Void)
            {
                t = tt;
            }
            else if (et.Base!.Kind == TypeKind.Void)
            {
                t = et;
            }
            else
            {
                if (!TypeRules.IsCompatible(tt.Base!, et.Base!))
                {
                    Warn(loc, "pointer type mismatch in conditional expression");
                }

                t = tt;
            }
        }
        else if (tt.Kind == TypeKind.Pointer && et.IsInteger)
        {
            if (!IsNullPointerConstant(els))
            {
                Warn(loc, "pointer/integer type mismatch in conditional expression");
            }

            t = tt;
        }
        else if (et.Kind == TypeKind.Pointer && tt.IsInteger)
        {
            if (!IsNullPointerConstant(then))
            {
                Warn(loc, "pointer/integer type mismatch in conditional expression");
            }

            t = et;
        }
        else if (tt.IsRecord && et.IsRecord && ReferenceEquals(tt.Unqualified, et.Unqualified))
        {
            t = tt;
        }
        else
        {
            Error(loc, "type mismatch in conditional expression");
            t = CType.Int;
        }

        if (t.Kind != TypeKind.Void && !t.IsRecord)
        {
            then = Cast(then, t);
            els = Cast(els, t);
        }

        if (IsIntNum(cond) && (IsConstantLeaf(then) && IsConstantLeaf(els)))
        {
            return cond.Val != 0 ? then : els;
        }

        return new Node(NodeKind.Cond, loc) { Cond = cond, Then = then, Els = els, Type = t };
    }

    private static bool IsConstantLeaf(Node n) => n.Kind == NodeKind.Num;

    private static int Precedence(string op) => op switch
    {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" or "!=" => 6,
        "<" or "<=" or ">" or ">=" => 7,
        "<<" or ">>" => 8,
        "+" or "-" => 9,
        "*" or "/" or "%" => 10,
        _ => 0,
    };

    // logor      = logand ("||" logand)*
    // logand     = bitor ("&&" bitor)*
    // bitor      = bitxor ("|" bitxor)*
    // bitxor     = bitand ("^" bitand)*
    // bitand     = equality ("&" equality)*
    // equality   = relational ("==" relational | "!=" relational)*
    // relational = shift ("<" shift | "<=" shift | ">" shift | ">=" shift)*
    // shift      = add ("<<" add | ">>" add)*
    // add        = mul ("+" mul | "-" mul)*
    // mul        = cast ("*" cast | "/" cast | "%" cast)*
    // (all parsed by precedence climbing)
    private Node Binary(int minPrec)
    {
        Node lhs = CastExpr();
        while (true)
        {
            Token t = Tok;
            if (t.Kind != TokenKind.Punct)
            {
                return lhs;
            }

            int p = Precedence(t.Text);
            if (p == 0 || p < minPrec)
            {
                return lhs;
            }

            _pos++;
            Node rhs = Binary(p + 1);
            SourceLocation loc = t.Location;
            switch (t.Text)
            {
                case "||": lhs = NewLogical(NodeKind.LogOr, lhs, rhs, loc); break;
                case "&&": lhs = NewLogical(NodeKind.LogAnd, lhs, rhs, loc); break;
                case "|": lhs = NewArith(NodeKind.BitOr, lhs, rhs, loc); break;
                case "^": lhs = NewArith(NodeKind.BitXor, lhs, rhs, loc); break;
                case "&": lhs = NewArith(NodeKind.BitAnd, lhs, rhs, loc); break;
                case "==": lhs = NewCompare(NodeKind.Eq, lhs, rhs, loc, "=="); break;
                case "!=": lhs = NewCompare(NodeKind.Ne, lhs, rhs, loc, "!="); break;
                case "<": lhs = NewCompare(NodeKind.Lt, lhs, rhs, loc, "<"); break;
                case "<=": lhs = NewCompare(NodeKind.Le, lhs, rhs, loc, "<="); break;
                case ">": lhs = NewCompare(NodeKind.Lt, rhs, lhs, loc, ">"); break;
                case ">=": lhs = NewCompare(NodeKind.Le, rhs, lhs, loc, ">="); break;
                case "<<": lhs = NewShift(NodeKind.Shl, lhs, rhs, loc); break;
                case ">>": lhs = NewShift(NodeKind.Shr, lhs, rhs, loc); break;
                case "+": lhs = NewAdd(lhs, rhs, loc); break;
                case "-": lhs = NewSub(lhs, rhs, loc); break;
                case "*": lhs = NewArith(NodeKind.Mul, lhs, rhs, loc); break;
                case "/": lhs = NewArith(NodeKind.Div, lhs, rhs, loc); break;
                case "%": lhs = NewArith(NodeKind.Mod, lhs, rhs, loc); break;
            }
        }
    }

    // cast = "(" type-name ")" cast | unary
    private Node CastExpr()
    {
        if (Is("(") && IsTypename(Peek(1)))
        {
            Token open = Tok;
            _pos++;
            CType ty = TypeName();
            Expect(")");
            if (Is("{"))
            {
                // compound literal
                _pos = IndexBefore(open);
                return Unary();
            }

            Node operand = CastExpr();
            return ExplicitCast(operand, ty, open.Location);
        }

        return Unary();
    }

    private int IndexBefore(Token open)
    {
        int i = _pos;
        while (i > 0 && !ReferenceEquals(_tokens[i], open))
        {
            i--;
        }

        return i;
    }

    private Node ExplicitCast(Node operand, CType ty, SourceLocation loc)
    {
        if (ty.Kind == TypeKind.Void)
        {
            return new Node(NodeKind.Cast, loc) { Lhs = operand, Type = CType.Void };
        }

        CheckValue(operand);
        if (!ty.IsScalar)
        {
            if (ty.IsRecord && operand.Type.IsRecord && ReferenceEquals(ty.Unqualified, operand.Type.Unqualified))
            {
                return operand;
            }

            Error(loc, "conversion to non-scalar type requested");
            return NewNum(0, loc);
        }

        CType from = Decay(operand.Type);
        if (!from.IsScalar)
        {
            Error(loc, "aggregate value used where a scalar was expected");
            return NewNum(0, loc);
        }

        if ((from.Kind == TypeKind.Pointer && ty.IsFloating) || (from.IsFloating && ty.Kind == TypeKind.Pointer))
        {
            Error(loc, from.IsFloating ? "pointer value used where a floating-point was expected" : "aggregate value used where a floating-point was expected");
            return NewNum(0, loc);
        }

        Node c = Cast(operand, ty);
        if (ReferenceEquals(c, operand) && IsLvalue(operand))
        {
            // a cast is never an lvalue
            return new Node(NodeKind.Cast, loc) { Lhs = operand, Type = ty };
        }

        return c;
    }

    // unary = ("+" | "-" | "*" | "&" | "!" | "~") cast
    //       | ("++" | "--") unary
    //       | "&&" ident
    //       | "sizeof" unary | "sizeof" "(" type-name ")"
    //       | ("_Alignof" | "__alignof__") "(" type-name ")"
    //       | postfix
    private Node Unary()
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        Token t = Tok;
        if (t.Kind == TokenKind.Punct)
        {
            switch (t.Text)
            {
                case "+":
                {
                    _pos++;
                    Node n = CastExpr();
                    CheckValue(n);
                    if (!n.Type.IsArithmetic)
                    {
                        Error(t.Location, "wrong type argument to unary plus");
                        return n;
                    }

                    return Cast(n, TypeRules.Promote(n.Type));
                }

                case "-":
                {
                    _pos++;
                    Node n = CastExpr();
                    CheckValue(n);
                    if (!n.Type.IsArithmetic)
                    {
                        Error(t.Location, "wrong type argument to unary minus");
                        return NewNum(0, t.Location);
                    }

                    CType pt = TypeRules.Promote(n.Type).Unqualified;
                    n = Cast(n, pt);
                    if (n.Kind == NodeKind.Num)
                    {
                        return pt.IsFloating ? NewFloat(-n.FVal, pt, t.Location) : NewNumTyped(-n.Val, pt, t.Location);
                    }

                    return NewUnaryRaw(NodeKind.Neg, n, pt, t.Location);
                }

                case "~":
                {
                    _pos++;
                    Node n = CastExpr();
                    CheckValue(n);
                    if (!n.Type.IsInteger)
                    {
                        Error(t.Location, "wrong type argument to bit-complement");
                        return NewNum(0, t.Location);
                    }

                    CType pt = TypeRules.Promote(n.Type).Unqualified;
                    n = Cast(n, pt);
                    if (n.Kind == NodeKind.Num)
                    {
                        return NewNumTyped(~n.Val, pt, t.Location);
                    }

                    return NewUnaryRaw(NodeKind.BitNot, n, pt, t.Location);
                }

                case "!":
                {
                    _pos++;
                    Node n = CastExpr();
                    CheckScalar(n);
                    if (IsIntNum(n))
                    {
                        return NewNum(n.Val == 0 ? 1 : 0, t.Location);
                    }

                    return NewUnaryRaw(NodeKind.Not, n, CType.Int, t.Location);
                }

                case "&":
                {
                    _pos++;
                    Node n = CastExpr();
                    return AddressOf(n, t.Location);
                }

                case "*":
                {
                    _pos++;
                    Node n = CastExpr();
                    return Dereference(n, t.Location);
                }

                case "++":
                case "--":
                {
                    _pos++;
                    Node n = Unary();
                    bool inc = t.Text == "++";
                    CheckIncDec(n, t.Location, inc);
                    return CompoundAssign(inc ? NodeKind.Add : NodeKind.Sub, n, NewNum(1, t.Location), t.Location);
                }

                case "&&":
                {
                    // labels-as-values
                    _pos++;
                    Token name = ExpectIdent();
                    var n = new Node(NodeKind.LabelVal, t.Location) { Label = name.Text, Type = Ptr(CType.Void) };
                    _gotos?.Add(n);
                    return n;
                }
            }
        }
        else if (t.Kind == TokenKind.Identifier)
        {
            switch (t.Text)
            {
                case "sizeof":
                {
                    _pos++;
                    CType ty;
                    SourceLocation loc = t.Location;
                    if (Is("(") && IsTypename(Peek(1)))
                    {
                        _pos++;
                        ty = TypeName();
                        Expect(")");
                        if (Is("{"))
                        {
                            // sizeof (T){...}: compound literal
                            _pos = IndexBefore(_tokens[_pos]);
                            Node cl = CompoundLiteral(ty, loc);
                            ty = cl.Type;
                        }
                    }
                    else
                    {
                        Node e = Unary();
                        if (e.Kind == NodeKind.Member && e.Member!.IsBitField)
                        {
                            Error(loc, "'sizeof' applied to a bit-field");
                        }

                        ty = e.Type;
                    }

                    if (ty.Kind == TypeKind.Function)
                    {
                        Error(loc, "invalid application of 'sizeof' to a function type");
                        return NewULong(1, loc);
                    }

                    if (ty.Kind == TypeKind.Array && (ty.IsVla || ContainsVla(ty)))
                    {
                        return SizeNode(ty, loc);
                    }

                    if (IsIncompleteType(ty) && ty.Kind != TypeKind.Void)
                    {
                        Error(loc, $"invalid application of 'sizeof' to incomplete type '{Show(ty)}'");
                        return NewULong(1, loc);
                    }

                    return NewULong(SizeOf(ty), loc);
                }

                case "_Alignof":
                case "__alignof__":
                case "__alignof":
                {
                    _pos++;
                    CType ty;
                    if (Is("(") && IsTypename(Peek(1)))
                    {
                        _pos++;
                        ty = TypeName();
                        Expect(")");
                    }
                    else
                    {
                        ty = Unary().Type;
                    }

                    return NewULong(ty.Kind == TypeKind.Array ? ArrayElementAlign(ty) : ty.Unqualified.Align, t.Location);
                }

                case "__extension__":
                    _pos++;
                    return CastExpr();
            }
        }

        return Postfix();
    }

    private static int ArrayElementAlign(CType t)
    {
        while (t.Kind == TypeKind.Array)
        {
            t = t.Base!;
        }

        return t.Unqualified.Align;
    }

    private void CheckIncDec(Node n, SourceLocation loc, bool inc)
    {
        CheckModifiable(n, loc, inc ? "lvalue required as increment operand" : "lvalue required as decrement operand");
        CType t = n.Type;
        if (!t.IsScalar)
        {
            Error(loc, inc ? "wrong type argument to increment" : "wrong type argument to decrement");
        }
    }

    private Node AddressOf(Node n, SourceLocation loc)
    {
        if (n.Kind == NodeKind.Member && n.Member!.IsBitField)
        {
            Error(loc, $"cannot take address of bit-field '{n.Member.Name}'");
            return NewNum(0, loc);
        }

        if (n.Kind == NodeKind.Var && n.Var!.IsFunction)
        {
            return NewUnaryRaw(NodeKind.Addr, n, Ptr(n.Type), loc);
        }

        if (!IsLvalue(n) && n.Kind != NodeKind.StmtExpr && !(n.Kind == NodeKind.Comma && n.Type.IsRecord) && !(n.Kind == NodeKind.Funcall && n.Type.IsRecord))
        {
            if (n.Kind == NodeKind.Deref || n.Type.Kind == TypeKind.Function)
            {
                return NewUnaryRaw(NodeKind.Addr, n, Ptr(n.Type), loc);
            }

            Error(loc, "lvalue required as unary '&' operand");
            return NewNum(0, loc);
        }

        // &*p is p
        if (n.Kind == NodeKind.Deref)
        {
            return Cast(n.Lhs!, Ptr(n.Type));
        }

        return NewUnaryRaw(NodeKind.Addr, n, Ptr(n.Type), loc);
    }

    private Node Dereference(Node n, SourceLocation loc)
    {
        CheckValue(n);
        CType t = n.Type;
        if (t.Kind == TypeKind.Function)
        {
            return n; // *f is f
        }

        if (!t.IsPointerLike)
        {
            Error(loc, $"invalid type argument of unary '*' (have '{Show(t)}')");
            return ErrorLvalue(loc);
        }

        CType b = t.Base!;
        if (b.Kind == TypeKind.Function)
        {
            return n;
        }

        if (b.Kind == TypeKind.Void)
        {
            Warn(loc, "dereferencing 'void *' pointer");
        }
        else if (b.IsRecord && b.Unqualified.IsIncomplete)
        {
            Error(loc, "dereferencing pointer to incomplete type '" + Show(b) + "'");
        }

        return NewUnaryRaw(NodeKind.Deref, n, b, loc);
    }

    // postfix = "(" type-name ")" "{" initializer-list "}"
    //         | primary ("[" expr "]" | "." ident | "->" ident | "++" | "--" | "(" func-args ")")*
    private Node Postfix()
    {
        Node n;
        if (Is("(") && IsTypename(Peek(1)))
        {
            Token open = Next();
            CType ty = TypeName();
            Expect(")");
            n = CompoundLiteral(ty, open.Location);
        }
        else
        {
            n = Primary();
        }

        while (true)
        {
            Token t = Tok;
            if (t.Kind != TokenKind.Punct)
            {
                return n;
            }

            switch (t.Text)
            {
                case "(":
                    _pos++;
                    n = FuncCall(n, t.Location);
                    continue;
                case "[":
                {
                    _pos++;
                    Node idx = Expr();
                    Expect("]");
                    CheckValue(n);
                    if (!Decay(n.Type).IsPointerLike && !Decay(idx.Type).IsPointerLike)
                    {
                        Error(t.Location, "subscripted value is neither array nor pointer nor vector");
                        n = NewNum(0, t.Location);
                        continue;
                    }

                    if (!idx.Type.IsInteger && !n.Type.IsInteger)
                    {
                        Error(t.Location, "array subscript is not an integer");
                        n = NewNum(0, t.Location);
                        continue;
                    }

                    n = Dereference(NewAdd(n, idx, t.Location), t.Location);
                    continue;
                }

                case ".":
                {
                    _pos++;
                    Token name = ExpectIdent();
                    n = MemberAccess(n, name, t.Location);
                    continue;
                }

                case "->":
                {
                    _pos++;
                    Token name = ExpectIdent();
                    CType pt = n.Type;
                    if (!pt.IsPointerLike)
                    {
                        Error(t.Location, $"invalid type argument of '->' (have '{Show(pt)}')");
                        n = ErrorLvalue(t.Location);
                        continue;
                    }

                    n = Dereference(n, t.Location);
                    n = MemberAccess(n, name, t.Location);
                    continue;
                }

                case "++":
                case "--":
                {
                    _pos++;
                    bool inc = t.Text == "++";
                    CheckIncDec(n, t.Location, inc);
                    n = PostIncDec(n, inc ? 1 : -1, t.Location);
                    continue;
                }

                default:
                    return n;
            }
        }
    }

    // Convert A++ to `(typeof A)((A += 1) - 1)`
    private Node PostIncDec(Node n, int addend, SourceLocation loc)
    {
        if (n.Type.Kind == TypeKind.Bool)
        {
            // tmp = A, A = (addend > 0 ? 1 : !A), tmp
            Obj tmp = NewTemp(n.Type, loc);
            Node save = NewAssignRaw(VarNode(tmp, loc), n, loc);
            Node inc = CompoundAssign(NodeKind.Add, n, NewNum(addend, loc), loc);
            return NewComma(NewComma(save, inc, loc), VarNode(tmp, loc), loc);
        }

        Node add = CompoundAssign(NodeKind.Add, n, NewNum(addend, loc), loc);
        Node back = NewAdd(add, NewNum(-addend, loc), loc);
        return Cast(back, n.Type);
    }

    private Node MemberAccess(Node n, Token name, SourceLocation loc)
    {
        CType t = n.Type;
        if (!t.IsRecord)
        {
            Error(loc, $"request for member '{name.Text}' in something not a structure or union");
            return ErrorLvalue(loc);
        }

        CType u = t.Unqualified;
        if (u.IsIncomplete)
        {
            Error(loc, $"invalid use of undefined type '{Show(t)}'");
            return ErrorLvalue(loc);
        }

        Node? r = FindMember(n, u, name.Text, loc);
        if (r is null)
        {
            Error(loc, $"'{Show(t)}' has no member named '{name.Text}'");
            return ErrorLvalue(loc);
        }

        return r;
    }

    /// <summary>An int lvalue standing for an erroneous expression (avoids follow-on errors).</summary>
    private Node ErrorLvalue(SourceLocation loc) =>
        NewUnaryRaw(NodeKind.Deref, new Node(NodeKind.Num, loc) { Type = Ptr(CType.Int) }, CType.Int, loc);

    private static Node? FindMember(Node n, CType u, string name, SourceLocation loc)
    {
        foreach (Member m in u.Members)
        {
            if (m.Name is null && m.Type.IsRecord)
            {
                var inner = new Node(NodeKind.Member, loc) { Lhs = n, Member = m, Type = m.Type };
                Node? found = FindMember(inner, m.Type.Unqualified, name, loc);
                if (found is not null)
                {
                    return found;
                }

                continue;
            }

            if (m.Name == name)
            {
                return new Node(NodeKind.Member, loc) { Lhs = n, Member = m, Type = m.Type };
            }
        }

        return null;
    }

    private static readonly HashSet<string> s_setjmpNames = new() { "setjmp", "_setjmp", "sigsetjmp", "__sigsetjmp", "savectx", "vfork" };

    // func-args = (assign ("," assign)*)? ")"
    private Node FuncCall(Node fn, SourceLocation loc)
    {
        CType ft;
        if (fn.Type.Kind == TypeKind.Function)
        {
            ft = fn.Type;
        }
        else if (fn.Type.Kind == TypeKind.Pointer && fn.Type.Base!.Kind == TypeKind.Function)
        {
            ft = fn.Type.Base;
        }
        else
        {
            string who = fn.Kind == NodeKind.Var ? $" '{fn.Var!.Name}'" : "";
            Error(fn.Loc, $"called object{who} is not a function or function pointer");
            SkipCallArgs();
            return NewNum(0, loc);
        }

        string fnName = fn.Kind == NodeKind.Var ? fn.Var!.Name : "<function pointer>";
        var args = new List<Node>();
        List<Parameter> ps = ft.Parameters;
        bool prototyped = !ft.IsOldStyle;
        int i = 0;
        bool tooMany = false;
        while (!Consume(")"))
        {
            if (i > 0)
            {
                Expect(",");
            }

            Node a = Assign();
            if (prototyped && i < ps.Count)
            {
                a = ConvertForAssignment(ps[i].Type, a, "passing", a.Loc, i + 1, fnName);
            }
            else
            {
                if (prototyped && !ft.IsVariadic)
                {
                    tooMany = true;
                }

                if (a.Type.Kind == TypeKind.Void)
                {
                    Error(a.Loc, "invalid use of void expression");
                }
                else if (!a.Type.IsRecord)
                {
                    a = Cast(a, TypeRules.DefaultArgumentPromotion(Decay(a.Type)));
                }
            }

            args.Add(a);
            i++;
        }

        if (tooMany)
        {
            Error(fn.Loc, $"too many arguments to function '{fnName}'");
        }
        else if (prototyped && args.Count < ps.Count)
        {
            Error(fn.Loc, $"too few arguments to function '{fnName}'");
        }

        if (fn.Kind == NodeKind.Var && s_setjmpNames.Contains(fn.Var!.Name) && _currentFn is not null)
        {
            _currentFn.CallsSetjmp = true;
        }

        CType ret = ft.Base!;
        if (ret.IsRecord && ret.Unqualified.IsIncomplete)
        {
            Error(loc, $"invalid use of undefined type '{Show(ret)}'");
        }

        return new Node(NodeKind.Funcall, fn.Loc) { Lhs = fn, Body = args, FuncType = ft, Type = ret };
    }

    private void SkipCallArgs()
    {
        int depth = 1;
        while (depth > 0 && !AtEof)
        {
            Token t = Next();
            if (t.Kind == TokenKind.Punct)
            {
                if (t.Text == "(")
                {
                    depth++;
                }
                else if (t.Text == ")")
                {
                    depth--;
                }
            }
        }
    }

    private Node CompoundLiteral(CType ty, SourceLocation loc)
    {
        if (_currentFn is null)
        {
            var g = new Obj(NewUniqueName(".compoundliteral."), ty, loc) { IsStatic = true, IsDefinition = true };
            g.Symbol = g.Name;
            Anonymous.Add(g);
            GlobalInitializer(g, ty);
            return VarNode(g, loc);
        }

        Obj v = NewTemp(ty, loc);
        Node init = LocalInitializer(v, loc);
        return NewComma(init, VarNode(v, loc), loc);
    }

    // primary = "(" "{" stmt+ "}" ")"
    //         | "(" expr ")"
    //         | "_Generic" generic-selection
    //         | builtin
    //         | ident
    //         | str
    //         | num
    private Node Primary()
    {
        Token t = Tok;
        switch (t.Kind)
        {
            case TokenKind.Number:
                _pos++;
                return ParseNumber(t);
            case TokenKind.CharLiteral:
                _pos++;
                return CharConstant(t);
            case TokenKind.StringLiteral:
                return StringLiteral();
            case TokenKind.Punct:
                if (t.Text == "(")
                {
                    if (Peek(1).Is("{"))
                    {
                        // GNU statement expression
                        if (_currentFn is null)
                        {
                            throw Fatal(t.Location, "braced-group within expression allowed only inside a function");
                        }

                        _pos++;
                        Node block = CompoundStmt(newScope: true);
                        Expect(")");
                        CType st = CType.Void;
                        if (block.Body!.Count > 0 && block.Body[^1].Kind == NodeKind.ExprStmt)
                        {
                            st = block.Body[^1].Lhs!.Type;
                        }

                        return new Node(NodeKind.StmtExpr, t.Location) { Body = new List<Node> { block }, Type = st };
                    }

                    _pos++;
                    Node e = Expr();
                    Expect(")");
                    return e;
                }

                break;
            case TokenKind.Identifier:
                return IdentifierExpr(t);
        }

        ExpectedError("expression");
        return null!;
    }

    private Node IdentifierExpr(Token t)
    {
        string name = t.Text;
        if (name.StartsWith("__builtin_", StringComparison.Ordinal) || name == "_Generic" || name == "__func__"
            || name == "__FUNCTION__" || name == "__PRETTY_FUNCTION__" || name == "alloca")
        {
            Node? b = Builtin(t);
            if (b is not null)
            {
                return b;
            }
        }

        if (s_keywords.Contains(name))
        {
            if (name is "asm" or "__asm__" or "__asm")
            {
                throw Fatal(t.Location, "inline assembly is not supported");
            }

            ExpectedError("expression");
        }

        _pos++;
        VarEntry? e = FindVar(name);
        if (e is not null)
        {
            if (e.Var is not null)
            {
                return VarNode(e.Var, t.Location);
            }

            if (e.EnumType is not null)
            {
                return NewNum(e.EnumVal, t.Location);
            }

            _pos--;
            ExpectedError("expression");
        }

        if (Is("("))
        {
            // implicit function declaration (C89)
            Warn(t.Location, $"implicit declaration of function '{name}'");
            var attr = new VarAttr();
            Obj fn = DeclareFunction(TypeRules.FunctionOf(CType.Int, new List<Parameter>(), false, true), t, attr, false);
            if (_scopes.Count > 1)
            {
                // C89: the declaration has block scope, but it is visible at file scope too (gcc)
            }

            return VarNode(fn, t.Location);
        }

        if (_currentFn is null)
        {
            Error(t.Location, $"'{name}' undeclared here (not in a function)");
        }
        else
        {
            Error(t.Location, $"'{name}' undeclared (first use in this function)");
        }

        // declare it to avoid repeated errors
        var dummy = new Obj(name, CType.Int, t.Location) { IsExtern = true, Symbol = name, IsPoisoned = true };
        PushScopeEntry(name).Var = dummy;
        return VarNode(dummy, t.Location);
    }

    // ---------------------------------------------------------------------------------------------
    // Literals

    private Node ParseNumber(Token t)
    {
        string s = t.Text;
        if (LiteralDecoder.TryParseInteger(s, out ulong value, out CType? ty, out string? err))
        {
            return new Node(NodeKind.Num, t.Location) { Val = (long)value, Type = ty! };
        }

        if (err is null && LiteralDecoder.TryParseFloat(s, out double d, out CType fty, out err))
        {
            return NewFloat(d, fty, t.Location);
        }

        Error(t.Location, err!);
        return NewNum(0, t.Location);
    }

    private Node CharConstant(Token t)
    {
        CharConstant c = LiteralDecoder.DecodeChar(t, _diag);
        CType ct = c.Encoding switch
        {
            LiteralEncoding.Utf16 => CType.UShort,
            LiteralEncoding.Utf32 => CType.UInt,
            LiteralEncoding.Utf8 => CType.UChar,
            _ => CType.Int,
        };
        return new Node(NodeKind.Num, t.Location) { Val = c.Value, Type = ct };
    }

    /// <summary>Parses one or more adjacent string literals into an anonymous read-only array.</summary>
    private Node StringLiteral()
    {
        Token first = Tok;
        int start = _pos;
        while (Tok.Kind == TokenKind.StringLiteral)
        {
            _pos++;
        }

        DecodedString decoded = LiteralDecoder.DecodeStrings(new ArraySegment<Token>(_tokens, start, _pos - start), _diag);
        int elemSize = decoded.ElementSize;
        CType elem = decoded.Encoding switch
        {
            LiteralEncoding.Utf16 => CType.UShort,
            LiteralEncoding.Wide => CType.Int,
            LiteralEncoding.Utf32 => CType.UInt,
            _ => CType.Char,
        };
        CType ty = CType.ArrayOf(elem, decoded.LengthWithNull);
        byte[] bytes = decoded.ToBytes();

        string key = elemSize.ToString(CultureInfo.InvariantCulture) + ":" + Convert.ToBase64String(bytes);
        if (!_stringLiterals.TryGetValue(key, out Obj? g))
        {
            g = new Obj(".str." + _stringLiterals.Count.ToString(CultureInfo.InvariantCulture), ty, first.Location)
            {
                IsStatic = true, IsDefinition = true, InitData = bytes, IsReadOnly = true,
            };
            g.Symbol = g.Name;
            _stringLiterals[key] = g;
            Anonymous.Add(g);
        }

        var n = VarNode(g, first.Location);
        n.Type = ty;
        return n;
    }

    /// <summary>The text of a narrow string literal node (for diagnostics).</summary>
    private static string StringValue(Node s)
    {
        byte[]? data = s.Var?.InitData;
        if (data is null)
        {
            return "";
        }

        return System.Text.Encoding.UTF8.GetString(data, 0, Math.Max(0, data.Length - 1));
    }
}
