using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Parse;
using Lantern.C.Types;

namespace Lantern.C.Lower;

/// <summary>
/// Lowers the typed AST to IR: every local variable and parameter lives in a stack slot, temporaries in
/// vregs; globals become <see cref="IrGlobal"/>s; undefined referenced symbols become <see cref="IrExtern"/>s.
/// </summary>
internal sealed partial class Lowerer
{
    private readonly Parser _parser;
    private readonly DiagnosticBag _diag;
    private readonly IrModule _module = new();
    private readonly Dictionary<CType, IrSignature> _sigCache = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, IrFunction> _definedFunctions = new();

    // per function
    private IrFunction _fn = null!;
    private Obj _fnObj = null!;
    private IrBlock _cur = null!;
    private int _scopeId;
    private Dictionary<string, IrBlock> _labelBlocks = new();

    public Lowerer(Parser parser, DiagnosticBag diag)
    {
        _parser = parser;
        _diag = diag;
    }

    public IrModule LowerUnit()
    {
        // Signatures of defined functions first, so that calls through old-style declarations can use them.
        foreach (Obj g in _parser.Globals)
        {
            if (g.IsFunction && g.Body is not null)
            {
                _definedSigs[g.Symbol] = SigOf(g.Type);
            }
        }

        foreach (Obj g in _parser.Globals)
        {
            if (g.IsFunction)
            {
                if (g.Body is not null)
                {
                    try
                    {
                        LowerFunction(g);
                    }
                    catch (InsufficientExecutionStackException)
                    {
                        _diag.Error(g.Loc, $"function '{g.Name}' is too deeply nested");
                    }
                }
            }
            else if (!g.IsExtern || g.IsDefinition)
            {
                EmitGlobal(g, isTentative: g.IsTentative && g.InitData is null);
            }
        }

        foreach (Obj g in _parser.Anonymous)
        {
            EmitGlobal(g, isTentative: false);
        }

        // Drop static inline functions nothing live refers to (headers define many), then declare
        // every symbol that live code or data refers to but the unit does not define as an extern.
        var byName = new Dictionary<string, Obj>();
        foreach (Obj g in _parser.Globals)
        {
            byName[g.Symbol] = g;
        }

        var functions = new Dictionary<string, IrFunction>();
        foreach (IrFunction f in _module.Functions)
        {
            functions[f.Name] = f;
        }

        var live = new HashSet<string>();
        var work = new Stack<string>();
        void Mark(string sym)
        {
            if (live.Add(sym) && functions.ContainsKey(sym))
            {
                work.Push(sym);
            }
        }

        foreach (IrFunction f in _module.Functions)
        {
            if (!(f.IsStatic && byName.TryGetValue(f.Name, out Obj? o) && o.IsInline))
            {
                Mark(f.Name);
            }
        }

        foreach (IrGlobal g in _module.Globals)
        {
            live.Add(g.Name);
            foreach (IrReloc r in g.Relocs)
            {
                Mark(r.Symbol);
            }
        }

        while (work.Count > 0)
        {
            IrFunction f = functions[work.Pop()];
            foreach (IrBlock b in f.Blocks)
            {
                foreach (Instr i in b.Instrs)
                {
                    if (i.Symbol is not null)
                    {
                        Mark(i.Symbol);
                    }
                }
            }
        }

        _module.Functions.RemoveAll(f => !live.Contains(f.Name));
        var defined = new HashSet<string>();
        foreach (IrFunction f in _module.Functions)
        {
            defined.Add(f.Name);
        }

        foreach (IrGlobal g in _module.Globals)
        {
            defined.Add(g.Name);
        }

        foreach (Obj g in _parser.Globals)
        {
            if (!live.Contains(g.Symbol) || defined.Contains(g.Symbol))
            {
                continue;
            }

            if (g.IsFunction)
            {
                _module.Externs.Add(new IrExtern(g.Symbol, true, g.Type.IsOldStyle ? null : SigOf(g.Type), g.Loc));
            }
            else
            {
                _module.Externs.Add(new IrExtern(g.Symbol, false, null, g.Loc));
            }
        }

        return _module;
    }

    private readonly Dictionary<string, IrSignature> _definedSigs = new();

    private void EmitGlobal(Obj g, bool isTentative)
    {
        int size = _parser.ObjectSize(g);
        if (size < 0)
        {
            size = 0;
        }

        var ig = new IrGlobal
        {
            Name = g.Symbol,
            Size = size,
            Align = _parser.AlignOf(g),
            Init = g.InitData,
            IsStatic = g.IsStatic,
            IsReadOnly = g.IsReadOnly || (g.Type.IsConst && g.Type.IsScalar && (g.Relocs is null || g.Relocs.Count == 0)),
            IsTentative = isTentative,
            CType = g.Name.StartsWith('.') ? null : g.Type,
            Location = g.Loc,
        };
        if (g.InitData is not null && g.InitData.Length != size)
        {
            var b = new byte[size];
            Array.Copy(g.InitData, b, Math.Min(size, g.InitData.Length));
            ig.Init = b;
        }

        if (g.Relocs is not null)
        {
            ig.Relocs.AddRange(g.Relocs);
        }

        _module.Globals.Add(ig);
    }

    // ---------------------------------------------------------------------------------------------
    // Signatures

    private static IrParamType ParamTypeOf(CType t)
    {
        if (t.IsRecord)
        {
            return new IrParamType(IrType.I64, TypeRules.Classify(t));
        }

        return new IrParamType(TypeRules.ToIr(t));
    }

    private IrSignature SigOf(CType ft)
    {
        if (_sigCache.TryGetValue(ft, out IrSignature? s))
        {
            return s;
        }

        var ps = new IrParamType[ft.Parameters.Count];
        for (int i = 0; i < ps.Length; i++)
        {
            ps[i] = ParamTypeOf(ft.Parameters[i].Type);
        }

        CType ret = ft.Base!;
        IrParamType r = ret.Kind == TypeKind.Void ? new IrParamType(IrType.Void) : ParamTypeOf(ret);
        s = new IrSignature(r, ps, ft.IsVariadic);
        _sigCache[ft] = s;
        return s;
    }

    /// <summary>The signature used at a call site: old-style (unprototyped) callees are called as variadic.</summary>
    private IrSignature CallSignature(CType ft, string? directName)
    {
        if (!ft.IsOldStyle)
        {
            return SigOf(ft);
        }

        if (directName is not null && _definedSigs.TryGetValue(directName, out IrSignature? def))
        {
            return def;
        }

        CType ret = ft.Base!;
        IrParamType r = ret.Kind == TypeKind.Void ? new IrParamType(IrType.Void) : ParamTypeOf(ret);
        return new IrSignature(r, Array.Empty<IrParamType>(), true);
    }

    // ---------------------------------------------------------------------------------------------
    // Emission helpers

    private static IrType T(CType t) => TypeRules.ToIr(t);

    private int NewV(IrType t) => _fn.NewVReg(t);

    private Instr Emit(Opcode op, IrType type, int dest = -1, int a = -1, int b = -1)
    {
        var i = new Instr { Op = op, Type = type, Dest = dest, A = a, B = b };
        if (_cur.Instrs.Count > 0 && _cur.Instrs[^1].IsTerminator)
        {
            _cur = _fn.NewBlock("dead");
        }

        _cur.Instrs.Add(i);
        return i;
    }

    private bool Terminated => _cur.Instrs.Count > 0 && _cur.Instrs[^1].IsTerminator;

    private void Terminate(Instr i)
    {
        if (Terminated)
        {
            _cur = _fn.NewBlock("dead");
        }

        _cur.Instrs.Add(i);
    }

    private void Jump(IrBlock target)
    {
        Terminate(new Instr { Op = Opcode.Jump, Target = target.Id });
    }

    private void Branch(int cond, IrBlock t, IrBlock f)
    {
        Terminate(new Instr { Op = Opcode.Branch, Type = _fn.VRegTypes[cond], A = cond, Target = t.Id, Target2 = f.Id });
    }

    /// <summary>Continues emission in <paramref name="b"/>, falling through from the current block.</summary>
    private void StartBlock(IrBlock b)
    {
        if (!Terminated)
        {
            _cur.Instrs.Add(new Instr { Op = Opcode.Jump, Target = b.Id });
        }

        _cur = b;
    }

    private int Const(IrType t, long v)
    {
        int d = NewV(t);
        Emit(Opcode.Const, t, d).Imm = v;
        return d;
    }

    private int FConst(IrType t, double v)
    {
        int d = NewV(t);
        Emit(Opcode.Const, t, d).Imm = BitConverter.DoubleToInt64Bits(t == IrType.F32 ? (float)v : v);
        return d;
    }

    private int Bin(Opcode op, IrType t, int a, int b)
    {
        int d = NewV(t);
        Emit(op, t, d, a, b);
        return d;
    }

    private int Cmp(Opcode op, IrType operandType, int a, int b)
    {
        int d = NewV(IrType.I32);
        Emit(op, operandType, d, a, b);
        return d;
    }

    private int Un(Opcode op, IrType t, int a)
    {
        int d = NewV(t);
        Emit(op, t, d, a);
        return d;
    }

    private int AddOffset(int addr, long off)
    {
        if (off == 0)
        {
            return addr;
        }

        return Bin(Opcode.Add, IrType.I64, addr, Const(IrType.I64, off));
    }

    private void StmtMarker(SourceLocation loc)
    {
        var i = Emit(Opcode.Stmt, IrType.Void);
        i.Location = loc;
        i.Imm = _scopeId;
    }

    private int SlotOf(Obj v)
    {
        if (v.Slot < 0)
        {
            int size = Math.Max(1, Parser.SizeOf(v.Type));
            v.Slot = _fn.NewSlot(size, _parser.AlignOf(v), v.IsTemp ? null : v.Name);
        }

        return v.Slot;
    }

    private int PtrSlotOf(Obj v)
    {
        if (v.PtrSlot < 0)
        {
            v.PtrSlot = _fn.NewSlot(8, 8, v.Name + ".vla");
        }

        return v.PtrSlot;
    }

    // SlotAddr results are reused within a block (a vreg defined earlier in the same block is valid there).
    private int[] _slotAddrGen = new int[64];
    private int[] _slotAddrVReg = new int[64];
    private int _slotAddrGeneration;
    private IrBlock? _slotAddrBlock;

    private int SlotAddr(int slot)
    {
        if (_cur.Instrs.Count > 0 && _cur.Instrs[^1].IsTerminator)
        {
            _cur = _fn.NewBlock("dead");
        }

        if (!ReferenceEquals(_slotAddrBlock, _cur))
        {
            _slotAddrBlock = _cur;
            _slotAddrGeneration++;
        }

        if (slot >= _slotAddrGen.Length)
        {
            Array.Resize(ref _slotAddrGen, Math.Max(slot + 1, _slotAddrGen.Length * 2));
            Array.Resize(ref _slotAddrVReg, _slotAddrGen.Length);
        }

        if (_slotAddrGen[slot] == _slotAddrGeneration)
        {
            return _slotAddrVReg[slot];
        }

        int d = NewV(IrType.I64);
        Emit(Opcode.SlotAddr, IrType.I64, d).Imm = slot;
        _slotAddrGen[slot] = _slotAddrGeneration;
        _slotAddrVReg[slot] = d;
        return d;
    }

    private int Load(CType t, int addr, SourceLocation loc)
    {
        if (t.Kind is TypeKind.Array or TypeKind.Struct or TypeKind.Union or TypeKind.Function)
        {
            return addr;
        }

        IrType it = T(t);
        int d = NewV(it);
        Emit(Opcode.Load, it, d, addr).Location = loc;
        return d;
    }

    private void Store(CType t, int addr, int val, SourceLocation loc)
    {
        if (t.IsRecord)
        {
            var c = Emit(Opcode.Copy, IrType.Void, -1, addr, val);
            c.Imm = Parser.SizeOf(t);
            c.Location = loc;
            return;
        }

        Emit(Opcode.Store, T(t), -1, addr, val).Location = loc;
    }

    // ---------------------------------------------------------------------------------------------
    // Functions

    private void LowerFunction(Obj fn)
    {
        _fnObj = fn;
        _fn = new IrFunction
        {
            Name = fn.Symbol,
            IsStatic = fn.IsStatic,
            Signature = SigOf(fn.Type),
            CType = fn.Type,
            Location = fn.Loc,
        };
        _fn.EndLocation = fn.EndLoc;
        _fn.CallsSetjmp = fn.CallsSetjmp;
        _labelBlocks = new Dictionary<string, IrBlock>();
        _cur = _fn.NewBlock("entry");
        _slotAddrGeneration++;
        _slotAddrBlock = null;
        var scope0 = new IrScope { Id = 0, Parent = -1, Start = fn.Body!.Loc, End = fn.EndLoc };
        _fn.Scopes.Add(scope0);
        _scopeId = 0;
        if (fn.Type.Base!.IsRecord)
        {
            _fn.ReturnPointerVReg = NewV(IrType.I64);
        }

        foreach (Obj p in fn.Params!)
        {
            int size = Math.Max(8, Parser.SizeOf(p.Type));
            p.Slot = _fn.NewSlot(size, Math.Max(8, p.Type.Unqualified.Align), p.IsTemp ? null : p.Name);
            _fn.ParamSlots.Add(p.Slot);
            if (!p.IsTemp)
            {
                scope0.Variables.Add(new IrVariable { Name = p.Name, Type = p.Type, Kind = VariableKind.Parameter, Slot = p.Slot, Location = p.Loc });
            }
        }

        DeclareLocals(fn.Body.Locals, scope0);
        foreach (Node s in fn.Body.Body!)
        {
            LowerStmt(s);
        }

        if (!Terminated)
        {
            IrParamType ret = _fn.Signature.Return;
            if (ret.Type == IrType.Void || ret.IsAggregate)
            {
                _cur.Instrs.Add(new Instr { Op = Opcode.Ret, A = -1 });
            }
            else
            {
                int z = ret.Type.IsFloat() ? FConst(ret.Type, 0) : Const(ret.Type, 0);
                _cur.Instrs.Add(new Instr { Op = Opcode.Ret, Type = ret.Type, A = z });
            }
        }

        _module.Functions.Add(_fn);
    }

    private void DeclareLocals(List<Obj>? locals, IrScope scope)
    {
        if (locals is null)
        {
            return;
        }

        foreach (Obj v in locals)
        {
            if (v.IsStaticLocal)
            {
                scope.Variables.Add(new IrVariable { Name = v.Name, Type = v.Type, Kind = VariableKind.Static, Symbol = v.Symbol, Location = v.Loc });
                continue;
            }

            if (v.IsTemp || v.IsParam)
            {
                continue;
            }

            if (v.Type.Kind == TypeKind.Array && v.Type.IsVla)
            {
                scope.Variables.Add(new IrVariable { Name = v.Name, Type = v.Type, Kind = VariableKind.Local, PointerSlot = PtrSlotOf(v), Location = v.Loc });
                continue;
            }

            if (v.Type.Kind == TypeKind.Array && ContainsVla(v.Type))
            {
                scope.Variables.Add(new IrVariable { Name = v.Name, Type = v.Type, Kind = VariableKind.Local, PointerSlot = PtrSlotOf(v), Location = v.Loc });
                continue;
            }

            scope.Variables.Add(new IrVariable { Name = v.Name, Type = v.Type, Kind = VariableKind.Local, Slot = SlotOf(v), Location = v.Loc });
        }
    }

    private static bool ContainsVla(CType t)
    {
        while (t.Kind == TypeKind.Array)
        {
            if (t.IsVla)
            {
                return true;
            }

            t = t.Base!;
        }

        return false;
    }

    private static bool HasNamedLocals(List<Obj>? locals)
    {
        if (locals is null)
        {
            return false;
        }

        foreach (Obj v in locals)
        {
            if (!v.IsTemp)
            {
                return true;
            }
        }

        return false;
    }

    private int EnterScope(List<Obj>? locals, SourceLocation start, SourceLocation end)
    {
        int saved = _scopeId;
        if (HasNamedLocals(locals))
        {
            var sc = new IrScope { Id = _fn.Scopes.Count, Parent = _scopeId, Start = start, End = end };
            _fn.Scopes.Add(sc);
            _scopeId = sc.Id;
            DeclareLocals(locals, sc);
        }

        return saved;
    }

    private IrBlock LabelBlock(string name)
    {
        if (!_labelBlocks.TryGetValue(name, out IrBlock? b))
        {
            b = _fn.NewBlock("label." + name);
            _labelBlocks[name] = b;
        }

        return b;
    }

    // ---------------------------------------------------------------------------------------------
    // Statements

    private void LowerStmt(Node n)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (n.Kind)
        {
            case NodeKind.ExprStmt:
                StmtMarker(n.Loc);
                GenDiscard(n.Lhs!);
                return;
            case NodeKind.Block:
            {
                int saved = EnterScope(n.Locals, n.Loc, n.EndLoc);
                foreach (Node s in n.Body!)
                {
                    LowerStmt(s);
                }

                _scopeId = saved;
                return;
            }

            case NodeKind.Return:
            {
                StmtMarker(n.Loc);
                IrParamType ret = _fn.Signature.Return;
                if (n.Lhs is null)
                {
                    if (ret.Type != IrType.Void && !ret.IsAggregate)
                    {
                        int z = ret.Type.IsFloat() ? FConst(ret.Type, 0) : Const(ret.Type, 0);
                        Terminate(new Instr { Op = Opcode.Ret, Type = ret.Type, A = z });
                        return;
                    }

                    Terminate(new Instr { Op = Opcode.Ret, A = -1 });
                    return;
                }

                if (ret.IsAggregate)
                {
                    int src = Gen(n.Lhs);
                    var c = Emit(Opcode.Copy, IrType.Void, -1, _fn.ReturnPointerVReg, src);
                    c.Imm = Parser.SizeOf(n.Lhs.Type);
                    c.Location = n.Loc;
                    Terminate(new Instr { Op = Opcode.Ret, A = -1 });
                    return;
                }

                if (ret.Type == IrType.Void)
                {
                    GenDiscard(n.Lhs);
                    Terminate(new Instr { Op = Opcode.Ret, A = -1 });
                    return;
                }

                int v = Gen(n.Lhs);
                Terminate(new Instr { Op = Opcode.Ret, Type = ret.Type, A = v });
                return;
            }

            case NodeKind.If:
            {
                StmtMarker(n.Loc);
                IrBlock then = _fn.NewBlock("if.then");
                IrBlock? els = n.Els is null ? null : _fn.NewBlock("if.else");
                IrBlock end = _fn.NewBlock("if.end");
                GenBranch(n.Cond!, then, els ?? end);
                _cur = then;
                LowerStmt(n.Then!);
                if (els is not null)
                {
                    if (!Terminated)
                    {
                        Jump(end);
                    }

                    _cur = els;
                    LowerStmt(n.Els!);
                }

                StartBlock(end);
                return;
            }

            case NodeKind.For:
            {
                int saved = EnterScope(n.Locals, n.Loc, n.EndLoc.IsNone ? n.Loc : n.EndLoc);
                if (n.Init is not null)
                {
                    LowerStmt(n.Init);
                }

                IrBlock cond = _fn.NewBlock("for.cond");
                IrBlock body = _fn.NewBlock("for.body");
                IrBlock inc = _fn.NewBlock("for.inc");
                IrBlock end = _fn.NewBlock("for.end");
                n.BreakBlock = end.Id;
                n.ContinueBlock = inc.Id;
                StartBlock(cond);
                if (n.Cond is not null)
                {
                    StmtMarker(n.Cond.Loc);
                    GenBranch(n.Cond, body, end);
                }
                else
                {
                    Jump(body);
                }

                _cur = body;
                LowerStmt(n.Then!);
                StartBlock(inc);
                if (n.Inc is not null)
                {
                    LowerStmt(n.Inc);
                }

                Jump(cond);
                _cur = end;
                _scopeId = saved;
                return;
            }

            case NodeKind.Do:
            {
                IrBlock body = _fn.NewBlock("do.body");
                IrBlock cond = _fn.NewBlock("do.cond");
                IrBlock end = _fn.NewBlock("do.end");
                n.BreakBlock = end.Id;
                n.ContinueBlock = cond.Id;
                StartBlock(body);
                LowerStmt(n.Then!);
                StartBlock(cond);
                StmtMarker(n.Cond!.Loc);
                GenBranch(n.Cond, body, end);
                _cur = end;
                return;
            }

            case NodeKind.Switch:
            {
                StmtMarker(n.Loc);
                int v = Gen(n.Cond!);
                IrBlock end = _fn.NewBlock("switch.end");
                n.BreakBlock = end.Id;
                var cases = new List<(long, int)>();
                var seen = new HashSet<long>();
                foreach (Node c in n.Cases!)
                {
                    IrBlock b = _fn.NewBlock("case");
                    c.BlockId = b.Id;
                    for (long x = c.Val; x <= c.CaseEnd; x++)
                    {
                        if (seen.Add(x))
                        {
                            cases.Add((x, b.Id));
                        }

                        if (x == long.MaxValue)
                        {
                            break;
                        }
                    }
                }

                IrBlock def = end;
                if (n.DefaultCase is not null)
                {
                    def = _fn.NewBlock("default");
                    n.DefaultCase.BlockId = def.Id;
                }

                Terminate(new Instr { Op = Opcode.Switch, Type = T(n.Cond!.Type), A = v, Cases = cases.ToArray(), Target = def.Id });
                LowerStmt(n.Then!);
                StartBlock(end);
                return;
            }

            case NodeKind.Case:
                if (n.BlockId >= 0)
                {
                    StartBlock(_fn.Blocks[n.BlockId]);
                }

                LowerStmt(n.Lhs!);
                return;
            case NodeKind.Goto:
                StmtMarker(n.Loc);
                Jump(LabelBlock(n.Label!));
                return;
            case NodeKind.GotoExpr:
                _diag.Error(n.Loc, "computed goto is not supported");
                return;
            case NodeKind.Label:
                StartBlock(LabelBlock(n.Label!));
                LowerStmt(n.Lhs!);
                return;
            case NodeKind.Break:
                StmtMarker(n.Loc);
                Jump(_fn.Blocks[n.Target!.BreakBlock]);
                return;
            case NodeKind.Continue:
                StmtMarker(n.Loc);
                Jump(_fn.Blocks[n.Target!.ContinueBlock]);
                return;
        }

        throw new InvalidOperationException("unexpected statement " + n.Kind);
    }
}
