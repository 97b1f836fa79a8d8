using System.Globalization;
using System.Text;
using Iced.Intel;
using Lantern.C.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.Cli.Dbg;

internal sealed partial class DbgCommands
{
    /// <summary><c>disassemble[/s|/r] [FUNCTION|ADDRESS|START,END|START,+LENGTH]</c> in gdb's AT&amp;T layout, with Iced.</summary>
    private void Disassemble(string argument)
    {
        string arg = argument.Trim();
        bool source = false, raw = false;
        while (arg.StartsWith('/'))
        {
            int end = arg.IndexOf(' ');
            string modifiers = end < 0 ? arg[1..] : arg[1..end];
            source |= modifiers.Contains('s') || modifiers.Contains('m');
            raw |= modifiers.Contains('r');
            arg = end < 0 ? "" : arg[end..].Trim();
        }

        if (!_session.Target.SupportsInstructions)
        {
            throw new DbgException("No machine code: the interpreter target (--interp) runs the IR; disassemble needs the JIT target.");
        }

        FrameContext context = Context();
        ulong start, end2;
        string? function;
        if (arg.Contains(','))
        {
            string[] parts = arg.Split(',', 2);
            start = Address(parts[0], context);
            string second = parts[1].Trim();
            end2 = second.StartsWith('+') ? start + Address(second[1..], context) : Address(second, context);
            _out.WriteLine($"Dump of assembler code from 0x{start:x} to 0x{end2:x}:");
            DisassembleRange(start, end2, int.MaxValue, source, raw, context, functionStart: null);
            _out.WriteLine("End of assembler dump.");
            return;
        }

        ulong pc;
        if (arg.Length == 0)
        {
            Frame frame = SelectedFrame ?? throw new DbgException("No frame selected.");
            pc = LookupPc(frame);
        }
        else
        {
            pc = Address(arg, context);
        }

        FunctionSymbol f = _symbols.FunctionAt(pc) ?? throw new DbgException($"No function contains specified address.");
        function = f.Name;
        start = f.Address;
        end2 = f.End;
        _out.WriteLine($"Dump of assembler code for function {function}:");
        DisassembleRange(start, end2, int.MaxValue, source, raw, context, functionStart: start);
        _out.WriteLine("End of assembler dump.");
    }

    private ulong Address(string expression, FrameContext context)
    {
        DbgValue v = _evaluator.Evaluate(expression, context);
        return v.Type.Strip().Kind == DbgTypeKind.Function ? v.Address ?? 0 : (ulong)v.AsLong();
    }

    private void DisassembleRange(ulong start, ulong end, int count, bool source, bool raw, FrameContext context, ulong? functionStart = null)
    {
        if (!_session.Target.SupportsInstructions)
        {
            throw new DbgException("No machine code: the interpreter target (--interp) runs the IR.");
        }

        int length = (int)Math.Min(end - start, 1 << 20);
        if (end == ulong.MaxValue)
        {
            length = count * 15;
        }

        var bytes = new byte[length];
        int readable = length;
        while (readable > 0 && !context.ReadMemory(start, bytes.AsSpan(0, readable)))
        {
            readable = readable > 16 ? readable / 2 : readable - 1;
        }

        if (readable == 0)
        {
            throw new DbgException($"Cannot access memory at address 0x{start:x}");
        }

        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes, 0, readable));
        decoder.IP = start;
        var formatter = new GasFormatter();
        formatter.Options.FirstOperandCharIndex = 7;
        formatter.Options.SpaceAfterOperandSeparator = false;
        formatter.Options.UppercaseHex = false;
        formatter.Options.SmallHexNumbersInDecimal = false;
        formatter.Options.BranchLeadingZeros = false;
        formatter.Options.ShowZeroDisplacements = true;
        var output = new StringOutput();
        ulong? currentPc = SelectedFrame?.Pc;
        var sb = new StringBuilder();
        int lastLine = -1;
        string? lastFile = null;
        int emitted = 0;
        while (decoder.IP < start + (ulong)readable && emitted < count)
        {
            ulong ip = decoder.IP;
            if (ip >= end)
            {
                break;
            }

            Instruction instruction = decoder.Decode();
            if (instruction.IsInvalid)
            {
                break;
            }

            if (source && _session.Target.Debug.FindLine(ip) is SourcePosition p && (p.Line != lastLine || p.File != lastFile))
            {
                if (p.File != lastFile)
                {
                    sb.Append(DisplayFile(p.File)).Append(":\n");
                }
                else
                {
                    sb.Append('\n');
                }

                sb.Append(SourceLineText(p.File, p.Line)).Append('\n');
                lastLine = p.Line;
                lastFile = p.File;
            }

            formatter.Format(instruction, output);
            string text = output.ToStringAndReset();
            if (instruction.FlowControl is FlowControl.Call or FlowControl.UnconditionalBranch or FlowControl.ConditionalBranch
                && instruction.Op0Kind is OpKind.NearBranch64 && _symbols.Describe(instruction.NearBranch64) is string target)
            {
                text += $" <{target}>";
            }

            sb.Append(ip == currentPc ? "=> " : "   ");
            sb.Append(Hex16(ip));
            if (functionStart is ulong fs)
            {
                sb.Append(" <+").Append((ip - fs).ToString(CultureInfo.InvariantCulture)).Append('>');
            }
            else if (_symbols.Describe(ip) is string sym)
            {
                sb.Append(" <").Append(sym.Contains('+') ? sym.Replace("+", "+", StringComparison.Ordinal) : sym + "+0").Append('>');
            }

            sb.Append(":\t");
            if (raw)
            {
                int offset = (int)(ip - start);
                sb.Append(string.Join(" ", bytes.Skip(offset).Take(instruction.Length).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)))).Append('\t');
            }

            sb.Append(text).Append('\n');
            emitted++;
        }

        _out.Write(sb.ToString());
    }
}
