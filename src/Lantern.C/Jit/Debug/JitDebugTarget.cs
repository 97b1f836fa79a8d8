using Lantern.C.Describe;
using Lantern.C.Ir;
using Lantern.Observability.Debugging;
using Lantern.Observability.Dwarf.Read;
using Lantern.Observability.Elf;
using Lantern.Observability.Interop;

namespace Lantern.C.Jit.Debug;

/// <summary>
/// The debugger's target for JIT code: the module compiled with patch sites (<see cref="JitModule.IsDebugCode"/>),
/// its DWARF read back from the same symfile bytes gdb gets, and main run on the host layer's worker thread
/// (<see cref="NativeDebugTarget"/> does the patching, parking and signals).
/// </summary>
public sealed unsafe class JitDebugTarget : NativeDebugTarget
{
    private readonly JitModule _jit;
    private readonly DebugData _debug;
    private readonly PatchSite[] _sites;

    private JitDebugTarget(JitModule jit)
        : base(new CodeCacheMemory(jit.CodeCache))
    {
        _jit = jit;
        _debug = DebugData.Load(ElfFile.Parse(ElfWriter.WriteSymfile(CodeInfoBuilder.Build(jit))));
        _sites = jit.Functions.Values
            .SelectMany(f => f.PatchSites.Select(s => new PatchSite((ulong)(f.Start + s.Offset), s.Kind)))
            .OrderBy(s => s.Address)
            .ToArray();
    }

    /// <summary>Compiles <paramref name="module"/> with patch sites and makes it a debug target (the program is not started).</summary>
    public static JitDebugTarget Create(IrModule module)
    {
        var jit = new JitModule(module, debug: true) { ReportCrashes = false };
        try
        {
            return new JitDebugTarget(jit);
        }
        catch
        {
            jit.Dispose();
            throw;
        }
    }

    /// <summary>The compiled module.</summary>
    public JitModule Module => _jit;

    /// <inheritdoc/>
    public override string Kind => "jit";

    /// <inheritdoc/>
    public override DebugData Debug => _debug;

    /// <inheritdoc/>
    public override IReadOnlyList<PatchSite> Sites => _sites;

    /// <inheritdoc/>
    protected override ulong ExitStub => (ulong)_jit.ExitStub;

    /// <inheritdoc/>
    protected override int RunProgram(string programName, IReadOnlyList<string> args)
    {
        if (!_jit.Functions.ContainsKey("main"))
        {
            throw new JitLinkException("undefined symbol 'main'");
        }

        using var arguments = new MainArguments(programName, args);
        int status = _jit.Enter(_jit.GetFunctionAddress("main"), arguments.Count, arguments.Argv, arguments.Envp, out _);
        if (IsKilled)
        {
            _jit.ClearAtexitHandlers();
        }
        else
        {
            status = _jit.RunAtexitHandlers(status);
        }

        JitModule.FlushAll();
        return status;
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        base.Dispose();
        _jit.Dispose();
    }

    /// <summary>The JIT's code cache as the host layer's code memory (patched through its writable view).</summary>
    private sealed class CodeCacheMemory(CodeCache cache) : ICodeMemory
    {
        public ulong Allocate(int size) => (ulong)cache.Allocate(size);

        public nint WritableAlias(ulong address) => cache.WritableAlias((nint)address);

        public bool Contains(ulong address) => cache.Contains((nint)address);
    }
}
