using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Lantern.C.Types;

namespace Lantern.C.Parse;

internal sealed partial class Parser
{
    // compound-stmt = (typedef | declaration | stmt)* "}"
    private Node CompoundStmt(bool newScope)
    {
        Token open = Tok;
        Expect("{");
        var node = new Node(NodeKind.Block, open.Location) { Body = new List<Node>() };
        if (newScope)
        {
            EnterScope();
        }

        int depth = _scopes.Count;
        while (!Is("}"))
        {
            if (AtEof)
            {
                throw Fatal(_pos > 0 ? _tokens[_pos - 1].Location : Tok.Location, "expected declaration or statement at end of input");
            }

            int start = _pos;
            Node? savedBreak = _breakTarget, savedContinue = _continueTarget, savedSwitch = _currentSwitch;
            try
            {
                BlockItem(node.Body);
            }
            catch (ParseErrorException)
            {
                while (_scopes.Count > depth)
                {
                    LeaveScope();
                }

                _breakTarget = savedBreak;
                _continueTarget = savedContinue;
                _currentSwitch = savedSwitch;
                if (_pos == start)
                {
                    _pos++;
                }

                SkipToStatementEnd();
            }
        }

        node.EndLoc = Tok.Location;
        _pos++;
        if (newScope)
        {
            node.Locals = LeaveScope().Locals;
        }

        return node;
    }

    private void SkipToStatementEnd()
    {
        int depth = 0;
        while (!AtEof)
        {
            Token t = Tok;
            if (t.Kind == TokenKind.Punct)
            {
                switch (t.Text)
                {
                    case "{":
                        depth++;
                        break;
                    case "}":
                        if (depth == 0)
                        {
                            return;
                        }

                        depth--;
                        if (depth == 0)
                        {
                            _pos++;
                            return;
                        }

                        break;
                    case ";":
                        if (depth == 0)
                        {
                            _pos++;
                            return;
                        }

                        break;
                }
            }

            _pos++;
        }
    }

    private void BlockItem(List<Node> body)
    {
        Token t = Tok;
        if (IsUnknownTypeName(t))
        {
            Error(t.Location, $"unknown type name '{t.Text}'");
            _pos++;
            Declaration(CType.Int, new VarAttr(), body);
            return;
        }

        if (t.Kind == TokenKind.Identifier && IsTypename(t) && !Peek(1).Is(":"))
        {
            var attr = new VarAttr();
            CType basety = DeclSpec(ref attr, allowStorage: true);
            if (attr.IsTypedef)
            {
                ParseTypedef(basety);
                return;
            }

            Declaration(basety, attr, body);
            return;
        }

        if (t.Kind == TokenKind.Identifier && t.Text == "_Static_assert")
        {
            StaticAssert();
            return;
        }

        body.Add(Stmt());
    }

    // declaration = declspec (declarator ("=" initializer)? ("," declarator ("=" initializer)?)*)? ";"
    private void Declaration(CType basety, VarAttr attr, List<Node> body)
    {
        bool first = true;
        while (!Consume(";"))
        {
            if (!first && !Consume(","))
            {
                ExpectedError("',' or ';'");
            }

            first = false;
            Token start = Tok;
            _declName = null;
            CType ty = Declarator(basety, out Token? name);
            if (name is null)
            {
                throw Fatal(start.Location, "identifier expected in declaration");
            }

            SkipAttributes();
            if (ty.Kind == TypeKind.Void)
            {
                Error(name.Location, $"variable or field '{name.Text}' declared void");
                ty = CType.Int;
            }

            if (ty.Kind == TypeKind.Function)
            {
                DeclareFunction(ty, name, attr, isDefinition: false);
                continue;
            }

            if (attr.IsExtern)
            {
                var savedScopes = _scopes.Count;
                GlobalVariable(ty, name, attr);
                continue;
            }

            if (attr.IsStatic || attr.IsThreadLocal)
            {
                // static local: a global with a unique name
                var g = new Obj(name.Text, ty, name.Location)
                {
                    IsStatic = true, IsDefinition = true, IsStaticLocal = true,
                    Symbol = _currentFn!.Name + "." + name.Text + "." + (_uniqueId++).ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                VarEntry? prev = FindInCurrentScope(name.Text);
                if (prev is not null && prev.Var is not null)
                {
                    Error(name.Location, $"redefinition of '{name.Text}'");
                }

                PushScopeEntry(name.Text).Var = g;
                Scope sc = CurrentScope;
                sc.Locals ??= new List<Obj>();
                sc.Locals.Add(g);
                Anonymous.Add(g);
                if (attr.Align > 0)
                {
                    _alignOverride[g] = attr.Align;
                }

                if (Consume("="))
                {
                    GlobalInitializer(g, ty);
                }
                else if (IsIncompleteType(ty))
                {
                    Error(name.Location, $"storage size of '{name.Text}' isn't known");
                }

                continue;
            }

            if (ty.Kind == TypeKind.Array && ContainsVla(ty))
            {
                if (Is("="))
                {
                    Error(Tok.Location, "variable-sized object may not be initialized");
                }

                Node size = ComputeVlaSize(ty, name.Location);
                Obj vla = NewLocal(name.Text, ty, name.Location);
                var alloc = new Node(NodeKind.VlaAlloc, name.Location) { Var = vla, Lhs = SizeNode(ty, name.Location), Type = CType.Void };
                body.Add(ExprStmt(NewComma(size, alloc, name.Location), name.Location));
                continue;
            }

            Obj v = NewLocal(name.Text, ty, name.Location);
            if (attr.Align > 0)
            {
                _alignOverride[v] = attr.Align;
            }

            if (basety.IsConst && ty.IsRecord)
            {
                _constRecords.Add(v);
            }

            if (Is("="))
            {
                Token eq = Next();
                Node init = LocalInitializer(v, name.Location);
                body.Add(ExprStmt(init, name.Location));
            }

            if (IsIncompleteType(v.Type))
            {
                Error(name.Location, $"storage size of '{name.Text}' isn't known");
                v.Type = CType.Int;
            }
        }
    }

    private Node Cond(Node e)
    {
        CheckScalar(e);
        return e;
    }

    // stmt = "return" expr? ";"
    //      | "if" "(" expr ")" stmt ("else" stmt)?
    //      | "switch" "(" expr ")" stmt
    //      | "case" const-expr ("..." const-expr)? ":" stmt
    //      | "default" ":" stmt
    //      | "for" "(" expr-stmt expr? ";" expr? ")" stmt
    //      | "while" "(" expr ")" stmt
    //      | "do" stmt "while" "(" expr ")" ";"
    //      | "goto" (ident | "*" expr) ";"
    //      | "break" ";"
    //      | "continue" ";"
    //      | ident ":" stmt
    //      | "{" compound-stmt
    //      | expr-stmt
    private Node Stmt()
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        Token t = Tok;
        SourceLocation loc = t.Location;
        if (t.Kind == TokenKind.Identifier)
        {
            switch (t.Text)
            {
                case "return":
                {
                    _pos++;
                    var n = new Node(NodeKind.Return, loc);
                    CType ret = _currentFn!.Type.Base!;
                    if (Consume(";"))
                    {
                        if (ret.Kind != TypeKind.Void)
                        {
                            Warn(loc, "'return' with no value, in function returning non-void");
                        }

                        return n;
                    }

                    Node e = Expr();
                    Expect(";");
                    if (ret.Kind == TypeKind.Void)
                    {
                        if (e.Type.Kind != TypeKind.Void)
                        {
                            Warn(loc, "'return' with a value, in function returning void");
                        }

                        n.Lhs = new Node(NodeKind.Cast, e.Loc) { Lhs = e, Type = CType.Void };
                        return n;
                    }

                    n.Lhs = ConvertForAssignment(ret, e, "returning", e.Loc);
                    return n;
                }

                case "if":
                {
                    _pos++;
                    var n = new Node(NodeKind.If, loc);
                    Expect("(");
                    n.Cond = Cond(Expr());
                    Expect(")");
                    n.Then = Stmt();
                    if (Consume("else"))
                    {
                        n.Els = Stmt();
                    }

                    return n;
                }

                case "switch":
                {
                    _pos++;
                    var n = new Node(NodeKind.Switch, loc) { Cases = new List<Node>() };
                    Expect("(");
                    Node c = Expr();
                    Expect(")");
                    CheckValue(c);
                    if (!c.Type.IsInteger)
                    {
                        Error(c.Loc, "switch quantity not an integer");
                        c = NewNum(0, c.Loc);
                    }

                    n.Cond = Cast(c, TypeRules.Promote(c.Type).Unqualified);
                    Node? sw = _currentSwitch, brk = _breakTarget;
                    _currentSwitch = n;
                    _breakTarget = n;
                    try
                    {
                        n.Then = Stmt();
                    }
                    finally
                    {
                        _currentSwitch = sw;
                        _breakTarget = brk;
                    }

                    return n;
                }

                case "case":
                {
                    _pos++;
                    Node e = Conditional();
                    long begin = 0, end;
                    if (!TryEvalInt(e, out begin))
                    {
                        Error(e.Loc, "case label does not reduce to an integer constant");
                    }

                    end = begin;
                    if (Consume("..."))
                    {
                        Node e2 = Conditional();
                        if (!TryEvalInt(e2, out end))
                        {
                            Error(e2.Loc, "case label does not reduce to an integer constant");
                        }
                    }

                    Expect(":");
                    var n = new Node(NodeKind.Case, loc);
                    if (_currentSwitch is null)
                    {
                        Error(loc, "case label not within a switch statement");
                    }
                    else
                    {
                        CType st = _currentSwitch.Cond!.Type;
                        begin = Normalize(begin, st);
                        end = Normalize(end, st);
                        foreach (Node other in _currentSwitch.Cases!)
                        {
                            if (begin <= other.CaseEnd && other.Val <= end)
                            {
                                Error(loc, "duplicate case value");
                                break;
                            }
                        }

                        n.Val = begin;
                        n.CaseEnd = end;
                        _currentSwitch.Cases!.Add(n);
                    }

                    n.Lhs = CaseBody();
                    return n;
                }

                case "default":
                {
                    _pos++;
                    Expect(":");
                    var n = new Node(NodeKind.Case, loc);
                    if (_currentSwitch is null)
                    {
                        Error(loc, "'default' label not within a switch statement");
                    }
                    else if (_currentSwitch.DefaultCase is not null)
                    {
                        Error(loc, "multiple default labels in one switch");
                    }
                    else
                    {
                        _currentSwitch.DefaultCase = n;
                    }

                    n.Lhs = CaseBody();
                    return n;
                }

                case "for":
                {
                    _pos++;
                    var n = new Node(NodeKind.For, loc);
                    Expect("(");
                    EnterScope();
                    Node? brk = _breakTarget, cont = _continueTarget;
                    try
                    {
                        if (IsTypename(Tok))
                        {
                            var attr = new VarAttr();
                            CType basety = DeclSpec(ref attr, allowStorage: true);
                            var inits = new List<Node>();
                            Declaration(basety, attr, inits);
                            n.Init = new Node(NodeKind.Block, loc) { Body = inits };
                        }
                        else if (!Consume(";"))
                        {
                            Token it = Tok;
                            n.Init = ExprStmt(Expr(), it.Location);
                            Expect(";");
                        }

                        if (!Is(";"))
                        {
                            n.Cond = Cond(Expr());
                        }

                        Expect(";");
                        if (!Is(")"))
                        {
                            Token it = Tok;
                            n.Inc = ExprStmt(Expr(), it.Location);
                        }

                        Expect(")");
                        _breakTarget = n;
                        _continueTarget = n;
                        n.Then = Stmt();
                        n.EndLoc = _tokens[_pos - 1].Location;
                    }
                    finally
                    {
                        _breakTarget = brk;
                        _continueTarget = cont;
                    }

                    n.Locals = LeaveScope().Locals;
                    return n;
                }

                case "while":
                {
                    _pos++;
                    var n = new Node(NodeKind.For, loc);
                    Expect("(");
                    n.Cond = Cond(Expr());
                    Expect(")");
                    Node? brk = _breakTarget, cont = _continueTarget;
                    _breakTarget = n;
                    _continueTarget = n;
                    try
                    {
                        n.Then = Stmt();
                    }
                    finally
                    {
                        _breakTarget = brk;
                        _continueTarget = cont;
                    }

                    return n;
                }

                case "do":
                {
                    _pos++;
                    var n = new Node(NodeKind.Do, loc);
                    Node? brk = _breakTarget, cont = _continueTarget;
                    _breakTarget = n;
                    _continueTarget = n;
                    try
                    {
                        n.Then = Stmt();
                    }
                    finally
                    {
                        _breakTarget = brk;
                        _continueTarget = cont;
                    }

                    if (!Is("while"))
                    {
                        ExpectedError("'while'");
                    }

                    Token w = Next();
                    n.EndLoc = w.Location;
                    Expect("(");
                    n.Cond = Cond(Expr());
                    Expect(")");
                    Expect(";");
                    return n;
                }

                case "goto":
                {
                    _pos++;
                    if (Consume("*"))
                    {
                        Node target = Expr();
                        Expect(";");
                        return new Node(NodeKind.GotoExpr, loc) { Lhs = target };
                    }

                    Token name = ExpectIdent();
                    Expect(";");
                    var n = new Node(NodeKind.Goto, loc) { Label = name.Text };
                    _gotos!.Add(n);
                    return n;
                }

                case "break":
                    return BreakOrContinue(loc, NodeKind.Break, _breakTarget, "break statement not within loop or switch");

                case "continue":
                    return BreakOrContinue(loc, NodeKind.Continue, _continueTarget, "continue statement not within a loop");

                case "asm":
                case "__asm__":
                case "__asm":
                    throw Fatal(loc, "inline assembly is not supported");
            }

            if (Peek(1).Is(":") && !s_keywords.Contains(t.Text))
            {
                _pos += 2;
                SkipAttributes();
                var n = new Node(NodeKind.Label, loc) { Label = t.Text };
                if (_labels!.ContainsKey(t.Text))
                {
                    Error(loc, $"duplicate label '{t.Text}'");
                }
                else
                {
                    _labels[t.Text] = n;
                }

                n.Lhs = CaseBody();
                return n;
            }
        }
        else if (t.Kind == TokenKind.Punct)
        {
            if (t.Text == "{")
            {
                return CompoundStmt(newScope: true);
            }

            if (t.Text == ";")
            {
                _pos++;
                return new Node(NodeKind.Block, loc) { Body = new List<Node>() };
            }
        }

        // expr-stmt = expr? ";"
        Node expr = Expr();
        Expect(";");
        return ExprStmt(expr, loc);
    }

    // "break" ";" | "continue" ";": a jump to the innermost enclosing target (null outside one: an error)
    private Node BreakOrContinue(SourceLocation loc, NodeKind kind, Node? target, string outsideMessage)
    {
        _pos++;
        Expect(";");
        if (target is null)
        {
            Error(loc, outsideMessage);
        }

        return new Node(kind, loc) { Target = target };
    }

    /// <summary>The statement after a label; C23/gcc allow a label before '}' or a declaration.</summary>
    private Node CaseBody()
    {
        if (Is("}"))
        {
            return new Node(NodeKind.Block, Tok.Location) { Body = new List<Node>() };
        }

        if (IsTypename(Tok) && !Peek(1).Is(":"))
        {
            var body = new List<Node>();
            BlockItem(body);
            return new Node(NodeKind.Block, Tok.Location) { Body = body };
        }

        return Stmt();
    }
}
