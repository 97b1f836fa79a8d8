using System.Runtime.InteropServices;
using System.Text;
using Lantern.C.Diagnostics;
using Lantern.C.Ir;
using Lantern.C.Runtime;
using Lantern.Observability.Interop;

namespace Lantern.C.Interp;

/// <summary>
/// The reference interpreter of the IR. All C objects live in real native memory (globals, a native C stack
/// with one frame per call, string literals), so pointers handed to the host C library are real addresses.
/// Extern symbols are resolved with dlsym; native functions are called through a generated System V call
/// bridge, and every interpreted function has a native entry thunk so that libc can call it back.
/// </summary>
public sealed unsafe partial class Interpreter
{
    private const long CStackSize = 64L << 20;
    private const long VRegStackSize = 256L << 20;
    private const int MaxDepth = 200_000;
    private const int ManagedStackSize = 1 << 30;

    // The interpreter running on this thread (entry thunks find it here); per thread, so that interpreters may run
    // on several threads at once (tests, debug targets). A callback on any other thread finds none.
    [ThreadStatic]
    private static Interpreter? s_active;

    private readonly Dictionary<string, DFunc> _functionsByName = new();
    private readonly Dictionary<string, long> _symbols = new();
    private readonly Dictionary<string, SourceLocation> _undefined = new();
    private DFunc[] _functions = Array.Empty<DFunc>();
    private EntryThunks? _thunks;
    private bool _loaded;
    private string? _loadError;

    // The C stack (grows down) and the vreg stack (grows up).
    private byte* _stackLow;
    private byte* _stackHigh;
    private byte* _sp;
    private long* _vregLow;
    private long* _vregHigh;
    private long* _vtop;
    private int _depth;

    // The call bridge's argument block and stack-argument buffer (reused: the bridge copies them before calling).
    private CallBlock* _callBlock;
    private long* _stackArgs;
    private const int StackArgsCapacity = 1 << 16;

    private readonly List<long> _atexit = new();
    private long _fflush;
    private int _threadId;

    public Interpreter(IrModule module)
    {
        Module = module;
    }

    public IrModule Module { get; }

    /// <summary>Text written to standard error for a fatal runtime error; also reported on stderr.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Native address of a global, of a function's entry thunk, or of a host symbol, after loading
    /// (loading happens on the first <see cref="Run"/> or here); 0 if unknown.
    /// </summary>
    public long GetSymbolAddress(string name)
    {
        if (!Load())
        {
            return 0;
        }

        return _symbols.TryGetValue(name, out long a) ? a : SymbolResolver.Resolve(name);
    }

    /// <summary>Runs main(argc, argv) with argv[0] = program name; returns the exit status.</summary>
    public int Run(string programName, IReadOnlyList<string> args)
    {
        int status = MainThread.Run("lantern-interp", ManagedStackSize, () => RunOnThisThread(programName, args), out Exception? failure);
        return failure is null ? status : Fatal("internal error: " + failure, 134);
    }

    private int RunOnThisThread(string programName, IReadOnlyList<string> args)
    {
        if (!Load())
        {
            return Fatal(_loadError!, 127);
        }

        if (!_functionsByName.TryGetValue("main", out DFunc? main))
        {
            // the JIT's link error, word for word (JitModule.RunMain), and a compile error's status
            return Fatal("error: undefined symbol 'main'", 1);
        }

        Interpreter? previous = s_active;
        s_active = this;
        _threadId = Environment.CurrentManagedThreadId;
        int pid = LibC.GetPid();
        try
        {
            ResetStacks();

            // argv and envp in native memory (on the C stack, above main's frame).
            var strings = new List<string> { programName };
            strings.AddRange(args);
            long argv = PushStringArray(strings);
            long envp = PushEnvironment();
            long* a = _vtop;
            a[0] = strings.Count;
            a[1] = argv;
            a[2] = envp;
            _pending = null;
            int result = (int)Invoke(main, a, 0, 0, 0);
            if (_pending is null)
            {
                RunAtexitHandlers();
                FlushAll();
            }

            Exception? pending = _pending;
            _pending = null;
            switch (pending)
            {
                case ProgramExitException e:
                    result = e.Status;
                    break;
                case InterpreterTrapException e:
                    FlushAll();
                    result = Fatal(e.Message, e.ExitStatus);
                    break;
                case LongJumpException:
                    FlushAll();
                    result = Fatal("longjmp to a function that has already returned", 134);
                    break;
            }

            MainThread.EndForkedChild(pid, result);
            return result;
        }
        finally
        {
            s_active = previous;
        }
    }

    private int Fatal(string message, int status)
    {
        LastError = message;
        if (ShownToDebugger(message))
        {
            return status;
        }

        try
        {
            Console.Out.Flush();
            Console.Error.WriteLine("lantern: " + message);
            Console.Error.Flush();
        }
        catch (IOException)
        {
        }

        return status;
    }

    // ---- loading ------------------------------------------------------------------------------------

    /// <summary>Lays out globals, resolves symbols, generates entry thunks and decodes every function.</summary>
    private bool Load()
    {
        if (_loaded)
        {
            return _loadError is null;
        }

        _loaded = true;
        _functions = new DFunc[Module.Functions.Count];
        for (int i = 0; i < _functions.Length; i++)
        {
            var df = new DFunc { Ir = Module.Functions[i], Index = i };
            _functions[i] = df;
            _functionsByName[df.Name] = df;
        }

        delegate* unmanaged<int, byte*, void> dispatch = &DispatchFromNative;
        _thunks = new EntryThunks(_functions.Length, (nint)dispatch);
        for (int i = 0; i < _functions.Length; i++)
        {
            _symbols[_functions[i].Name] = _thunks.AddressOf(i);
        }

        LayOutGlobals();
        foreach (IrGlobal g in Module.Globals)
        {
            byte* p = (byte*)_symbols[g.Name];
            foreach (IrReloc r in g.Relocs)
            {
                *(long*)(p + r.Offset) = AddressOfSymbol(r.Symbol, g.Location) + r.Addend;
            }
        }

        foreach (DFunc df in _functions)
        {
            _currentLoadFunction = df.Ir;
            Decode(df);
        }

        if (_undefined.Count > 0)
        {
            var sb = new StringBuilder();
            foreach (var (name, loc) in _undefined)
            {
                if (sb.Length > 0)
                {
                    sb.Append('\n').Append("lantern: ");
                }

                sb.Append("undefined symbol: ").Append(name);
                if (!loc.IsNone)
                {
                    sb.Append(" (referenced at ").Append(loc).Append(')');
                }
            }

            _loadError = sb.ToString();
            return false;
        }

        _callBlock = (CallBlock*)NativeMemory.AllocZeroed((nuint)sizeof(CallBlock));
        _stackArgs = (long*)NativeMemory.AllocZeroed(StackArgsCapacity, 8);
        _fflush = SymbolResolver.Resolve("fflush");
        return true;
    }

    private IrFunction? _currentLoadFunction;

    private void LayOutGlobals()
    {
        long size = 0;
        var offsets = new long[Module.Globals.Count];
        for (int i = 0; i < offsets.Length; i++)
        {
            IrGlobal g = Module.Globals[i];
            long align = Math.Max(1, g.Align);
            size = (size + align - 1) & ~(align - 1);
            offsets[i] = size;
            size += Math.Max(1, g.Size);
        }

        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(size, 16), 4096);
        NativeMemory.Clear(data, (nuint)Math.Max(size, 16));
        for (int i = 0; i < offsets.Length; i++)
        {
            IrGlobal g = Module.Globals[i];
            byte* p = data + offsets[i];
            if (g.Init is not null)
            {
                new ReadOnlySpan<byte>(g.Init).CopyTo(new Span<byte>(p, g.Size));
            }

            _symbols[g.Name] = (long)p;
        }
    }

    /// <summary>Address of a global, a function's entry thunk, or a host symbol; records undefined symbols.</summary>
    private long AddressOfSymbol(string name, SourceLocation where = default)
    {
        if (_symbols.TryGetValue(name, out long a))
        {
            return a;
        }

        nint p = SymbolResolver.Resolve(name);
        if (p == 0 && name.StartsWith("__builtin_", StringComparison.Ordinal))
        {
            // __builtin_memcpy and friends: the library function of the same name.
            p = SymbolResolver.Resolve(name["__builtin_".Length..]);
        }

        if (p == 0)
        {
            if (!_undefined.ContainsKey(name))
            {
                _undefined[name] = where.IsNone ? _currentLoadFunction?.Location ?? default : where;
            }

            return 0;
        }

        _symbols[name] = p;
        return p;
    }

    // ---- stacks -------------------------------------------------------------------------------------

    private static readonly object s_stackPoolLock = new();
    private static readonly Stack<(nint CStack, nint VRegs)> s_stackPool = new();
    private bool _ownsStacks;

    private void ResetStacks()
    {
        if (!_ownsStacks)
        {
            nint c;
            nint v;
            lock (s_stackPoolLock)
            {
                if (!s_stackPool.TryPop(out var pair))
                {
                    pair = ((nint)LibC.MapAnonymousMemory((nuint)CStackSize, LibC.ProtRead | LibC.ProtWrite, noReserve: true),
                        (nint)LibC.MapAnonymousMemory((nuint)VRegStackSize, LibC.ProtRead | LibC.ProtWrite, noReserve: true));
                }

                (c, v) = pair;
            }

            _stackLow = (byte*)c;
            _stackHigh = _stackLow + CStackSize;
            _vregLow = (long*)v;
            _vregHigh = (long*)((byte*)v + VRegStackSize);
            _ownsStacks = true;
        }

        _sp = _stackHigh - 64;
        _vtop = _vregLow;
        _depth = 0;
    }

    /// <summary>Returns the stacks to the pool; the interpreter must not run again afterwards.</summary>
    ~Interpreter()
    {
        if (_ownsStacks)
        {
            lock (s_stackPoolLock)
            {
                s_stackPool.Push(((nint)_stackLow, (nint)_vregLow));
            }
        }
    }

    private long PushStringArray(List<string> strings)
    {
        var addrs = new long[strings.Count];
        for (int i = 0; i < strings.Count; i++)
        {
            addrs[i] = PushCString(strings[i]);
        }

        _sp = (byte*)(((long)_sp - 8 * (strings.Count + 1)) & ~15L);
        long* arr = (long*)_sp;
        for (int i = 0; i < strings.Count; i++)
        {
            arr[i] = addrs[i];
        }

        arr[strings.Count] = 0;
        return (long)arr;
    }

    private long PushCString(string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        _sp -= bytes.Length + 1;
        new ReadOnlySpan<byte>(bytes).CopyTo(new Span<byte>(_sp, bytes.Length));
        _sp[bytes.Length] = 0;
        return (long)_sp;
    }

    private long PushEnvironment()
    {
        // The host's own environ: the same strings libc's getenv sees.
        nint environ = SymbolResolver.Resolve("environ");
        return environ != 0 ? *(long*)environ : PushStringArray(new List<string>());
    }

    private void FlushAll()
    {
        if (_fflush != 0)
        {
            ((delegate* unmanaged<nint, int>)_fflush)(0);
        }
    }

    private void RunAtexitHandlers()
    {
        while (_atexit.Count > 0)
        {
            long fn = _atexit[^1];
            _atexit.RemoveAt(_atexit.Count - 1);
            CallAddress(fn, Array.Empty<long>());
            if (_pending is not null)
            {
                return;
            }
        }
    }
}

/// <summary>A runtime error detected by the interpreter (reported on stderr; never a .NET stack trace).</summary>
internal sealed class InterpreterTrapException(string message, int exitStatus) : Exception(message)
{
    public int ExitStatus { get; } = exitStatus;
}

/// <summary>The C program called exit(status).</summary>
internal sealed class ProgramExitException(int status) : Exception
{
    public int Status { get; } = status;
}

/// <summary>longjmp in flight to the frame that called setjmp.</summary>
internal sealed class LongJumpException(long frameId, int resumePc, int dest, long value, long sp, long vtop, int depth)
    : Exception
{
    public long FrameId { get; } = frameId;

    public int ResumePc { get; } = resumePc;

    public int Dest { get; } = dest;

    public long Value { get; } = value;

    public long Sp { get; } = sp;

    public long VTop { get; } = vtop;

    public int Depth { get; } = depth;
}
