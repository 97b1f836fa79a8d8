using Lantern.C.Types;

namespace Lantern.C.Parse;

internal sealed partial class Parser
{
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
}
