using Lantern.C.Debug;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;

namespace Lantern.Cli.Dbg;

/// <summary>
/// The expression evaluator's view of one frame of the parked program (<see cref="IValueContext"/>): registers from
/// the unwinder (the innermost frame reads and writes the target's live registers), memory and calls through the
/// target. Caller frames look variables up at pc - 1 (inside the call's line and scope), as gdb does.
/// </summary>
internal sealed class FrameContext : IValueContext
{
    private readonly IDebugTarget _target;
    private readonly Frame? _frame;
    private readonly int _level;

    public FrameContext(IDebugTarget target, Frame? frame)
    {
        _target = target;
        _frame = frame;
        _level = frame?.Level ?? 0;
    }

    public DebugData Debug => _target.Debug;

    public ulong? FramePc => _frame is null ? null : _level == 0 ? _frame.Pc : _frame.Pc - 1;

    public ulong? ReadRegister(int dwarfRegister)
    {
        if (_frame is null)
        {
            return null;
        }

        if (_level == 0)
        {
            try
            {
                return _target.ReadRegister(dwarfRegister);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
            {
                return _frame.Registers.TryGetValue(dwarfRegister, out ulong v) ? v : null;
            }
        }

        if (dwarfRegister == 16)
        {
            return _frame.Pc;
        }

        if (dwarfRegister == 7 && !_frame.Registers.ContainsKey(7))
        {
            return _frame.Cfa;
        }

        return _frame.Registers.TryGetValue(dwarfRegister, out ulong value) ? value : null;
    }

    public bool WriteRegister(int dwarfRegister, ulong value)
    {
        if (_frame is null || _level != 0)
        {
            return false;
        }

        try
        {
            _target.WriteRegister(dwarfRegister, value);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return false;
        }
    }

    public bool ReadMemory(ulong address, Span<byte> buffer)
    {
        try
        {
            return _target.ReadMemory(address, buffer);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    public bool WriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        try
        {
            return _target.WriteMemory(address, data);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    public bool CanCallFunctions => _frame is not null;

    public CallResult CallFunction(ulong entry, IReadOnlyList<ulong> integerArgs, IReadOnlyList<double> doubleArgs, byte[]? stackArgs)
    {
        if (_frame is null)
        {
            throw new DebugEvalException("You can't do that without a process to debug.");
        }

        try
        {
            return _target.CallFunction(entry, integerArgs, doubleArgs, stackArgs);
        }
        catch (Exception e) when (e is not DebugEvalException)
        {
            throw new DebugEvalException("The program being debugged was signaled while in a function called from GDB.\n" + e.Message);
        }
    }

    /// <summary>Native memory of this (the program's) process; never freed while the debugger runs, like gdb's allocations in the inferior.</summary>
    public unsafe ulong AllocateMemory(ReadOnlySpan<byte> data)
    {
        if (_frame is null)
        {
            throw new DebugEvalException("evaluation of this expression requires the target program to be active");
        }

        byte* p = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)Math.Max(data.Length, 1));
        data.CopyTo(new Span<byte>(p, data.Length));
        return (ulong)p;
    }
}
