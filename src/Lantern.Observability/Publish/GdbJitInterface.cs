using System.Runtime.InteropServices;
using Lantern.Observability.Dwarf;
using Lantern.Observability.Elf;
using Lantern.Observability.Interop;

namespace Lantern.Observability.Publish;

/// <summary>
/// The GDB JIT interface (gdb manual, "JIT Compilation Interface"), also read by lldb's GDB JIT loader.
/// <para>
/// At first use a tiny shared object is generated with <see cref="ElfWriter.WriteSharedObject"/>, written to a
/// safe temporary file (O_EXCL, 0600) and dlopen'ed. It exports <c>__jit_debug_register_code</c> (a function that
/// only returns: the debugger puts a breakpoint on it) and <c>__jit_debug_descriptor</c>
/// (<c>struct jit_descriptor { uint32_t version = 1; uint32_t action_flag; jit_code_entry* relevant_entry;
/// jit_code_entry* first_entry; }</c>). The descriptor is emitted as a 4 KiB "function" alone in its pages, which
/// are then made read+write (never executable); its symbol is an STT_OBJECT (<see cref="ElfSymbolKind.Object"/>),
/// since lldb's JIT loader looks the descriptor up as a data symbol. Each <see cref="Register"/> links a <c>jit_code_entry { next, prev,
/// symfile_addr, symfile_size }</c> with an in-memory ELF symfile and calls the hook with action JIT_REGISTER;
/// disposing the registration unlinks it with JIT_UNREGISTER.
/// </para>
/// </summary>
public sealed unsafe class GdbJitInterface
{
    private const uint JitNoAction = 0;
    private const uint JitRegister = 1;
    private const uint JitUnregister = 2;
    private const int PageSize = 4096;

    private static readonly object s_lock = new();
    private static GdbJitInterface? s_instance;

    private readonly nint _library;
    private readonly JitDescriptor* _descriptor;
    private readonly delegate* unmanaged<void> _registerCode;

    [StructLayout(LayoutKind.Sequential)]
    private struct JitDescriptor
    {
        public uint Version;
        public uint ActionFlag;
        public JitCodeEntry* RelevantEntry;
        public JitCodeEntry* FirstEntry;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct JitCodeEntry
    {
        public JitCodeEntry* Next;
        public JitCodeEntry* Prev;
        public byte* SymfileAddress;
        public ulong SymfileSize;
    }

    private GdbJitInterface(string shimPath)
    {
        _library = NativeLibrary.Load(shimPath);
        _registerCode = (delegate* unmanaged<void>)NativeLibrary.GetExport(_library, "__jit_debug_register_code");
        _descriptor = (JitDescriptor*)NativeLibrary.GetExport(_library, "__jit_debug_descriptor");
        nint first = (nint)_descriptor & ~(nint)(PageSize - 1);
        nint last = ((nint)_descriptor + sizeof(JitDescriptor) - 1) & ~(nint)(PageSize - 1);
        if (LibC.Mprotect(first, (nuint)(last - first + PageSize), LibC.ProtRead | LibC.ProtWrite) != 0)
        {
            throw new InvalidOperationException($"mprotect of the JIT descriptor failed (errno {Marshal.GetLastPInvokeError()})");
        }

        _descriptor->Version = 1;
    }

    /// <summary>The process's interface (the shim is generated and loaded at the first call).</summary>
    public static GdbJitInterface Instance
    {
        get
        {
            lock (s_lock)
            {
                if (s_instance is null)
                {
                    // The file stays until the process exits: a debugger may read it when it sees the dlopen.
                    TempFile file = TempFile.Create(prefix: "lantern-gdbjit-", suffix: ".so");
                    file.WriteAllBytes(BuildShim());
                    file.Close();
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => file.Dispose();
                    s_instance = new GdbJitInterface(file.Path);
                }

                return s_instance;
            }
        }
    }

    /// <summary>The shim shared object: <c>__jit_debug_register_code</c> (ret) and <c>__jit_debug_descriptor</c>.</summary>
    public static byte[] BuildShim()
    {
        var unit = new CompilationUnitInfo("lantern-gdb-jit-shim", "/", "Lantern", DwLang.C11);
        // The hook is padded to two pages so that the descriptor never shares a page with its code.
        var hook = unit.AddFunction(new CodeInfo("__jit_debug_register_code", 0, 2 * PageSize));
        var descriptor = unit.AddFunction(new CodeInfo("__jit_debug_descriptor", 2 * PageSize, PageSize));
        return ElfWriter.WriteSharedObject(unit, f =>
        {
            var bytes = new byte[f.Size];
            if (f == hook)
            {
                Array.Fill(bytes, (byte)0xCC); // int3 padding
                bytes[0] = 0xC3;               // ret
            }
            else
            {
                bytes[0] = 1;                  // version = 1
            }

            return bytes;
        }, "liblantern-gdbjit.so", f => f == descriptor ? ElfSymbolKind.Object : ElfSymbolKind.Function).Bytes;
    }

    /// <summary>
    /// Hands <paramref name="symfile"/> (an ELF object, e.g. from <see cref="ElfWriter.WriteSymfile(CompilationUnitInfo)"/>)
    /// to an attached debugger; dispose the result to unregister it.
    /// </summary>
    public IDisposable Register(ReadOnlySpan<byte> symfile)
    {
        var entry = (JitCodeEntry*)NativeMemory.AllocZeroed((nuint)sizeof(JitCodeEntry));
        byte* copy = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, symfile.Length));
        symfile.CopyTo(new Span<byte>(copy, symfile.Length));
        entry->SymfileAddress = copy;
        entry->SymfileSize = (ulong)symfile.Length;
        lock (s_lock)
        {
            entry->Next = _descriptor->FirstEntry;
            if (entry->Next is not null)
            {
                entry->Next->Prev = entry;
            }

            _descriptor->FirstEntry = entry;
            _descriptor->RelevantEntry = entry;
            _descriptor->ActionFlag = JitRegister;
            _registerCode();
            _descriptor->ActionFlag = JitNoAction;
        }

        return new Registration(this, entry);
    }

    private void Unregister(JitCodeEntry* entry)
    {
        lock (s_lock)
        {
            if (entry->Prev is not null)
            {
                entry->Prev->Next = entry->Next;
            }
            else
            {
                _descriptor->FirstEntry = entry->Next;
            }

            if (entry->Next is not null)
            {
                entry->Next->Prev = entry->Prev;
            }

            _descriptor->RelevantEntry = entry;
            _descriptor->ActionFlag = JitUnregister;
            _registerCode();
            _descriptor->ActionFlag = JitNoAction;
            _descriptor->RelevantEntry = null;
        }

        NativeMemory.Free(entry->SymfileAddress);
        NativeMemory.Free(entry);
    }

    private sealed class Registration : IDisposable
    {
        private readonly GdbJitInterface _owner;
        private JitCodeEntry* _entry;

        public Registration(GdbJitInterface owner, JitCodeEntry* entry)
        {
            _owner = owner;
            _entry = entry;
        }

        public void Dispose()
        {
            if (_entry is not null)
            {
                _owner.Unregister(_entry);
                _entry = null;
            }
        }
    }
}
