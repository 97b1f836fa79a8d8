using Lantern.C.Describe;
using Lantern.Observability;
using Lantern.Observability.Elf;
using Lantern.Observability.Publish;

namespace Lantern.C.Jit;

/// <summary>
/// Tells the system about a compiled module through the publishers switched on by environment variables
/// (set by <c>lantern run --gdb / --perf-map / --jitdump</c>): <c>LANTERN_GDB=1</c> registers one symfile for the whole module
/// with the GDB JIT interface (unregistered on dispose), <c>LANTERN_PERF_MAP=1</c> appends the functions to
/// <c>/tmp/perf-PID.map</c>, <c>LANTERN_JITDUMP=1</c> writes the functions to perf's jit-PID.dump. Unless <c>LANTERN_UNWIND=0</c>, the CFI is
/// registered with libgcc's unwinder (<c>__register_frame</c>), so glibc's <c>backtrace()</c> walks JIT frames.
/// </summary>
public static class JitPublishers
{
    /// <summary>True if the environment variable <paramref name="name"/> is set to something other than "" or "0".</summary>
    public static bool IsOn(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v && v != "0";

    /// <summary>Publishes <paramref name="jit"/>; dispose the result when the code is freed.</summary>
    public static IDisposable Publish(JitModule jit)
    {
        var registrations = new List<IDisposable> { new Discard(jit) };
        bool gdb = IsOn("LANTERN_GDB");
        bool perfMap = IsOn("LANTERN_PERF_MAP");
        bool jitDump = IsOn("LANTERN_JITDUMP");
        bool unwind = Environment.GetEnvironmentVariable("LANTERN_UNWIND") != "0";
        string? emitSo = Environment.GetEnvironmentVariable("LANTERN_EMIT_SO") is { Length: > 0 } d ? d : null;
        if (!gdb && !perfMap && !jitDump && !unwind && emitSo is null)
        {
            return new Registrations(registrations);
        }

        // Only the unwinder (the default): its CFI is all it needs, and building the full description is start-up
        // time of every `lantern run`.
        if (unwind && !gdb && !perfMap && !jitDump && emitSo is null)
        {
            registrations.Add(UnwindRegistration.Register(CodeInfoBuilder.BuildUnwindOnly(jit)));
            return new Registrations(registrations);
        }

        CompilationUnitInfo unit = CodeInfoBuilder.Build(jit);
        if (perfMap)
        {
            PerfMap.Instance.Add(unit);
        }

        if (emitSo is not null)
        {
            EmitSharedObject(jit, unit, emitSo);
        }

        if (unwind)
        {
            registrations.Add(UnwindRegistration.Register(unit));
        }

        if (jitDump)
        {
            JitDump.Instance.Add(unit, f =>
            {
                var bytes = new byte[f.Size];
                System.Runtime.InteropServices.Marshal.Copy((nint)f.Address, bytes, 0, bytes.Length);
                return bytes;
            });
        }

        if (gdb)
        {
            if (IsOn("LANTERN_GDB_PER_FUNCTION"))
            {
                // unbatched: one symfile per function (for the scale benchmark)
                foreach (CompilationUnitInfo single in CodeInfoBuilder.BuildPerFunction(jit))
                {
                    registrations.Add(GdbJitInterface.Instance.Register(ElfWriter.WriteSymfile(single)));
                }
            }
            else
            {
                registrations.Add(GdbJitInterface.Instance.Register(ElfWriter.WriteSymfile(unit)));
            }
        }

        return new Registrations(registrations);
    }

    /// <summary>
    /// Tells valgrind (VALGRIND_DISCARD_TRANSLATIONS) that the code of <paramref name="jit"/> is about to be freed
    /// or patched; a no-op when not running under valgrind.
    /// </summary>
    public static void DiscardTranslations(JitModule jit)
    {
        if (jit.CodeCache.Used > 0)
        {
            ValgrindClient.DiscardTranslations((ulong)jit.CodeCache.ExecutableBase, (ulong)jit.CodeCache.Used);
        }
    }

    /// <summary>True if the code will be copied into a shared object (<c>LANTERN_EMIT_SO</c>): compile it movable.</summary>
    internal static bool EmitsSharedObject => Environment.GetEnvironmentVariable("LANTERN_EMIT_SO") is { Length: > 0 };

    /// <summary>
    /// <c>--emit-so DIR</c>: links the module's code into DIR/NAME.so (NAME: the source file's base name) with its
    /// DWARF, symbols and .eh_frame, dlopens it and points every function's call cell at the copy in the shared
    /// object, so calls (and main) run from the .so mapping where any tool (valgrind, backtrace_symbols, addr2line)
    /// sees a library. The code is compiled movable (<see cref="X64Backend.Compile"/>: calls and data go through
    /// absolute addresses of cells and globals, not <c>call [rip+disp32]</c>), so the copy runs unchanged. Function pointers taken before the switch keep
    /// pointing at the JIT copy, which stays valid.
    /// </summary>
    private static void EmitSharedObject(JitModule jit, CompilationUnitInfo unit, string directory)
    {
        string name = Path.GetFileNameWithoutExtension(unit.Name);
        if (name.Length == 0 || name == "<unknown>")
        {
            name = "lantern-module";
        }

        SharedObjectImage image = ElfWriter.WriteSharedObject(unit, f =>
        {
            var bytes = new byte[f.Size];
            System.Runtime.InteropServices.Marshal.Copy((nint)f.Address, bytes, 0, bytes.Length);
            return bytes;
        }, name + ".so");

        // written 0600 with O_EXCL into a directory only the user can write, so that nobody can swap the object
        // between the write and the dlopen
        string path;
        try
        {
            path = PrivateDirectory.WriteFile(PrivateDirectory.Ensure(directory), name + ".so", image.Bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JitLinkException("--emit-so: " + e.Message);
        }

        nint handle = System.Runtime.InteropServices.NativeLibrary.Load(path);
        foreach (CodeInfo f in unit.Functions)
        {
            if (System.Runtime.InteropServices.NativeLibrary.TryGetExport(handle, f.SymbolName, out nint address) && jit.IsFunction(f.Name))
            {
                unsafe
                {
                    *(nint*)jit.GetFunctionCell(f.Name) = address;
                }
            }
        }
    }

    /// <summary>Discards valgrind's translations of the module's code when the publications end (the code is freed).</summary>
    private sealed class Discard(JitModule jit) : IDisposable
    {
        public void Dispose() => DiscardTranslations(jit);
    }

    private sealed class Registrations(List<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (IDisposable item in items)
            {
                item.Dispose();
            }

            items.Clear();
        }
    }
}
