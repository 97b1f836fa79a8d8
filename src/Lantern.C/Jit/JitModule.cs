using System.Runtime.InteropServices;
using Lantern.C.Describe;
using Lantern.C.Runtime;
using System.Text;
using Iced.Intel;
using Lantern.Observability.Interop;
using Lantern.X64;
using Lantern.C.Ir;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.C.Jit;

/// <summary>A problem found while linking a module for the JIT (an undefined data symbol...).</summary>
public sealed class JitLinkException : Exception
{
    public JitLinkException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// An <see cref="IrModule"/> compiled to machine code and linked in memory: global data laid out and
/// relocated, every function compiled by <see cref="X64Backend"/> into the <see cref="CodeCache"/>, calls
/// going through one 8-byte indirection cell per function (so a function can be replaced later), and host C
/// library symbols resolved with dlsym.
/// <para>
/// In-process exit: <c>exit</c> and <c>atexit</c> are bound to small stubs so that a program calling
/// <c>exit()</c> returns to <see cref="RunMain"/> instead of terminating the host process.
/// </para>
/// </summary>
public sealed unsafe class JitModule : IJitSymbols, ILoadedModule, IDisposable
{
    // glibc has no limit (C requires 32): a table of 2^20 handlers is 8 MiB of address space, touched only as far as
    // it is used; atexit returns -1 past it.
    private const int AtexitCapacity = 1 << 20;

    // run-state block layout (qwords)
    private const int StateSavedRsp = 0;
    private const int StateExitCalled = 8;
    private const int StateAtexitCount = 16;
    private const int StateAtexitTable = 24;
    private const int StateSize = StateAtexitTable + AtexitCapacity * 8;

    private readonly IrModule _module;
    private readonly CodeCache _cache;
    private readonly Dictionary<string, nint> _cells = new();
    private readonly Dictionary<string, nint> _data = new();
    private readonly Dictionary<string, FunctionLayout> _functions = new();
    private FunctionLayout[] _sorted = Array.Empty<FunctionLayout>();
    private readonly HashSet<string> _functionNames = new();
    private readonly List<(nint Address, nuint Size)> _mappings = new();
    private nint _cellBlock;
    private nint _nearCodeLow;
    private int _cellsUsed;
    private int _cellCapacity;
    private nint _state;
    private nint _enterStub;
    private nint _exitStub;
    private nint _atexitStub;

    public JitModule(IrModule module)
        : this(module, debug: false)
    {
    }

    /// <summary>
    /// Compiles and links <paramref name="module"/>; with <paramref name="debug"/> the code has patch sites for the
    /// debugger (<see cref="FunctionLayout.PatchSites"/>; off for plain <c>lantern run</c>).
    /// </summary>
    public JitModule(IrModule module, bool debug)
    {
        _module = module;
        IsDebugCode = debug;
        _cache = new CodeCache();
        StartupTrace.Mark("code cache mapped");
        try
        {
            Link();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IrModule Module => _module;

    /// <summary>True if the code was compiled with patch sites (the debugger's compile option).</summary>
    public bool IsDebugCode { get; }

    /// <summary>The in-process <c>exit(int)</c> stub: jumping here with edi = status ends the program's run (the debugger's kill).</summary>
    public nint ExitStub => _exitStub;

    /// <summary>Report a fatal signal of the program as a C backtrace and exit with 128 + signal (default: true).</summary>
    public bool ReportCrashes { get; set; } = true;

    public CodeCache CodeCache => _cache;

    /// <summary>Called on the program's thread just before main runs (e.g. a profiler starts sampling the thread).</summary>
    public Action? ProgramStarting { get; set; }

    /// <summary>Called on the program's thread after main and the atexit handlers returned (not after a crash).</summary>
    public Action? ProgramFinished { get; set; }

    /// <summary>Compiled functions by name.</summary>
    public IReadOnlyDictionary<string, FunctionLayout> Functions => _functions;

    /// <summary>The function containing <paramref name="address"/>, if it is JIT code.</summary>
    public FunctionLayout? FindFunction(nint address)
    {
        // functions are placed at increasing addresses: binary search
        FunctionLayout[] sorted = _sorted;
        int lo = 0;
        int hi = sorted.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            FunctionLayout f = sorted[mid];
            if (address < f.Start)
            {
                hi = mid - 1;
            }
            else if (address >= f.Start + f.Size)
            {
                lo = mid + 1;
            }
            else
            {
                return f;
            }
        }

        return null;
    }

    /// <summary>Disassembly (Intel syntax) of a compiled function, with its line-table rows as comments.</summary>
    public string Disassemble(string function)
    {
        FunctionLayout info = _functions[function];
        var bytes = new byte[info.Size];
        Marshal.Copy(info.Start, bytes, 0, info.Size);
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes));
        decoder.IP = (ulong)info.Start;
        var formatter = new IntelFormatter();
        var output = new StringOutput();
        var sb = new StringBuilder();
        sb.Append(info.Name).Append(":\n");
        int line = 0;
        while (decoder.IP < (ulong)(info.Start + info.Size))
        {
            int offset = (int)(decoder.IP - (ulong)info.Start);
            while (line < info.Lines.Count && info.Lines[line].Offset <= offset)
            {
                sb.Append("  ; ").Append(info.Lines[line].Location).Append('\n');
                line++;
            }

            Instruction instr = decoder.Decode();
            formatter.Format(instr, output);
            sb.Append($"  {offset,5:x}  ").Append(output.ToStringAndReset()).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Current entry point of a function defined in the module (what its cell holds).</summary>
    public nint GetFunctionAddress(string name) => *(nint*)GetFunctionCell(name);

    public bool IsFunction(string name) => _functionNames.Contains(name);

    public nint GetFunctionCell(string name)
    {
        if (!_cells.TryGetValue(name, out nint cell))
        {
            cell = NewCell();
            _cells[name] = cell;
            _functionNames.Add(name);
            *(nint*)cell = ResolveExternFunction(name);
        }

        return cell;
    }

    /// <inheritdoc/>
    public bool TryGetDataAddress(string name, out nint address)
    {
        if (_data.TryGetValue(name, out address))
        {
            return true;
        }

        if (_cells.ContainsKey(name) || _functionNames.Contains(name))
        {
            address = GetFunctionAddress(name);
            return true;
        }

        address = SymbolResolver.Resolve(name);
        if (address == 0)
        {
            return false;
        }

        _data[name] = address;
        return true;
    }

    public nint GetDataAddress(string name) =>
        TryGetDataAddress(name, out nint address) ? address : throw new JitLinkException($"undefined symbol '{name}'");

    // ---- linking ----------------------------------------------------------------------------------

    private void Link()
    {
        _cellCapacity = 4096;
        _cellBlock = MapNearCode(_cellCapacity * 8);
        _state = Map(StateSize);
        EmitRuntimeStubs();
        StartupTrace.Mark("runtime stubs");

        foreach (IrFunction f in _module.Functions)
        {
            _functionNames.Add(f.Name);
            _cells[f.Name] = NewCell();
        }

        foreach (IrExtern e in _module.Externs)
        {
            if (e.IsFunction && !_functionNames.Contains(e.Name))
            {
                GetFunctionCell(e.Name);
            }
        }

        foreach (IrFunction f in _module.Functions)
        {
            foreach (IrBlock b in f.Blocks)
            {
                foreach (Instr i in b.Instrs)
                {
                    if (i.Op == Opcode.Call && i.Symbol is not null && !_data.ContainsKey(i.Symbol))
                    {
                        GetFunctionCell(i.Symbol);
                    }
                }
            }
        }

        nint[] globalAddresses = LayoutGlobals(out List<(nint Address, nuint Size)> readOnly);
        StartupTrace.Mark("data laid out");

        foreach (IrFunction f in _module.Functions)
        {
            nint rip = _cache.NextAddress();
            (byte[] code, FunctionLayout info) = X64Backend.Compile(f, this, (ulong)rip, IsDebugCode, JitPublishers.EmitsSharedObject);
            nint at = _cache.Add(code);
            if (at != rip)
            {
                throw new InvalidOperationException("code cache placement mismatch");
            }

            _functions[f.Name] = info;
            *(nint*)_cells[f.Name] = at;
        }

        _sorted = _functions.Values.OrderBy(f => (long)f.Start).ToArray();
        for (int gi = 0; gi < _module.Globals.Count; gi++)
        {
            IrGlobal g = _module.Globals[gi];
            foreach (IrReloc r in g.Relocs)
            {
                nint target = IsFunction(r.Symbol) ? GetFunctionAddress(r.Symbol) : GetDataAddress(r.Symbol);
                *(long*)(globalAddresses[gi] + r.Offset) = target + r.Addend;
            }
        }

        foreach ((nint address, nuint size) in readOnly)
        {
            LibC.Mprotect(address, size, LibC.ProtRead);
        }
    }

    private nint[] LayoutGlobals(out List<(nint Address, nuint Size)> readOnlyRegions)
    {
        var addresses = new nint[_module.Globals.Count];
        readOnlyRegions = new List<(nint, nuint)>();
        foreach (bool ro in new[] { false, true })
        {
            long size = 0;
            var offsets = new long[_module.Globals.Count];
            for (int gi = 0; gi < _module.Globals.Count; gi++)
            {
                IrGlobal g = _module.Globals[gi];
                if (g.IsReadOnly != ro)
                {
                    continue;
                }

                long align = Math.Max(1, g.Align);
                size = (size + align - 1) / align * align;
                offsets[gi] = size;
                size += Math.Max(1, g.Size);
            }

            if (size == 0)
            {
                continue;
            }

            nuint mapped = (nuint)((size + 4095) & ~4095L);
            nint baseAddress = Map((long)mapped);
            if (ro)
            {
                readOnlyRegions.Add((baseAddress, mapped));
            }

            for (int gi = 0; gi < _module.Globals.Count; gi++)
            {
                IrGlobal g = _module.Globals[gi];
                if (g.IsReadOnly != ro)
                {
                    continue;
                }

                nint a = baseAddress + (nint)offsets[gi];
                addresses[gi] = a;
                _data[g.Name] = a;
                if (g.Init is not null)
                {
                    Marshal.Copy(g.Init, 0, a, Math.Min(g.Init.Length, g.Size));
                }
            }
        }

        return addresses;
    }

    private nint Map(long size)
    {
        nuint n = (nuint)((size + 4095) & ~4095L);
        nint p = (nint)LibC.MapAnonymousMemory(n, LibC.ProtRead | LibC.ProtWrite);
        _mappings.Add((p, n));
        return p;
    }

    /// <summary>
    /// Maps zeroed read-write memory next to the code cache (just below it or below the last such block, else just
    /// above the cache), so that code reaches it with a rip-relative operand (<c>call [rip+disp32]</c> through a
    /// cell), else the first free place further down within 1 GiB; anywhere if none is free (the backend then
    /// falls back to a 64-bit address).
    /// </summary>
    private nint MapNearCode(long size)
    {
        const int MapFixedNoReplace = 0x100000;
        nuint n = (nuint)((size + 4095) & ~4095L);
        if (_nearCodeLow == 0)
        {
            _nearCodeLow = _cache.ExecutableBase;
        }

        nint below = _nearCodeLow - (nint)n;
        nint above = _cache.ExecutableBase + (nint)_cache.Capacity;
        // then further down in 16 MiB steps (another module's mappings may sit just below, as when tests
        // build modules in parallel), staying within 1 GiB of the code: what the backend reaches rip-relative
        for (int attempt = 0; attempt < 58; attempt++)
        {
            nint hint = attempt switch { 0 => below, 1 => above, _ => below - (nint)(attempt - 1) * (16 << 20) };
            nint p = LibC.Mmap(hint, n, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous | MapFixedNoReplace, -1, 0);
            if (p == hint)
            {
                _mappings.Add((p, n));
                _nearCodeLow = Math.Min(_nearCodeLow, p);
                return p;
            }

            if (p != LibC.MapFailed)
            {
                LibC.Munmap(p, n); // an old kernel that ignores MAP_FIXED_NOREPLACE placed it elsewhere
            }
        }

        return Map(size);
    }

    private nint NewCell()
    {
        if (_cellsUsed == _cellCapacity)
        {
            // cells are never moved (code embeds their addresses): start a new block
            _cellCapacity = 4096;
            _cellBlock = MapNearCode(_cellCapacity * 8);
            _cellsUsed = 0;
        }

        return _cellBlock + 8 * _cellsUsed++;
    }

    private nint ResolveExternFunction(string name)
    {
        switch (name)
        {
            case "exit":
                return _exitStub;
            case "atexit":
                return _atexitStub;
            case "pthread_create":
                // threads of the program report their crashes too
                return CrashReporter.PthreadCreateWrapper;
        }

        nint a = SymbolResolver.Resolve(name);
        return a != 0 ? a : EmitUndefinedFunctionStub(name);
    }

    // ---- runtime stubs ----------------------------------------------------------------------------

    private nint AddCode(X64Assembler a)
    {
        nint rip = _cache.NextAddress();
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), (ulong)rip);
        return _cache.Add(stream.ToArray());
    }

    private void EmitRuntimeStubs()
    {
        // int enter(void* fn, long a0, long a1, long a2): calls fn(a0, a1, a2) with a resumable frame
        // so that exit() can return here. Saves the callee-saved registers and the previous saved rsp.
        var a = new X64Assembler(64);
        X64Label resume = a.CreateLabel();
        a.push(rbp);
        a.mov(rbp, rsp);
        a.push(rbx);
        a.push(r12);
        a.push(r13);
        a.push(r14);
        a.push(r15);
        a.mov(r11, (long)_state);
        a.push(__qword_ptr[r11 + StateSavedRsp]);
        a.push(r11);
        a.sub(rsp, 8);
        a.mov(__qword_ptr[r11 + StateSavedRsp], rsp);
        a.mov(rax, rdi);
        a.mov(rdi, rsi);
        a.mov(rsi, rdx);
        a.mov(rdx, rcx);
        a.call(rax);
        a.Label(ref resume);
        a.add(rsp, 8);
        a.pop(r11);
        a.pop(__qword_ptr[r11 + StateSavedRsp]);
        a.pop(r15);
        a.pop(r14);
        a.pop(r13);
        a.pop(r12);
        a.pop(rbx);
        a.pop(rbp);
        a.ret();
        nint rip = _cache.NextAddress();
        var stream = new MemoryStream();
        X64AssemblerResult result = a.Assemble(new StreamCodeWriter(stream), (ulong)rip, BlockEncoderOptions.ReturnNewInstructionOffsets);
        ulong resumeAddress = result.GetLabelRIP(resume);
        _enterStub = _cache.Add(stream.ToArray());

        // void exit(int status): mark, unwind to the enter frame, return status from enter()
        a = new X64Assembler(64);
        a.mov(r11, (long)_state);
        a.mov(__qword_ptr[r11 + StateExitCalled], 1);
        a.mov(rsp, __qword_ptr[r11 + StateSavedRsp]);
        a.mov(eax, edi);
        a.mov(r11, (long)resumeAddress);
        a.jmp(r11);
        _exitStub = AddCode(a);

        // int atexit(void (*fn)(void)): append to the table
        a = new X64Assembler(64);
        X64Label full = a.CreateLabel();
        a.mov(r11, (long)_state);
        a.mov(rax, __qword_ptr[r11 + StateAtexitCount]);
        a.cmp(rax, AtexitCapacity);
        a.jae(full);
        a.mov(__qword_ptr[r11 + rax * 8 + StateAtexitTable], rdi);
        a.inc(__qword_ptr[r11 + StateAtexitCount]);
        a.xor(eax, eax);
        a.ret();
        a.Label(ref full);
        a.mov(eax, -1);
        a.ret();
        _atexitStub = AddCode(a);
    }

    private nint EmitUndefinedFunctionStub(string name)
    {
        byte[] msg = Encoding.UTF8.GetBytes($"lantern: call to undefined function '{name}'\n");
        nint text = Map(msg.Length);
        Marshal.Copy(msg, 0, text, msg.Length);
        var a = new X64Assembler(64);
        a.push(rbp);
        a.mov(rbp, rsp);
        a.mov(edi, 2);
        a.mov(rsi, (long)text);
        a.mov(edx, msg.Length);
        a.mov(rax, (long)SymbolResolver.Resolve("write"));
        a.call(rax);
        a.mov(edi, 127);
        a.mov(rax, (long)SymbolResolver.Resolve("_exit"));
        a.call(rax);
        a.ud2();
        return AddCode(a);
    }

    // ---- running ----------------------------------------------------------------------------------

    /// <summary>
    /// Calls <paramref name="function"/>(a0, a1, a2) on the current thread through the resumable entry stub:
    /// returns the function's int result, or the status passed to exit().
    /// </summary>
    public int Enter(nint function, long a0, long a1, long a2, out bool exitCalled)
    {
        *(long*)(_state + StateExitCalled) = 0;
        var enter = (delegate* unmanaged<nint, long, long, long, int>)_enterStub;
        int r = enter(function, a0, a1, a2);
        exitCalled = *(long*)(_state + StateExitCalled) != 0;
        return r;
    }

    /// <summary>
    /// Runs main(argc, argv, envp) on a dedicated thread with a 256 MiB stack, then the atexit handlers, then
    /// fflush(NULL). Returns main's value or the status given to exit().
    /// </summary>
    public int RunMain(string programName, IReadOnlyList<string> args, int stackSize = 256 << 20)
    {
        if (!_functions.ContainsKey("main"))
        {
            throw new JitLinkException("undefined symbol 'main'");
        }

        int status = MainThread.Run("lantern-main", stackSize, () => RunMainOnCurrentThread(programName, args), out Exception? failure);
        if (failure is not null)
        {
            throw failure;
        }

        return status;
    }

    /// <summary>Like <see cref="RunMain"/> but on the calling thread (which should have a large stack).</summary>
    public int RunMainOnCurrentThread(string programName, IReadOnlyList<string> args)
    {
        if (!_functions.ContainsKey("main"))
        {
            throw new JitLinkException("undefined symbol 'main'");
        }

        using var arguments = new MainArguments(programName, args);
        int pid = LibC.GetPid();
        int RunProgram()
        {
            StartupTrace.Mark("program starting");
            int status = Enter(GetFunctionAddress("main"), arguments.Count, arguments.Argv, arguments.Envp, out _);
            StartupTrace.Mark("main returned");
            status = RunAtexitHandlers(status);
            FlushAll();
            MainThread.EndForkedChild(pid, status);
            return status;
        }

        int RunObserved()
        {
            ProgramStarting?.Invoke();
            try
            {
                return RunProgram();
            }
            finally
            {
                ProgramFinished?.Invoke();
            }
        }

        int status = ReportCrashes ? CrashReporter.RunArmed(this, RunObserved) : RunObserved(); // stdio flushed by RunProgram
        StartupTrace.Mark("crash reporting disarmed");
        return status;
    }

    /// <summary>Runs the atexit handlers, last registered first (a handler may register more, or call exit); returns the final status.</summary>
    public int RunAtexitHandlers(int status)
    {
        while (*(long*)(_state + StateAtexitCount) > 0)
        {
            long n = --*(long*)(_state + StateAtexitCount);
            nint handler = *(nint*)(_state + StateAtexitTable + (nint)(n * 8));
            int r = Enter(handler, 0, 0, 0, out bool exited);
            if (exited)
            {
                status = r;
            }
        }

        return status;
    }

    /// <summary>Forgets the registered atexit handlers (the debugger's kill).</summary>
    public void ClearAtexitHandlers() => *(long*)(_state + StateAtexitCount) = 0;

    /// <summary>fflush(NULL): writes out the C program's buffered stdio output.</summary>
    public static void FlushAll()
    {
        nint fflush = SymbolResolver.Resolve("fflush");
        ((delegate* unmanaged<nint, int>)fflush)(0);
    }

    public void Dispose()
    {
        foreach ((nint address, nuint size) in _mappings)
        {
            LibC.Munmap(address, size);
        }

        _mappings.Clear();
        _cache.Dispose();
    }
}
