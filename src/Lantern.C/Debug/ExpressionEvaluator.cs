using System.Buffers.Binary;
using Lantern.C.Abi;
using Lantern.C.Ir;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.C.Debug;

/// <summary>gdb's value history (<c>$1</c>, <c>$2</c>, ...; <c>$</c> the last, <c>$$N</c> N back) and convenience variables (<c>$name</c>).</summary>
public sealed class ValueHistory
{
    private readonly List<DbgValue> _values = new();

    public Dictionary<string, DbgValue> Convenience { get; } = new(StringComparer.Ordinal);

    public int Count => _values.Count;

    /// <summary>Records a value (its bytes are copied now, as gdb does) and returns its number.</summary>
    public int Add(DbgValue value)
    {
        _values.Add(value.Type.Strip().Kind == DbgTypeKind.Function ? value : DbgValue.FromBytes(value.Type, (byte[])value.Bytes.Clone()));
        return _values.Count;
    }

    public DbgValue Get(HistoryRef reference)
    {
        int index = reference.Relative ? _values.Count - reference.Index : reference.Index;
        if (_values.Count == 0 && reference.Relative)
        {
            throw new DebugEvalException("The history is empty.");
        }

        if (index < 1 || index > _values.Count)
        {
            throw new DebugEvalException(index > _values.Count ? $"History has not yet reached ${index}." : "History does not go back to $$" + reference.Index + ".");
        }

        return _values[index - 1];
    }
}

/// <summary>
/// Evaluates C expressions against a program's state (<see cref="IValueContext"/>), reading variables through the
/// DWARF: locals and parameters of the selected frame (<see cref="DebugData.VariablesAt"/>), then globals, functions
/// and enumerators. Arithmetic follows C's usual conversions; errors carry gdb's messages.
/// </summary>
public sealed class ExpressionEvaluator
{
    private static readonly Dictionary<string, int> s_registers64 = new(StringComparer.Ordinal)
    {
        ["rax"] = 0, ["rdx"] = 1, ["rcx"] = 2, ["rbx"] = 3, ["rsi"] = 4, ["rdi"] = 5, ["rbp"] = 6, ["rsp"] = 7,
        ["r8"] = 8, ["r9"] = 9, ["r10"] = 10, ["r11"] = 11, ["r12"] = 12, ["r13"] = 13, ["r14"] = 14, ["r15"] = 15,
        ["rip"] = 16, ["pc"] = 16, ["sp"] = 7, ["fp"] = 6, ["eflags"] = 49,
    };

    private static readonly Dictionary<string, int> s_registers32 = new(StringComparer.Ordinal)
    {
        ["eax"] = 0, ["edx"] = 1, ["ecx"] = 2, ["ebx"] = 3, ["esi"] = 4, ["edi"] = 5, ["ebp"] = 6, ["esp"] = 7,
    };

    private Dictionary<string, (DbgType Type, long Value)>? _enumerators;

    public ExpressionEvaluator(ProgramSymbols symbols, ValueHistory? history = null)
    {
        Symbols = symbols;
        History = history ?? new ValueHistory();
    }

    public ProgramSymbols Symbols { get; }

    public ValueHistory History { get; }

    public DbgTypes Types => Symbols.Types;

    /// <summary>Parses and evaluates <paramref name="text"/>.</summary>
    /// <exception cref="DebugEvalException">A syntax or evaluation error (gdb's message).</exception>
    public DbgValue Evaluate(string text, IValueContext context) => Evaluate(Parse(text), context);

    public Expr Parse(string text) => ExpressionParser.Parse(text, name => Types.IsTypedefName(name));

    public DbgValue Evaluate(Expr expr, IValueContext context) => new Run(this, context).Eval(expr);

    /// <summary>Evaluates a condition (breakpoint <c>condition</c>): true if the value is non-zero.</summary>
    public bool IsTrue(DbgValue value) => Run.Truth(value);

    /// <summary>The type named by a cast's type spec.</summary>
    public DbgType ResolveType(TypeSpec spec)
    {
        DbgType type = Types.FindType(spec.BaseName) ?? throw new DebugEvalException(spec.BaseName.StartsWith("struct ", StringComparison.Ordinal)
            ? $"No struct type named {spec.BaseName[7..]}."
            : spec.BaseName.StartsWith("union ", StringComparison.Ordinal) ? $"No union type named {spec.BaseName[6..]}."
            : spec.BaseName.StartsWith("enum ", StringComparison.Ordinal) ? $"No enum type named {spec.BaseName[5..]}."
            : $"No symbol \"{spec.BaseName}\" in current context.");
        for (int i = 0; i < spec.PointerDepth; i++)
        {
            type = DbgTypes.PointerTo(type);
        }

        for (int i = spec.Dimensions.Count - 1; i >= 0; i--)
        {
            type = DbgTypes.ArrayOf(type, spec.Dimensions[i]);
        }

        return type;
    }

    /// <summary>The variable named <paramref name="name"/> as the selected frame sees it, or null.</summary>
    public DbgValue? LookupVariable(string name, IValueContext context)
    {
        if (context.FramePc is ulong pc)
        {
            foreach (ScopedVariable v in Symbols.Debug.VariablesAt(pc))
            {
                if (v.Name != name)
                {
                    continue;
                }

                return VariableValue(v, pc, context);
            }
        }

        if (Symbols.Globals.TryGetValue(name, out GlobalSymbol? global))
        {
            return DbgValue.AtAddress(global.Type, global.Address, context);
        }

        if (Symbols.Functions.TryGetValue(name, out FunctionSymbol? function))
        {
            return DbgValue.AtAddress(function.Type, function.Address, context);
        }

        return null;
    }

    /// <summary>The value of a variable found by <see cref="DebugData.VariablesAt"/> in the context's frame.</summary>
    public DbgValue VariableValue(ScopedVariable v, ulong pc, IValueContext context)
    {
        DbgType type = Types.FromDie(v.Type);
        ulong? address = Symbols.Debug.GetVariableAddress(v, pc, r => context.ReadRegister((int)r), out ulong? register);
        if (address is ulong a)
        {
            return DbgValue.AtAddress(type, a, context);
        }

        if (register is ulong reg && context.ReadRegister((int)reg) is ulong value)
        {
            return DbgValue.InRegister(type, (int)reg, value);
        }

        throw new DebugEvalException("<optimized out>");
    }

    private (DbgType Type, long Value)? FindEnumerator(string name)
    {
        if (_enumerators is null)
        {
            _enumerators = new(StringComparer.Ordinal);
            foreach (var unit in Symbols.Debug.Info.Units)
            {
                CollectEnumerators(unit.Root);
            }
        }

        return _enumerators.TryGetValue(name, out var found) ? found : null;
    }

    private void CollectEnumerators(Lantern.Observability.Dwarf.Read.DwarfDie parent)
    {
        foreach (var die in parent.Children)
        {
            if (die.Tag == Lantern.Observability.Dwarf.DwTag.EnumerationType)
            {
                DbgType type = Types.FromDie(die);
                foreach ((string name, long value) in type.Enumerators)
                {
                    _enumerators!.TryAdd(name, (type, value));
                }
            }
            else if (die.Children.Count > 0)
            {
                CollectEnumerators(die);
            }
        }
    }

    /// <summary>Converts a value to <paramref name="type"/> as a C cast does.</summary>
    public static DbgValue Convert(DbgValue value, DbgType type)
    {
        DbgType to = type.Strip();
        DbgType from = value.Type.Strip();
        if (to.Kind == DbgTypeKind.Void)
        {
            return DbgValue.FromBytes(type, []);
        }

        if (to.Kind is DbgTypeKind.Struct or DbgTypeKind.Union or DbgTypeKind.Array)
        {
            if (ReferenceEquals(to, from) || (to.Kind == from.Kind && to.Name == from.Name && to.Size == from.Size))
            {
                return value.Address is ulong a && value.BitSize == 0 ? value : DbgValue.FromBytes(type, value.Bytes);
            }

            throw new DebugEvalException("Invalid cast.");
        }

        if (from.Kind is DbgTypeKind.Struct or DbgTypeKind.Union or DbgTypeKind.Void or DbgTypeKind.Array or DbgTypeKind.Function)
        {
            throw new DebugEvalException("Invalid cast.");
        }

        if (to.Kind == DbgTypeKind.Float)
        {
            double d = from.Kind == DbgTypeKind.Float ? value.AsDouble() : from.IsSigned ? value.AsLong() : (double)(ulong)value.AsLong();
            return DbgValue.FromDouble(type, d);
        }

        if (to.Kind == DbgTypeKind.Bool)
        {
            bool truth = from.Kind == DbgTypeKind.Float ? value.AsDouble() != 0 : value.AsLong() != 0;
            return DbgValue.FromLong(type, truth ? 1 : 0);
        }

        long v;
        if (from.Kind == DbgTypeKind.Float)
        {
            double d = value.AsDouble();
            v = to.IsSigned || to.Size < 8 ? (long)d : (long)(ulong)d;
        }
        else
        {
            v = value.AsLong();
        }

        return DbgValue.FromLong(type, v);
    }

    /// <summary>One evaluation against one context.</summary>
    /// <summary>
    /// The value a function of return type <paramref name="returnType"/> returned in <paramref name="registers"/>
    /// (System V; <c>finish</c>): a struct or union of class MEMORY, or any when <paramref name="aggregateAddress"/> is
    /// given, is read from memory (at rax, or that address).
    /// </summary>
    public static DbgValue ReturnedValue(DbgType returnType, CallResult registers, IValueContext context, ulong? aggregateAddress = null)
        => Run.ReturnedValue(returnType, registers, context, aggregateAddress);

    private sealed class Run
    {
        private readonly ExpressionEvaluator _owner;
        private readonly IValueContext _context;

        public Run(ExpressionEvaluator owner, IValueContext context)
        {
            _owner = owner;
            _context = context;
        }

        public static bool Truth(DbgValue v)
        {
            DbgType t = v.Type.Strip();
            return t.Kind switch
            {
                DbgTypeKind.Float => v.AsDouble() != 0,
                DbgTypeKind.Integer or DbgTypeKind.Bool or DbgTypeKind.Enum or DbgTypeKind.Pointer => v.AsLong() != 0,
                DbgTypeKind.Array or DbgTypeKind.Function => true,
                _ => throw new DebugEvalException("Argument to logical operation not a number or boolean."),
            };
        }

        public DbgValue Eval(Expr e)
        {
            switch (e)
            {
                case IntLiteral i:
                    return DbgValue.FromLong(i.Type, (long)i.Value);
                case FloatLiteral f:
                    return DbgValue.FromDouble(f.Type.Size == 16 ? DbgTypes.Double : f.Type, f.Value);
                case CharLiteral c:
                    return DbgValue.FromLong(DbgTypes.Char, c.Value);
                case StringLiteral s:
                    return DbgValue.FromBytes(DbgTypes.ArrayOf(DbgTypes.Char, s.Bytes.Length + 1), [.. s.Bytes, 0]);
                case Identifier id:
                    return Identifier(id.Name);
                case DollarName d:
                    return Dollar(d.Name);
                case HistoryRef h:
                    return _owner.History.Get(h);
                case UnaryExpr u:
                    return Unary(u);
                case PostfixExpr p:
                    {
                        DbgValue target = Eval(p.Operand);
                        DbgValue old = DbgValue.FromBytes(target.Type, (byte[])target.Bytes.Clone());
                        Assign(target, Arithmetic(p.Op == "++" ? "+" : "-", old, DbgValue.FromLong(DbgTypes.Int, 1)));
                        return old;
                    }

                case BinaryExpr b:
                    return Binary(b);
                case AssignExpr a:
                    {
                        DbgValue target = Eval(a.Target);
                        DbgValue value = Eval(a.Value);
                        if (a.Op != "=")
                        {
                            value = Arithmetic(a.Op[..^1], target, value);
                        }

                        if (target.Type.Strip().Kind is DbgTypeKind.Void && target.Address is null && target.Register is null)
                        {
                            throw new DebugEvalException("Left operand of assignment is not an lvalue.");
                        }

                        return Assign(target, value);
                    }

                case ConditionalExpr c:
                    return Truth(Rvalue(Eval(c.Condition))) ? Eval(c.Then) : Eval(c.Else);
                case CastExpr c:
                    {
                        DbgType type = _owner.ResolveType(c.Type);
                        DbgValue v = Eval(c.Operand);
                        DbgType ts = type.Strip();
                        return ts.Kind is DbgTypeKind.Struct or DbgTypeKind.Union or DbgTypeKind.Array ? Convert(v, type) : Convert(Rvalue(v), type);
                    }

                case SizeofTypeExpr s:
                    return DbgValue.FromLong(DbgTypes.UnsignedLong, _owner.ResolveType(s.Type).Size);
                case SizeofExpr s:
                    return DbgValue.FromLong(DbgTypes.UnsignedLong, Eval(s.Operand).Type.Size);
                case MemberExpr m:
                    return Member(Eval(m.Operand), m.Member);
                case IndexExpr ix:
                    return Index(Eval(ix.Operand), Eval(ix.Index));
                case CallExpr call:
                    return Call(call);
                default:
                    throw new DebugEvalException("unsupported expression");
            }
        }

        private DbgValue Identifier(string name)
        {
            if (_owner.LookupVariable(name, _context) is DbgValue v)
            {
                return v;
            }

            if (_owner.FindEnumerator(name) is (DbgType type, long value))
            {
                return DbgValue.FromLong(type, value);
            }

            throw new DebugEvalException($"No symbol \"{name}\" in current context.");
        }

        private DbgValue Dollar(string name)
        {
            int register;
            DbgType type;
            if (s_registers64.TryGetValue(name, out register))
            {
                type = name switch
                {
                    "pc" or "rip" => DbgTypes.CodePointer,
                    "sp" or "fp" or "rsp" or "rbp" => DbgTypes.DataPointer,
                    "eflags" => DbgTypes.Int,
                    _ => DbgTypes.Long,
                };
            }
            else if (s_registers32.TryGetValue(name, out register))
            {
                type = DbgTypes.Int;
            }
            else
            {
                return _owner.History.Convenience.TryGetValue(name, out DbgValue? convenience)
                    ? convenience
                    : DbgValue.FromBytes(DbgTypes.Void, []);
            }

            ulong? value = _context.ReadRegister(register);
            if (value is null)
            {
                throw new DebugEvalException("No registers.");
            }

            return DbgValue.InRegister(type, register, value.Value);
        }

        /// <summary>Array → pointer to its first element, function → pointer to it; anything else unchanged.</summary>
        private DbgValue Rvalue(DbgValue v)
        {
            DbgType t = v.Type.Strip();
            if (t.Kind == DbgTypeKind.Array)
            {
                // an array not in memory (a string literal) is copied into memory the program can read, as gdb does
                ulong a = v.Address ?? _context.AllocateMemory(v.Bytes);
                return DbgValue.FromLong(DbgTypes.PointerTo(t.Target!), (long)a);
            }

            if (t.Kind == DbgTypeKind.Function)
            {
                return DbgValue.FromLong(DbgTypes.PointerTo(v.Type), (long)(v.Address ?? 0));
            }

            return v;
        }

        private DbgValue Unary(UnaryExpr u)
        {
            DbgValue operand = Eval(u.Operand);
            switch (u.Op)
            {
                case "&":
                    {
                        if (operand.Type.Strip().Kind == DbgTypeKind.Function || (operand.Address is ulong && operand.BitSize == 0))
                        {
                            return DbgValue.FromLong(DbgTypes.PointerTo(operand.Type), (long)operand.Address!.Value);
                        }

                        throw new DebugEvalException("Attempt to take address of value not located in memory.");
                    }

                case "*":
                    {
                        DbgType t = operand.Type.Strip();
                        if (t.Kind == DbgTypeKind.Function)
                        {
                            return operand;
                        }

                        DbgValue p = Rvalue(operand);
                        DbgType pt = p.Type.Strip();
                        if (pt.Kind == DbgTypeKind.Pointer)
                        {
                            DbgType target = pt.Target ?? DbgTypes.Void;
                            if (target.Strip().Kind == DbgTypeKind.Void)
                            {
                                throw new DebugEvalException("Attempt to take contents of a non-pointer value.");
                            }

                            return DbgValue.AtAddress(target, (ulong)p.AsLong(), _context);
                        }

                        if (pt.IsIntegral)
                        {
                            return DbgValue.AtAddress(DbgTypes.Long, (ulong)p.AsLong(), _context);
                        }

                        throw new DebugEvalException("Attempt to take contents of a non-pointer value.");
                    }

                case "-":
                case "+":
                case "~":
                    {
                        DbgValue v = Rvalue(operand);
                        if (!v.Type.IsArithmetic || (u.Op == "~" && !v.Type.IsIntegral))
                        {
                            throw new DebugEvalException("Argument to arithmetic operation not a number or boolean.");
                        }

                        DbgType type = Promote(v.Type);
                        if (type.Kind == DbgTypeKind.Float)
                        {
                            return DbgValue.FromDouble(type, u.Op == "-" ? -v.AsDouble() : v.AsDouble());
                        }

                        long x = v.AsLong();
                        return DbgValue.FromLong(type, u.Op switch { "-" => -x, "~" => ~x, _ => x });
                    }

                case "!":
                    return DbgValue.FromLong(DbgTypes.Int, Truth(Rvalue(operand)) ? 0 : 1);
                case "++":
                case "--":
                    return Assign(operand, Arithmetic(u.Op == "++" ? "+" : "-", operand, DbgValue.FromLong(DbgTypes.Int, 1)));
                default:
                    throw new DebugEvalException("unsupported operator " + u.Op);
            }
        }

        private DbgValue Binary(BinaryExpr b)
        {
            switch (b.Op)
            {
                case "&&":
                    return DbgValue.FromLong(DbgTypes.Int, Truth(Rvalue(Eval(b.Left))) && Truth(Rvalue(Eval(b.Right))) ? 1 : 0);
                case "||":
                    return DbgValue.FromLong(DbgTypes.Int, Truth(Rvalue(Eval(b.Left))) || Truth(Rvalue(Eval(b.Right))) ? 1 : 0);
                case ",":
                    Eval(b.Left);
                    return Eval(b.Right);
                case "@":
                    {
                        DbgValue left = Eval(b.Left);
                        long count = Rvalue(Eval(b.Right)).AsLong();
                        if (left.Address is not ulong a)
                        {
                            throw new DebugEvalException("Only values in memory can be extended with '@'.");
                        }

                        if (count <= 0)
                        {
                            throw new DebugEvalException("Non-positive repeat count.");
                        }

                        return DbgValue.AtAddress(DbgTypes.ArrayOf(left.Type, count), a, _context);
                    }

                default:
                    return Arithmetic(b.Op, Eval(b.Left), Eval(b.Right));
            }
        }

        private static DbgType Promote(DbgType type)
        {
            DbgType t = type.Strip();
            if (t.Kind == DbgTypeKind.Float)
            {
                return t.Size == 16 ? DbgTypes.Double : t;
            }

            if (t.Kind == DbgTypeKind.Enum)
            {
                return t.Size > 4 ? DbgTypes.Long : DbgTypes.Int;
            }

            if (t.Size < 4)
            {
                return DbgTypes.Int;
            }

            return t.Kind == DbgTypeKind.Bool ? DbgTypes.Int : t;
        }

        private static DbgType UsualConversions(DbgType a, DbgType b)
        {
            a = Promote(a);
            b = Promote(b);
            if (a.Kind == DbgTypeKind.Float || b.Kind == DbgTypeKind.Float)
            {
                if (a.Kind == DbgTypeKind.Float && b.Kind == DbgTypeKind.Float)
                {
                    return a.Size >= b.Size ? a : b;
                }

                return a.Kind == DbgTypeKind.Float ? a : b;
            }

            if (a.Size != b.Size)
            {
                DbgType wider = a.Size > b.Size ? a : b;
                return wider;
            }

            if (!a.IsSigned)
            {
                return a;
            }

            return b.IsSigned ? a : b;
        }

        private DbgValue Arithmetic(string op, DbgValue leftValue, DbgValue rightValue)
        {
            DbgValue left = Rvalue(leftValue);
            DbgValue right = Rvalue(rightValue);
            DbgType lt = left.Type.Strip();
            DbgType rt = right.Type.Strip();

            // Pointer arithmetic and comparisons.
            if (lt.Kind == DbgTypeKind.Pointer || rt.Kind == DbgTypeKind.Pointer)
            {
                if (op is "==" or "!=" or "<" or ">" or "<=" or ">=")
                {
                    ulong x = (ulong)left.AsLong(), y = (ulong)right.AsLong();
                    bool result = op switch { "==" => x == y, "!=" => x != y, "<" => x < y, ">" => x > y, "<=" => x <= y, _ => x >= y };
                    return DbgValue.FromLong(DbgTypes.Int, result ? 1 : 0);
                }

                if (op == "-" && lt.Kind == DbgTypeKind.Pointer && rt.Kind == DbgTypeKind.Pointer)
                {
                    long size = Math.Max(ElementSize(lt), 1);
                    return DbgValue.FromLong(DbgTypes.Long, (left.AsLong() - right.AsLong()) / size);
                }

                if (op is "+" or "-" && lt.Kind == DbgTypeKind.Pointer && rt.IsIntegral)
                {
                    long delta = right.AsLong() * ElementSize(lt);
                    return DbgValue.FromLong(left.Type, op == "+" ? left.AsLong() + delta : left.AsLong() - delta);
                }

                if (op == "+" && rt.Kind == DbgTypeKind.Pointer && lt.IsIntegral)
                {
                    return DbgValue.FromLong(right.Type, right.AsLong() + (left.AsLong() * ElementSize(rt)));
                }

                if (op is "&" or "|" or "^" or "*" or "/" or "%" or "<<" or ">>" && lt.Kind != DbgTypeKind.Float && rt.Kind != DbgTypeKind.Float)
                {
                    left = DbgValue.FromLong(DbgTypes.Long, left.AsLong());
                    right = DbgValue.FromLong(DbgTypes.Long, right.AsLong());
                    lt = rt = DbgTypes.Long;
                }
                else
                {
                    throw new DebugEvalException("Argument to arithmetic operation not a number or boolean.");
                }
            }

            if (!lt.IsArithmetic || !rt.IsArithmetic)
            {
                throw new DebugEvalException("Argument to arithmetic operation not a number or boolean.");
            }

            if (op is "<<" or ">>")
            {
                DbgType type = Promote(lt);
                if (type.Kind == DbgTypeKind.Float || Promote(rt).Kind == DbgTypeKind.Float)
                {
                    throw new DebugEvalException("Integer only operation.");
                }

                long x = left.AsLong();
                long count = right.AsLong();
                int bits = (int)type.Size * 8;
                if (count < 0 || count >= bits)
                {
                    return DbgValue.FromLong(type, 0);
                }

                long r = op == "<<" ? x << (int)count : type.IsSigned ? x >> (int)count : (long)((ulong)x >> (int)count);
                if (!type.IsSigned && type.Size == 4)
                {
                    r = op == ">>" ? (long)((ulong)(uint)x >> (int)count) : r;
                }

                return DbgValue.FromLong(type, r);
            }

            DbgType common = UsualConversions(lt, rt);
            bool isCompare = op is "==" or "!=" or "<" or ">" or "<=" or ">=";
            if (common.Kind == DbgTypeKind.Float)
            {
                double x = left.AsDouble(), y = right.AsDouble();
                if (common.Size == 4)
                {
                    x = (float)x;
                    y = (float)y;
                }

                if (isCompare)
                {
                    bool result = op switch { "==" => x == y, "!=" => x != y, "<" => x < y, ">" => x > y, "<=" => x <= y, _ => x >= y };
                    return DbgValue.FromLong(DbgTypes.Int, result ? 1 : 0);
                }

                double value = op switch
                {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => x / y,
                    _ => throw new DebugEvalException("Integer only operation."),
                };
                return DbgValue.FromDouble(common, value);
            }

            {
                long x = Convert(left, common).AsLong();
                long y = Convert(right, common).AsLong();
                bool signed = common.IsSigned;
                if (isCompare)
                {
                    bool result = signed
                        ? op switch { "==" => x == y, "!=" => x != y, "<" => x < y, ">" => x > y, "<=" => x <= y, _ => x >= y }
                        : op switch { "==" => x == y, "!=" => x != y, "<" => (ulong)x < (ulong)y, ">" => (ulong)x > (ulong)y, "<=" => (ulong)x <= (ulong)y, _ => (ulong)x >= (ulong)y };
                    return DbgValue.FromLong(DbgTypes.Int, result ? 1 : 0);
                }

                if (op is "/" or "%" && y == 0)
                {
                    throw new DebugEvalException("Division by zero");
                }

                long value = op switch
                {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => signed ? (x == long.MinValue && y == -1 ? x : x / y) : (long)((ulong)x / (ulong)y),
                    "%" => signed ? (y == -1 ? 0 : x % y) : (long)((ulong)x % (ulong)y),
                    "&" => x & y,
                    "|" => x | y,
                    "^" => x ^ y,
                    _ => throw new DebugEvalException("unsupported operator " + op),
                };
                return DbgValue.FromLong(common, value);
            }
        }

        private static long ElementSize(DbgType pointer)
        {
            DbgType target = (pointer.Target ?? DbgTypes.Void).Strip();
            return target.Kind is DbgTypeKind.Void or DbgTypeKind.Function ? 1 : target.Size;
        }

        private DbgValue Assign(DbgValue target, DbgValue value)
        {
            DbgType tt = target.Type.Strip();
            DbgValue converted = tt.Kind is DbgTypeKind.Struct or DbgTypeKind.Union or DbgTypeKind.Array
                ? Convert(value, target.Type)
                : Convert(Rvalue(value), target.Type);
            byte[] bytes = converted.Bytes;
            if (target.Register is int register && target.Address is null)
            {
                ulong old = _context.ReadRegister(register) ?? 0;
                ulong raw = converted.RawBits;
                if (tt.Size < 8)
                {
                    ulong mask = (1UL << (int)(tt.Size * 8)) - 1;
                    raw = (old & ~mask) | (raw & mask);
                }

                if (!_context.WriteRegister(register, raw))
                {
                    throw new DebugEvalException("Cannot write register.");
                }

                return DbgValue.InRegister(target.Type, register, raw);
            }

            if (target.Address is not ulong address)
            {
                if (target.Type.Strip().Kind == DbgTypeKind.Void && target.Register is null)
                {
                    throw new DebugEvalException("Left operand of assignment is not an lvalue.");
                }

                throw new DebugEvalException("Left operand of assignment is not an lvalue.");
            }

            if (target.BitSize > 0)
            {
                int span = (target.BitPosition + target.BitSize + 7) / 8;
                var storage = new byte[span];
                if (!_context.ReadMemory(address, storage))
                {
                    throw new DebugEvalException($"Cannot access memory at address 0x{address:x}");
                }

                ulong raw = 0;
                for (int i = 0; i < span; i++)
                {
                    raw |= (ulong)storage[i] << (8 * i);
                }

                ulong mask = (target.BitSize >= 64 ? ulong.MaxValue : (1UL << target.BitSize) - 1) << target.BitPosition;
                raw = (raw & ~mask) | ((converted.RawBits << target.BitPosition) & mask);
                for (int i = 0; i < span; i++)
                {
                    storage[i] = (byte)(raw >> (8 * i));
                }

                if (!_context.WriteMemory(address, storage))
                {
                    throw new DebugEvalException($"Cannot access memory at address 0x{address:x}");
                }

                return DbgValue.BitField(target.Type, address, target.BitPosition, target.BitSize, _context);
            }

            if (!_context.WriteMemory(address, bytes))
            {
                throw new DebugEvalException($"Cannot access memory at address 0x{address:x}");
            }

            return DbgValue.AtAddress(target.Type, address, _context);
        }

        private DbgValue Member(DbgValue value, string name)
        {
            DbgType t = value.Type.Strip();
            if (t.Kind == DbgTypeKind.Pointer && t.Target?.Strip().Kind is DbgTypeKind.Struct or DbgTypeKind.Union)
            {
                value = DbgValue.AtAddress(t.Target!, (ulong)value.AsLong(), _context);
                t = value.Type.Strip();
            }

            if (t.Kind is not (DbgTypeKind.Struct or DbgTypeKind.Union))
            {
                throw new DebugEvalException("Attempt to extract a component of a value that is not a structure" + (t.Kind == DbgTypeKind.Pointer ? " pointer." : "."));
            }

            if (FindMember(t, name, 0) is not (DbgMember member, long bitBase))
            {
                throw new DebugEvalException($"There is no member named {name}.");
            }

            long bitOffset = bitBase + member.BitOffset;
            if (value.Address is ulong address)
            {
                if (member.IsBitField)
                {
                    return DbgValue.BitField(member.Type, address + (ulong)(bitOffset / 8), (int)(bitOffset % 8), member.BitSize, _context);
                }

                return DbgValue.AtAddress(member.Type, address + (ulong)(bitOffset / 8), _context);
            }

            byte[] bytes = value.Bytes;
            if (member.IsBitField)
            {
                ulong raw = 0;
                int start = (int)(bitOffset / 8);
                for (int i = 0; i < 8 && start + i < bytes.Length; i++)
                {
                    raw |= (ulong)bytes[start + i] << (8 * i);
                }

                raw = (raw >> (int)(bitOffset % 8)) & ((1UL << member.BitSize) - 1);
                if (member.Type.Strip().IsSigned && (raw & (1UL << (member.BitSize - 1))) != 0)
                {
                    raw |= ~((1UL << member.BitSize) - 1);
                }

                return DbgValue.FromLong(member.Type, (long)raw);
            }

            int offset = (int)(bitOffset / 8);
            return DbgValue.FromBytes(member.Type, bytes.AsSpan(offset, (int)Math.Min(member.Type.Size, bytes.Length - offset)).ToArray());
        }

        private static (DbgMember Member, long BitBase)? FindMember(DbgType aggregate, string name, long bitBase)
        {
            foreach (DbgMember m in aggregate.Members)
            {
                if (m.Name == name)
                {
                    return (m, bitBase);
                }

                if (m.Name is null && m.Type.Strip().Kind is DbgTypeKind.Struct or DbgTypeKind.Union
                    && FindMember(m.Type.Strip(), name, bitBase + m.BitOffset) is { } inner)
                {
                    return inner;
                }
            }

            return null;
        }

        private DbgValue Index(DbgValue array, DbgValue index)
        {
            DbgType t = array.Type.Strip();
            if (!t.IsIntegral && index.Type.Strip().Kind is DbgTypeKind.Array or DbgTypeKind.Pointer)
            {
                (array, index) = (index, array);
                t = array.Type.Strip();
            }

            DbgValue i = Rvalue(index);
            if (!i.Type.IsIntegral)
            {
                throw new DebugEvalException("Argument to arithmetic operation not a number or boolean.");
            }

            long n = i.AsLong();
            if (t.Kind == DbgTypeKind.Array)
            {
                DbgType element = t.Target!;
                if (array.Address is ulong a)
                {
                    return DbgValue.AtAddress(element, a + (ulong)(n * element.Size), _context);
                }

                byte[] bytes = array.Bytes;
                if (n < 0 || (n + 1) * element.Size > bytes.Length)
                {
                    throw new DebugEvalException($"no such vector element");
                }

                return DbgValue.FromBytes(element, bytes.AsSpan((int)(n * element.Size), (int)element.Size).ToArray());
            }

            if (t.Kind == DbgTypeKind.Pointer)
            {
                DbgType element = t.Target ?? DbgTypes.Void;
                if (element.Strip().Kind == DbgTypeKind.Void)
                {
                    throw new DebugEvalException("Attempt to take contents of a non-pointer value.");
                }

                return DbgValue.AtAddress(element, (ulong)(array.AsLong() + (n * element.Size)), _context);
            }

            throw new DebugEvalException($"cannot subscript something of type `{array.Type.Name}'");
        }

        private DbgValue Call(CallExpr call)
        {
            DbgValue callee = Eval(call.Function);
            DbgType t = callee.Type.Strip();
            ulong entry;
            DbgType function;
            if (t.Kind == DbgTypeKind.Function && callee.Address is ulong address)
            {
                entry = address;
                function = t;
            }
            else if (t.Kind == DbgTypeKind.Pointer && t.Target?.Strip().Kind == DbgTypeKind.Function)
            {
                entry = (ulong)callee.AsLong();
                function = t.Target.Strip();
            }
            else
            {
                throw new DebugEvalException("Cannot perform substring on this type");
            }

            if (!_context.CanCallFunctions)
            {
                throw new DebugEvalException("You can't do that without a process to debug.");
            }

            if (function.IsPrototyped && !function.IsVariadic && call.Arguments.Count < function.Parameters.Count)
            {
                throw new DebugEvalException("Too few arguments in function call.");
            }

            if (function.IsPrototyped && !function.IsVariadic && call.Arguments.Count > function.Parameters.Count)
            {
                throw new DebugEvalException("Too many arguments in function call.");
            }

            // System V (the plan: SysVAbi.PlanCall): a struct or union returned in memory gets a buffer whose address is
            // the hidden first argument
            DbgType returnType = function.Target ?? DbgTypes.Void;
            DbgType rs = returnType.Strip();
            AggregateInfo? returnClass = null;
            ulong returnBuffer = 0;
            if (rs.Kind is DbgTypeKind.Struct or DbgTypeKind.Union)
            {
                returnClass = ClassifySysV(rs);
                if (returnClass.IsMemory)
                {
                    returnBuffer = _context.AllocateMemory(new byte[rs.Size]);
                }
            }

            // each argument as an eightbyte (scalars) or its bytes padded to eightbytes (structs and unions)
            int count = call.Arguments.Count;
            var types = new IrParamType[count];
            var words = new ulong[count];
            var aggregates = new byte[count][];
            for (int k = 0; k < count; k++)
            {
                DbgValue arg = Rvalue(Eval(call.Arguments[k]));
                DbgType parameter = k < function.Parameters.Count ? function.Parameters[k] : Promote(arg.Type);
                DbgType ps = parameter.Strip();
                if (ps.Kind is DbgTypeKind.Struct or DbgTypeKind.Union)
                {
                    DbgType at = arg.Type.Strip();
                    if (at.Kind != ps.Kind || at.Size != ps.Size)
                    {
                        throw new DebugEvalException("Invalid cast.");
                    }

                    types[k] = new IrParamType(IrType.I64, ClassifySysV(ps));
                    aggregates[k] = new byte[(arg.Bytes.Length + 7) / 8 * 8];
                    arg.Bytes.CopyTo(aggregates[k], 0);
                    continue;
                }

                if (ps.Kind == DbgTypeKind.Float && ps.Size == 4)
                {
                    float f = (float)Convert(arg, parameter).AsDouble();
                    words[k] = (ulong)(BitConverter.SingleToInt32Bits(f) & 0xffffffffL);
                    types[k] = new IrParamType(IrType.F32);
                }
                else if (ps.Kind == DbgTypeKind.Float)
                {
                    words[k] = BitConverter.DoubleToUInt64Bits(Convert(arg, parameter).AsDouble());
                    types[k] = new IrParamType(IrType.F64);
                }
                else
                {
                    words[k] = (ulong)Convert(arg, parameter).AsLong();
                    types[k] = new IrParamType(IrType.I64);
                }
            }

            CallPlan plan = SysVAbi.PlanCall(returnClass is null ? new IrParamType(IrType.Void) : new IrParamType(IrType.I64, returnClass), types);
            var ints = new ulong[plan.GpUsed];
            var doubles = new double[plan.SseUsed];
            var stack = new byte[plan.StackBytes];
            if (plan.HiddenReturn)
            {
                ints[0] = returnBuffer;
            }

            for (int k = 0; k < count; k++)
            {
                ArgLoc loc = plan.Args[k];
                switch (loc.Kind)
                {
                    case ArgLocKind.Gp:
                        ints[loc.Reg] = words[k];
                        break;
                    case ArgLocKind.Sse:
                        doubles[loc.Reg] = BitConverter.UInt64BitsToDouble(words[k]);
                        break;
                    case ArgLocKind.Stack:
                        BinaryPrimitives.WriteUInt64LittleEndian(stack.AsSpan(loc.StackOffset), words[k]);
                        break;
                    case ArgLocKind.AggRegs:
                        for (int e = 0; e < (loc.Size > 8 ? 2 : 1); e++)
                        {
                            ulong word = BinaryPrimitives.ReadUInt64LittleEndian(aggregates[k].AsSpan(8 * e));
                            int reg = e == 0 ? loc.Reg : loc.Reg2;
                            if ((e == 0 ? loc.Lo : loc.Hi) == ArgClass.Sse)
                            {
                                doubles[reg] = BitConverter.UInt64BitsToDouble(word);
                            }
                            else
                            {
                                ints[reg] = word;
                            }
                        }

                        break;
                    case ArgLocKind.AggStack:
                        aggregates[k].CopyTo(stack.AsSpan(loc.StackOffset));
                        break;
                }
            }

            CallResult result = _context.CallFunction(entry, ints, doubles, stack.Length > 0 ? stack : null);
            return ReturnedValue(returnType, result, _context, aggregateAddress: returnClass is { IsMemory: true } ? returnBuffer : null);
        }

        /// <summary>
        /// The value a function of return type <paramref name="returnType"/> returned in <paramref name="registers"/>
        /// (System V): a scalar in rax or xmm0; a struct or union in memory at <paramref name="aggregateAddress"/> (or
        /// at rax when null and it is of class MEMORY), else assembled from its eightbytes in rax/rdx and xmm0/xmm1.
        /// </summary>
        public static DbgValue ReturnedValue(DbgType returnType, CallResult registers, IValueContext context, ulong? aggregateAddress = null)
        {
            DbgType rs = returnType.Strip();
            if (rs.Kind == DbgTypeKind.Void)
            {
                return DbgValue.FromBytes(DbgTypes.Void, []);
            }

            if (rs.Kind is DbgTypeKind.Struct or DbgTypeKind.Union)
            {
                var bytes = new byte[rs.Size];
                AggregateInfo returnClass = ClassifySysV(rs);
                if (aggregateAddress is not null || returnClass.IsMemory)
                {
                    ulong address = aggregateAddress ?? registers.Rax;
                    if (!context.ReadMemory(address, bytes))
                    {
                        throw new DebugEvalException($"Cannot access memory at address 0x{address:x}");
                    }
                }
                else
                {
                    // rax, rdx for INTEGER eightbytes; xmm0, xmm1 for SSE ones, in order
                    ulong[] gp = [registers.Rax, registers.Rdx];
                    ulong[] xmm = [registers.Xmm0, registers.Xmm1];
                    int nextGp = 0;
                    int nextSse = 0;
                    var raw = new byte[16];
                    for (int e = 0; e < (rs.Size > 8 ? 2 : 1); e++)
                    {
                        ulong word = (e == 0 ? returnClass.Lo : returnClass.Hi) == ArgClass.Sse ? xmm[nextSse++] : gp[nextGp++];
                        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(8 * e), word);
                    }

                    raw.AsSpan(0, (int)rs.Size).CopyTo(bytes);
                }

                return DbgValue.FromBytes(returnType, bytes);
            }

            if (rs.Kind == DbgTypeKind.Float)
            {
                var bytes = new byte[rs.Size];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.Length >= 8 ? bytes : new byte[8], registers.Xmm0);
                if (rs.Size == 4)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)registers.Xmm0);
                }

                return DbgValue.FromBytes(returnType, bytes);
            }

            return DbgValue.FromLong(returnType, (long)registers.Rax);
        }

        /// <summary>System V classification of <paramref name="type"/> passed or returned by value (the rules: <see cref="EightbyteMerge"/>).</summary>
        private static AggregateInfo ClassifySysV(DbgType type)
        {
            var merge = new EightbyteMerge();
            if (!EightbyteMerge.IsMemoryBySize(type.Size))
            {
                ClassifyInto(type, 0, ref merge);
            }

            return merge.Finish((int)Math.Min(type.Size, int.MaxValue), (int)AlignOf(type));
        }

        /// <summary>Reports the scalar fields of <paramref name="type"/> at byte <paramref name="offset"/> to <paramref name="merge"/>.</summary>
        private static void ClassifyInto(DbgType type, long offset, ref EightbyteMerge merge)
        {
            DbgType t = type.Strip();
            switch (t.Kind)
            {
                case DbgTypeKind.Struct:
                case DbgTypeKind.Union:
                    foreach (DbgMember m in t.Members)
                    {
                        if (m.IsBitField)
                        {
                            merge.AddInteger(offset + (m.BitOffset / 8));
                            continue;
                        }

                        merge.CheckAligned(offset + m.Offset, AlignOf(m.Type));
                        ClassifyInto(m.Type, offset + m.Offset, ref merge);
                    }

                    return;
                case DbgTypeKind.Array:
                    DbgType element = t.Target!;
                    for (long i = 0; i < t.Count; i++)
                    {
                        ClassifyInto(element, offset + (i * element.Size), ref merge);
                    }

                    return;
                case DbgTypeKind.Float when t.Size > 8:
                    merge.AddMemory(); // long double: x87 class, passed in memory
                    return;
                case DbgTypeKind.Float:
                    merge.AddSse(offset);
                    return;
                default:
                    merge.AddInteger(offset);
                    return;
            }
        }

        /// <summary>The natural alignment of a type (DWARF does not record it): scalars their size, aggregates their largest member's.</summary>
        private static long AlignOf(DbgType type)
        {
            DbgType t = type.Strip();
            return t.Kind switch
            {
                DbgTypeKind.Array => AlignOf(t.Target!),
                DbgTypeKind.Struct or DbgTypeKind.Union => t.Members.Count == 0 ? 1 : t.Members.Max(m => AlignOf(m.Type)),
                _ => Math.Max(1, Math.Min(t.Size, 16)),
            };
        }
    }
}
