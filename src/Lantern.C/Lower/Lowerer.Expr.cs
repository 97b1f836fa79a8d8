using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Parse;
using Lantern.C.Types;

namespace Lantern.C.Lower;

internal sealed partial class Lowerer
{
    /// <summary>Evaluates an expression for its side effects only.</summary>
    private void GenDiscard(Node n)
    {
        while (true)
        {
            if (n.Kind == NodeKind.Cast && n.Lhs!.Type.IsScalar)
            {
                n = n.Lhs;
                continue;
            }

            // the value of x++ is (x += 1) - 1: drop the subtraction
            if ((n.Kind == NodeKind.Add || n.Kind == NodeKind.Sub) && n.Rhs!.Kind == NodeKind.Num
                && (n.Lhs!.Kind is NodeKind.Assign or NodeKind.Comma))
            {
                n = n.Lhs;
                continue;
            }

            if (n.Kind == NodeKind.Comma)
            {
                GenDiscard(n.Lhs!);
                n = n.Rhs!;
                continue;
            }

            break;
        }

        Gen(n);
    }

    /// <summary>Evaluates a condition and branches.</summary>
    private void GenBranch(Node cond, IrBlock t, IrBlock f)
    {
        if (cond.Kind == NodeKind.LogAnd)
        {
            IrBlock mid = _fn.NewBlock("and.rhs");
            GenBranch(cond.Lhs!, mid, f);
            _cur = mid;
            GenBranch(cond.Rhs!, t, f);
            return;
        }

        if (cond.Kind == NodeKind.LogOr)
        {
            IrBlock mid = _fn.NewBlock("or.rhs");
            GenBranch(cond.Lhs!, t, mid);
            _cur = mid;
            GenBranch(cond.Rhs!, t, f);
            return;
        }

        if (cond.Kind == NodeKind.Not)
        {
            GenBranch(cond.Lhs!, f, t);
            return;
        }

        if (cond.Kind == NodeKind.Num && !cond.Type.IsFloating)
        {
            Jump(cond.Val != 0 ? t : f);
            return;
        }

        int v = GenTruth(cond);
        Branch(v, t, f);
    }

    /// <summary>A value that is non-zero exactly when the scalar expression is true (integer type).</summary>
    private int GenTruth(Node n)
    {
        int v = Gen(n);
        IrType t = _fn.VRegTypes[v];
        if (t.IsFloat())
        {
            return Cmp(Opcode.FNe, t, v, FConst(t, 0));
        }

        return v;
    }

    /// <summary>0 or 1 as i32.</summary>
    private int GenBool(Node n)
    {
        if (n.Kind is NodeKind.Eq or NodeKind.Ne or NodeKind.Lt or NodeKind.Le or NodeKind.Not or NodeKind.LogAnd or NodeKind.LogOr)
        {
            return Gen(n);
        }

        int v = Gen(n);
        IrType t = _fn.VRegTypes[v];
        if (t.IsFloat())
        {
            return Cmp(Opcode.FNe, t, v, FConst(t, 0));
        }

        return Cmp(Opcode.Ne, t, v, Const(t, 0));
    }

    private static bool IsRecordValue(Node n) => n.Type.IsRecord;

    /// <summary>Computes the address of an lvalue (or of a struct-valued expression).</summary>
    private int GenAddr(Node n)
    {
        switch (n.Kind)
        {
            case NodeKind.Var:
            {
                Obj v = n.Var!;
                if (v.IsLocal)
                {
                    if (v.Type.Kind == TypeKind.Array && ContainsVla(v.Type))
                    {
                        int p = SlotAddr(PtrSlotOf(v));
                        int d = NewV(IrType.I64);
                        Emit(Opcode.Load, IrType.I64, d, p).Location = n.Loc;
                        return d;
                    }

                    return SlotAddr(SlotOf(v));
                }

                v.IsReferenced = true;
                int s = NewV(IrType.I64);
                Emit(Opcode.SymAddr, IrType.I64, s).Symbol = v.Symbol;
                return s;
            }

            case NodeKind.Deref:
                return Gen(n.Lhs!);
            case NodeKind.Member:
                return AddOffset(GenAddr(n.Lhs!), n.Member!.Offset);
            case NodeKind.Comma:
                GenDiscard(n.Lhs!);
                return GenAddr(n.Rhs!);
            case NodeKind.Cast:
                if (n.Type.IsRecord)
                {
                    return GenAddr(n.Lhs!);
                }

                break;
        }

        if (n.Type.IsRecord || n.Type.Kind == TypeKind.Array)
        {
            return Gen(n);
        }

        throw new InvalidOperationException("not an lvalue: " + n.Kind);
    }

    private int Gen(Node n)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (n.Kind)
        {
            case NodeKind.NullExpr:
                return -1;
            case NodeKind.Trap:
                // a terminator: code after it (unreachable) continues in a fresh block
                Terminate(new Instr { Op = Opcode.Trap, Location = n.Loc });
                return -1;
            case NodeKind.Num:
            {
                if (n.Type.IsFloating)
                {
                    return FConst(T(n.Type), n.FVal);
                }

                return Const(T(n.Type), n.Val);
            }

            case NodeKind.Var:
                if (n.Var!.IsFunction)
                {
                    n.Var.IsReferenced = true;
                    int s = NewV(IrType.I64);
                    Emit(Opcode.SymAddr, IrType.I64, s).Symbol = n.Var.Symbol;
                    return s;
                }

                return Load(n.Type, GenAddr(n), n.Loc);
            case NodeKind.Deref:
                return Load(n.Type, Gen(n.Lhs!), n.Loc);
            case NodeKind.Member:
            {
                Member m = n.Member!;
                int baseAddr = GenAddr(n.Lhs!);
                if (m.IsBitField)
                {
                    return LoadBitField(AddOffset(baseAddr, m.Offset), m, n.Loc);
                }

                return Load(n.Type, AddOffset(baseAddr, m.Offset), n.Loc);
            }

            case NodeKind.Addr:
                return GenAddr(n.Lhs!);
            case NodeKind.Assign:
                return GenAssign(n);
            case NodeKind.Comma:
                GenDiscard(n.Lhs!);
                return Gen(n.Rhs!);
            case NodeKind.Cast:
            {
                int v = Gen(n.Lhs!);
                if (n.Type.Kind == TypeKind.Void)
                {
                    return -1;
                }

                return Convert(v, n.Lhs!.Type, n.Type);
            }

            case NodeKind.Add:
            case NodeKind.Sub:
            case NodeKind.Mul:
            case NodeKind.Div:
            case NodeKind.Mod:
            case NodeKind.BitAnd:
            case NodeKind.BitOr:
            case NodeKind.BitXor:
            case NodeKind.Shl:
            case NodeKind.Shr:
            {
                int a = Gen(n.Lhs!);
                int b = Gen(n.Rhs!);
                IrType t = T(n.Type.Kind == TypeKind.Array ? CType.ULong : n.Type);
                if (_fn.VRegTypes[a] != t)
                {
                    a = Convert(a, n.Lhs!.Type, n.Type.Kind == TypeKind.Pointer ? CType.ULong : n.Type);
                }

                if (_fn.VRegTypes[b] != t)
                {
                    b = Convert(b, n.Rhs!.Type, n.Type.Kind == TypeKind.Pointer ? CType.Long : n.Type);
                }

                return Bin(ArithOp(n.Kind, n.Type), t, a, b);
            }

            case NodeKind.Eq:
            case NodeKind.Ne:
            case NodeKind.Lt:
            case NodeKind.Le:
            {
                int a = Gen(n.Lhs!);
                int b = Gen(n.Rhs!);
                CType ot = n.Lhs!.Type;
                IrType t = _fn.VRegTypes[a];
                if (_fn.VRegTypes[b] != t)
                {
                    b = Convert(b, n.Rhs!.Type, ot.Kind is TypeKind.Array or TypeKind.Function ? CType.ULong : ot);
                }

                return Cmp(CompareOp(n.Kind, ot), t, a, b);
            }

            case NodeKind.Not:
            {
                int v = Gen(n.Lhs!);
                IrType t = _fn.VRegTypes[v];
                return t.IsFloat() ? Cmp(Opcode.FEq, t, v, FConst(t, 0)) : Cmp(Opcode.Eq, t, v, Const(t, 0));
            }

            case NodeKind.Neg:
            {
                int v = Gen(n.Lhs!);
                IrType t = T(n.Type);
                return Un(t.IsFloat() ? Opcode.FNeg : Opcode.Neg, t, v);
            }

            case NodeKind.BitNot:
                return Un(Opcode.Not, T(n.Type), Gen(n.Lhs!));
            case NodeKind.LogAnd:
            case NodeKind.LogOr:
            {
                int res = NewV(IrType.I32);
                bool and = n.Kind == NodeKind.LogAnd;
                Emit(Opcode.Const, IrType.I32, res).Imm = and ? 0 : 1;
                IrBlock rhs = _fn.NewBlock(and ? "and.rhs" : "or.rhs");
                IrBlock end = _fn.NewBlock(and ? "and.end" : "or.end");
                if (and)
                {
                    GenBranch(n.Lhs!, rhs, end);
                }
                else
                {
                    GenBranch(n.Lhs!, end, rhs);
                }

                _cur = rhs;
                int r = GenBool(n.Rhs!);
                Emit(Opcode.Mov, IrType.I32, res, r);
                StartBlock(end);
                return res;
            }

            case NodeKind.Cond:
            {
                IrBlock then = _fn.NewBlock("cond.then");
                IrBlock els = _fn.NewBlock("cond.else");
                IrBlock end = _fn.NewBlock("cond.end");
                GenBranch(n.Cond!, then, els);
                bool isVoid = n.Type.Kind == TypeKind.Void;
                IrType rt = isVoid ? IrType.Void : T(n.Type);
                int res = isVoid ? -1 : NewV(rt);
                _cur = then;
                int a = Gen(n.Then!);
                if (!isVoid)
                {
                    Emit(Opcode.Mov, rt, res, a);
                }

                Jump(end);
                _cur = els;
                int b = Gen(n.Els!);
                if (!isVoid)
                {
                    Emit(Opcode.Mov, rt, res, b);
                }

                StartBlock(end);
                return res;
            }

            case NodeKind.Funcall:
                return GenCall(n);
            case NodeKind.StmtExpr:
                return GenStmtExpr(n);
            case NodeKind.MemZero:
            {
                Obj v = n.Var!;
                int addr = GenAddr(new Node(NodeKind.Var, n.Loc) { Var = v, Type = v.Type });
                var z = Emit(Opcode.Zero, IrType.Void, -1, addr);
                z.Imm = Parser.SizeOf(v.Type);
                z.Location = n.Loc;
                return -1;
            }

            case NodeKind.VaStart:
            {
                int ap = Gen(n.Lhs!);
                Emit(Opcode.VaStart, IrType.Void, -1, ap).Location = n.Loc;
                return -1;
            }

            case NodeKind.VaArg:
                return GenVaArg(n);
            case NodeKind.VaCopy:
            {
                int d = Gen(n.Lhs!);
                int s = Gen(n.Rhs!);
                var c = Emit(Opcode.Copy, IrType.Void, -1, d, s);
                c.Imm = 24;
                c.Location = n.Loc;
                return -1;
            }

            case NodeKind.VlaAlloc:
            {
                int size = Gen(n.Lhs!);
                int p = NewV(IrType.I64);
                Emit(Opcode.Alloca, IrType.I64, p, size).Imm = Math.Max(16, n.Var!.Type.Align);
                int slot = SlotAddr(PtrSlotOf(n.Var));
                Emit(Opcode.Store, IrType.I64, -1, slot, p).Location = n.Loc;
                return -1;
            }

            case NodeKind.Alloca:
            {
                int size = Gen(n.Lhs!);
                int p = NewV(IrType.I64);
                Emit(Opcode.Alloca, IrType.I64, p, size).Imm = 16;
                return p;
            }

            case NodeKind.LabelVal:
                _diag.Error(n.Loc, "labels as values are not supported");
                return Const(IrType.I64, 0);
        }

        throw new InvalidOperationException("unexpected expression " + n.Kind);
    }

    private static Opcode ArithOp(NodeKind k, CType t)
    {
        bool f = t.IsFloating;
        bool u = TypeRules.IsUnsignedType(t) || t.Kind == TypeKind.Array;
        return k switch
        {
            NodeKind.Add => f ? Opcode.FAdd : Opcode.Add,
            NodeKind.Sub => f ? Opcode.FSub : Opcode.Sub,
            NodeKind.Mul => f ? Opcode.FMul : Opcode.Mul,
            NodeKind.Div => f ? Opcode.FDiv : u ? Opcode.UDiv : Opcode.SDiv,
            NodeKind.Mod => u ? Opcode.URem : Opcode.SRem,
            NodeKind.BitAnd => Opcode.And,
            NodeKind.BitOr => Opcode.Or,
            NodeKind.BitXor => Opcode.Xor,
            NodeKind.Shl => Opcode.Shl,
            _ => u ? Opcode.LShr : Opcode.AShr,
        };
    }

    private static Opcode CompareOp(NodeKind k, CType t)
    {
        if (t.IsFloating)
        {
            return k switch
            {
                NodeKind.Eq => Opcode.FEq,
                NodeKind.Ne => Opcode.FNe,
                NodeKind.Lt => Opcode.FLt,
                _ => Opcode.FLe,
            };
        }

        bool u = TypeRules.IsUnsignedType(t) || t.Kind is TypeKind.Array or TypeKind.Function;
        return k switch
        {
            NodeKind.Eq => Opcode.Eq,
            NodeKind.Ne => Opcode.Ne,
            NodeKind.Lt => u ? Opcode.ULt : Opcode.SLt,
            _ => u ? Opcode.ULe : Opcode.SLe,
        };
    }

    /// <summary>Converts vreg <paramref name="v"/> of C type <paramref name="from"/> to <paramref name="to"/>.</summary>
    private int Convert(int v, CType from, CType to)
    {
        if (to.Kind == TypeKind.Void || v < 0)
        {
            return -1;
        }

        if (to.IsRecord)
        {
            return v;
        }

        if (from.Kind is TypeKind.Array or TypeKind.Function)
        {
            from = CType.ULong;
        }

        IrType ft = _fn.VRegTypes[v];
        IrType tt = T(to);
        if (to.Kind == TypeKind.Bool)
        {
            int c = ft.IsFloat() ? Cmp(Opcode.FNe, ft, v, FConst(ft, 0)) : Cmp(Opcode.Ne, ft, v, Const(ft, 0));
            return Un(Opcode.Trunc, IrType.I8, c);
        }

        if (ft == tt)
        {
            return v;
        }

        bool fromUnsigned = TypeRules.IsUnsignedType(from);
        if (ft.IsInt() && tt.IsInt())
        {
            if (tt.SizeOf() > ft.SizeOf())
            {
                return Un(fromUnsigned ? Opcode.ZExt : Opcode.SExt, tt, v);
            }

            return Un(Opcode.Trunc, tt, v);
        }

        if (ft.IsInt() && tt.IsFloat())
        {
            if (ft.SizeOf() < 4)
            {
                v = Un(fromUnsigned ? Opcode.ZExt : Opcode.SExt, IrType.I32, v);
                ft = IrType.I32;
            }

            if (fromUnsigned && ft == IrType.I32)
            {
                v = Un(Opcode.ZExt, IrType.I64, v);
                return Un(Opcode.SIToFP, tt, v);
            }

            return Un(fromUnsigned ? Opcode.UIToFP : Opcode.SIToFP, tt, v);
        }

        if (ft.IsFloat() && tt.IsInt())
        {
            bool toUnsigned = TypeRules.IsUnsignedType(to);
            if (tt == IrType.I64)
            {
                return Un(toUnsigned ? Opcode.FPToUI : Opcode.FPToSI, IrType.I64, v);
            }

            if (tt == IrType.I32 && !toUnsigned)
            {
                return Un(Opcode.FPToSI, IrType.I32, v);
            }

            // As gcc: a 64-bit cvttsd2si for unsigned int, a 32-bit one for (unsigned) char and short.
            int wide = Un(Opcode.FPToSI, tt == IrType.I32 ? IrType.I64 : IrType.I32, v);
            return Un(Opcode.Trunc, tt, wide);
        }

        if (ft.IsFloat() && tt.IsFloat())
        {
            return Un(tt.SizeOf() > ft.SizeOf() ? Opcode.FPExt : Opcode.FPTrunc, tt, v);
        }

        throw new InvalidOperationException($"bad conversion {ft} -> {tt}");
    }

    private int GenAssign(Node n)
    {
        Node lhs = n.Lhs!;
        if (lhs.Kind == NodeKind.Member && lhs.Member!.IsBitField)
        {
            Member m = lhs.Member;
            int baseAddr = GenAddr(lhs.Lhs!);
            int unit = AddOffset(baseAddr, m.Offset);
            int val = Gen(n.Rhs!);
            StoreBitField(unit, m, val, n.Loc);
            return LoadBitField(unit, m, n.Loc);
        }

        if (lhs.Type.IsRecord)
        {
            int dst = GenAddr(lhs);
            int src = Gen(n.Rhs!);
            Store(lhs.Type, dst, src, n.Loc);
            return dst;
        }

        int addr = GenAddr(lhs);
        int v = Gen(n.Rhs!);
        Store(lhs.Type, addr, v, n.Loc);
        return v;
    }

    private int LoadBitField(int unitAddr, Member m, SourceLocation loc)
    {
        IrType ut = T(m.Type);
        int u = NewV(ut);
        Emit(Opcode.Load, ut, u, unitAddr).Location = loc;
        if (ut != IrType.I64)
        {
            u = Un(Opcode.ZExt, IrType.I64, u);
        }

        int shl = 64 - m.BitOffset - m.BitWidth;
        int shr = 64 - m.BitWidth;
        if (shl > 0)
        {
            u = Bin(Opcode.Shl, IrType.I64, u, Const(IrType.I64, shl));
        }

        if (shr > 0)
        {
            bool signed = !TypeRules.IsUnsignedType(m.Type) && !IsNonNegativeEnum(m.Type);
            u = Bin(signed ? Opcode.AShr : Opcode.LShr, IrType.I64, u, Const(IrType.I64, shr));
        }

        if (ut != IrType.I64)
        {
            u = Un(Opcode.Trunc, ut, u);
        }

        return u;
    }

    /// <summary>gcc gives an enum without negative values the type unsigned int.</summary>
    private static bool IsNonNegativeEnum(CType t)
    {
        CType u = t.Unqualified;
        if (u.Kind != TypeKind.Enum)
        {
            return false;
        }

        foreach ((string _, long v) in u.Enumerators)
        {
            if (v < 0)
            {
                return false;
            }
        }

        return true;
    }

    private void StoreBitField(int unitAddr, Member m, int val, SourceLocation loc)
    {
        IrType ut = T(m.Type);
        int old = NewV(ut);
        Emit(Opcode.Load, ut, old, unitAddr).Location = loc;
        if (ut != IrType.I64)
        {
            old = Un(Opcode.ZExt, IrType.I64, old);
        }

        int v = val;
        if (_fn.VRegTypes[v] != IrType.I64)
        {
            v = Un(Opcode.ZExt, IrType.I64, v);
        }

        ulong mask = (m.BitWidth >= 64 ? ulong.MaxValue : ((1UL << m.BitWidth) - 1)) << m.BitOffset;
        int shifted = m.BitOffset > 0 ? Bin(Opcode.Shl, IrType.I64, v, Const(IrType.I64, m.BitOffset)) : v;
        int newBits = Bin(Opcode.And, IrType.I64, shifted, Const(IrType.I64, (long)mask));
        int kept = Bin(Opcode.And, IrType.I64, old, Const(IrType.I64, (long)~mask));
        int merged = Bin(Opcode.Or, IrType.I64, kept, newBits);
        if (ut != IrType.I64)
        {
            merged = Un(Opcode.Trunc, ut, merged);
        }

        Emit(Opcode.Store, ut, -1, unitAddr, merged).Location = loc;
    }

    private int GenCall(Node n)
    {
        CType ft = n.FuncType!;
        Node fnExpr = n.Lhs!;
        string? direct = null;
        if (fnExpr.Kind == NodeKind.Var && fnExpr.Var!.IsFunction)
        {
            direct = fnExpr.Var.Symbol;
            fnExpr.Var.IsReferenced = true;
        }

        int fp = -1;
        if (direct is null)
        {
            fp = Gen(fnExpr);
        }

        List<Node> args = n.Body!;
        var argv = new int[args.Count];
        var argt = new IrParamType[args.Count];
        for (int i = 0; i < args.Count; i++)
        {
            Node a = args[i];
            if (a.Type.IsRecord)
            {
                int src = Gen(a);
                int size = Parser.SizeOf(a.Type);
                int slot = _fn.NewSlot(Math.Max(size, 1), Math.Max(8, a.Type.Unqualified.Align), null);
                int dst = SlotAddr(slot);
                var c = Emit(Opcode.Copy, IrType.Void, -1, dst, src);
                c.Imm = size;
                c.Location = a.Loc;
                argv[i] = dst;
                argt[i] = new IrParamType(IrType.I64, TypeRules.Classify(a.Type));
                continue;
            }

            int v = Gen(a);
            if (v < 0)
            {
                v = Const(IrType.I32, 0);
            }

            argv[i] = v;
            argt[i] = new IrParamType(_fn.VRegTypes[v]);
        }

        IrSignature sig = CallSignature(ft, direct);
        CType ret = ft.Base!;
        var call = new Instr
        {
            Op = Opcode.Call,
            Symbol = direct,
            A = fp,
            Args = argv,
            ArgTypes = argt,
            Signature = sig,
            Location = n.Loc,
        };
        int result = -1;
        if (ret.IsRecord)
        {
            int size = Math.Max(1, Parser.SizeOf(ret));
            int slot = _fn.NewSlot(size, Math.Max(8, ret.Unqualified.Align), null);
            result = SlotAddr(slot);
            call.B = result;
            call.Type = IrType.I64;
        }
        else if (ret.Kind != TypeKind.Void)
        {
            call.Type = T(ret);
            call.Dest = NewV(call.Type);
            result = call.Dest;
        }
        else
        {
            call.Type = IrType.Void;
        }

        if (_cur.Instrs.Count > 0 && _cur.Instrs[^1].IsTerminator)
        {
            _cur = _fn.NewBlock("dead");
        }

        _cur.Instrs.Add(call);
        return result;
    }

    private int GenStmtExpr(Node n)
    {
        Node block = n.Body![0];
        int saved = EnterScope(block.Locals, block.Loc, block.EndLoc);
        int result = -1;
        List<Node> body = block.Body!;
        for (int i = 0; i < body.Count; i++)
        {
            Node s = body[i];
            if (i == body.Count - 1 && s.Kind == NodeKind.ExprStmt && n.Type.Kind != TypeKind.Void)
            {
                StmtMarker(s.Loc);
                result = Gen(s.Lhs!);
                continue;
            }

            LowerStmt(s);
        }

        _scopeId = saved;
        if (result < 0 && n.Type.Kind != TypeKind.Void)
        {
            result = T(n.Type).IsFloat() ? FConst(T(n.Type), 0) : Const(T(n.Type), 0);
        }

        return result;
    }

    private int GenVaArg(Node n)
    {
        int ap = Gen(n.Lhs!);
        CType t = n.Type;
        int d = NewV(IrType.I64);
        var i = Emit(Opcode.VaArg, IrType.I64, d, ap);
        i.Location = n.Loc;
        if (t.IsRecord)
        {
            AggregateInfo info = TypeRules.Classify(t);
            i.Imm = info.Size;
            if (info.IsMemory)
            {
                i.ArgClass = ArgClass.Memory;
            }
            else
            {
                i.ArgClass = info.Lo;
                i.Aggregate = info;
            }

            return d;
        }

        i.Imm = Math.Max(1, Parser.SizeOf(t));
        if (t.Kind == TypeKind.LongDouble)
        {
            i.ArgClass = ArgClass.Memory;
        }
        else if (t.IsFloating)
        {
            i.ArgClass = ArgClass.Sse;
        }
        else
        {
            i.ArgClass = ArgClass.Integer;
        }

        return Load(t, d, n.Loc);
    }
}
