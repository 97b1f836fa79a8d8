using System.Runtime.InteropServices;
using Lantern.C.Debug;
using Lantern.C.Describe;
using Lantern.C.Jit;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Elf;
using Xunit;

namespace Lantern.C.Tests.Debug;

/// <summary>
/// An <see cref="IValueContext"/> over a linked JIT module that has not run main: globals are initialised, memory is
/// this process's (read with process_vm_readv so that bad addresses fail instead of crashing), there is no frame, and
/// calls go through <see cref="JitModule.Enter"/> (up to 3 integer arguments). The DWARF is the symfile gdb would read.
/// </summary>
internal sealed unsafe class JitValueContext : IValueContext, IDisposable
{
    private readonly List<nint> _allocations = new();

    public JitValueContext(string source)
    {
        CompileResult result = CCompiler.CompileText("prog.c", source, new CompileOptions());
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Items.Select(d => d.Format())));
        Jit = new JitModule(result.Module!);
        Debug = DebugData.Load(ElfFile.Parse(ElfWriter.WriteSymfile(CodeInfoBuilder.Build(Jit))));
        Symbols = new ProgramSymbols(Debug);
        Evaluator = new ExpressionEvaluator(Symbols);
    }

    public JitModule Jit { get; }

    public DebugData Debug { get; }

    public ProgramSymbols Symbols { get; }

    public ExpressionEvaluator Evaluator { get; }

    public ulong? FramePc => null;

    /// <summary>print EXPR as gdb would show it after <c>$N = </c>.</summary>
    public string Print(string expression, char format = '\0')
    {
        try
        {
            DbgValue value = Evaluator.Evaluate(expression, this);
            if (value.Type.Strip().Kind == DbgTypeKind.Void)
            {
                return "void";
            }

            string text = new ValueFormatter(Symbols, this).Format(value, format);
            Evaluator.History.Add(value);
            return text;
        }
        catch (DebugEvalException e)
        {
            return "error: " + e.Message;
        }
    }

    public ulong? ReadRegister(int dwarfRegister) => null;

    public bool WriteRegister(int dwarfRegister, ulong value) => false;

    public bool ReadMemory(ulong address, Span<byte> buffer)
    {
        if (buffer.Length == 0)
        {
            return true;
        }

        fixed (byte* p = buffer)
        {
            var local = new IoVec { Base = (nint)p, Length = (nuint)buffer.Length };
            var remote = new IoVec { Base = (nint)address, Length = (nuint)buffer.Length };
            return process_vm_readv(Environment.ProcessId, &local, 1, &remote, 1, 0) == buffer.Length;
        }
    }

    public bool WriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var local = new IoVec { Base = (nint)p, Length = (nuint)data.Length };
            var remote = new IoVec { Base = (nint)address, Length = (nuint)data.Length };
            return process_vm_writev(Environment.ProcessId, &local, 1, &remote, 1, 0) == data.Length;
        }
    }

    public CallResult CallFunction(ulong entry, IReadOnlyList<ulong> integerArgs, IReadOnlyList<double> doubleArgs, byte[]? stackArgs)
    {
        if (integerArgs.Count > 3 || doubleArgs.Count > 0 || stackArgs is not null)
        {
            throw new DebugEvalException("test context: at most 3 integer arguments");
        }

        long Arg(int i) => i < integerArgs.Count ? (long)integerArgs[i] : 0;
        int r = Jit.Enter((nint)entry, Arg(0), Arg(1), Arg(2), out _);
        return new CallResult((ulong)(long)r, 0, 0, 0);
    }

    public ulong AllocateMemory(ReadOnlySpan<byte> data)
    {
        byte* p = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(data.Length, 1));
        data.CopyTo(new Span<byte>(p, data.Length));
        _allocations.Add((nint)p);
        return (ulong)p;
    }

    public void Dispose()
    {
        Jit.Dispose();
        foreach (nint p in _allocations)
        {
            NativeMemory.Free((void*)p);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint process_vm_readv(int pid, IoVec* local, ulong localCount, IoVec* remote, ulong remoteCount, ulong flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint process_vm_writev(int pid, IoVec* local, ulong localCount, IoVec* remote, ulong remoteCount, ulong flags);
}
