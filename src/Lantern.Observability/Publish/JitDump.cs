using System.Runtime.InteropServices;
using System.Text;
using Lantern.Observability.Binary;
using Lantern.Observability.Dwarf.Write;
using Lantern.Observability.Interop;

namespace Lantern.Observability.Publish;

/// <summary>
/// perf's jitdump file (tools/perf/Documentation/jitdump-specification.txt): <c>jit-PID.dump</c> with a header and,
/// for every function, JIT_CODE_DEBUG_INFO (its line table), JIT_CODE_UNWINDING_INFO (.eh_frame + .eh_frame_hdr)
/// and then JIT_CODE_LOAD (name, address, code bytes); JIT_CODE_CLOSE at the end. Timestamps are CLOCK_MONOTONIC
/// (record with <c>perf record -k 1</c>). The file is mmap'ed PROT_READ|PROT_EXEC so that perf record sees it in
/// the process's mmap events; <c>perf inject --jit</c> then turns each LOAD into a small ELF object
/// (<c>jitted-PID-N.so</c>, next to the dump) with symbols, lines and unwinding information.
/// <para>
/// Location: a fresh directory (mkdtemp) under <c>$JITDUMPDIR</c>, else <c>~/.debug/jit</c>, as perf's own
/// agents do; it is kept after exit (perf inject needs it).
/// </para>
/// </summary>
public sealed unsafe class JitDump : IDisposable
{
    private const uint Magic = 0x4A695444;     // "JiTD"
    private const uint Version = 1;
    private const uint ElfMachX8664 = 62;      // EM_X86_64
    private const uint CodeLoad = 0;
    private const uint CodeDebugInfo = 2;
    private const uint CodeClose = 3;
    private const uint CodeUnwindingInfo = 4;
    private const int HeaderSize = 40;

    /// <summary>perf places the code of a jitted-PID-N.so at this address (GEN_ELF_TEXT_OFFSET in perf's genelf.h).</summary>
    private const ulong PerfElfTextOffset = 0x80;

    private static readonly object s_lock = new();
    private static JitDump? s_instance;

    private readonly FileStream _stream;
    private readonly nint _marker;
    private ulong _codeIndex;
    private bool _closed;

    private JitDump(string path)
    {
        Path = path;
        _stream = PerfMap.CreateExclusive(path);
        var header = new ByteBuilder();
        header.WriteUInt32LittleEndian(Magic);
        header.WriteUInt32LittleEndian(Version);
        header.WriteUInt32LittleEndian(HeaderSize);                         // total_size of the header
        header.WriteUInt32LittleEndian(ElfMachX8664);                       // elf_mach
        header.WriteUInt32LittleEndian(0);                                  // pad1
        header.WriteUInt32LittleEndian((uint)Environment.ProcessId);        // pid
        header.WriteUInt64LittleEndian(Timestamp());                        // timestamp
        header.WriteUInt64LittleEndian(0);                                  // flags: CLOCK_MONOTONIC timestamps
        _stream.Write(header.ToArray());
        _stream.Flush();

        // The marker mmap perf record looks for (an executable mapping of jit-PID.dump).
        _marker = LibC.Mmap(0, 4096, LibC.ProtRead | LibC.ProtExec, LibC.MapPrivate, (int)_stream.SafeFileHandle.DangerousGetHandle(), 0);
        if (_marker == LibC.MapFailed)
        {
            throw new IOException($"cannot mmap '{path}' (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>The path of the dump file.</summary>
    public string Path { get; }

    /// <summary>This process's dump (created at the first call; closed with JIT_CODE_CLOSE at exit).</summary>
    public static JitDump Instance
    {
        get
        {
            lock (s_lock)
            {
                if (s_instance is null)
                {
                    string parent = Environment.GetEnvironmentVariable("JITDUMPDIR") is { Length: > 0 } d
                        ? d
                        : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".debug", "jit");
                    Directory.CreateDirectory(parent);
                    TempDirectory directory = TempDirectory.Create(prefix: "lantern-", parent: parent, keep: true);
                    s_instance = new JitDump(System.IO.Path.Combine(directory.Path, $"jit-{Environment.ProcessId}.dump"));
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => s_instance.Dispose();
                }

                return s_instance;
            }
        }
    }

    /// <summary>Writes DEBUG_INFO, UNWINDING_INFO and LOAD records for every function of <paramref name="unit"/>.</summary>
    public void Add(CompilationUnitInfo unit, Func<CodeInfo, byte[]> codeOf)
    {
        lock (s_lock)
        {
            if (_closed)
            {
                return;
            }

            foreach (CodeInfo f in unit.Functions)
            {
                byte[] code = codeOf(f);
                if (f.Lines.Count > 0)
                {
                    WriteRecord(CodeDebugInfo, DebugInfo(unit, f));
                }

                WriteRecord(CodeUnwindingInfo, UnwindingInfo(f));
                WriteRecord(CodeLoad, Load(f, code, _codeIndex++));
            }

            _stream.Flush();
        }
    }

    /// <summary>Writes JIT_CODE_CLOSE and closes the file.</summary>
    public void Dispose()
    {
        lock (s_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            WriteRecord(CodeClose, []);
            _stream.Flush();
            LibC.Munmap(_marker, 4096);
            _stream.Dispose();
        }
    }

    private static byte[] DebugInfo(CompilationUnitInfo unit, CodeInfo f)
    {
        var b = new ByteBuilder();
        b.WriteUInt64LittleEndian(f.Address);                   // code_addr
        b.WriteUInt64LittleEndian((ulong)f.Lines.Count);        // nr_entry
        foreach (LineRow row in f.Lines)
        {
            b.WriteUInt64LittleEndian(f.Address + row.Offset);  // addr
            b.WriteUInt32LittleEndian((uint)row.Line);          // lineno
            b.WriteUInt32LittleEndian(0);                       // discrim
            string file = unit.GetFile(row.File);
            if (!System.IO.Path.IsPathRooted(file))
            {
                file = System.IO.Path.Combine(unit.CompDir, file);
            }

            b.WriteBytes(Encoding.UTF8.GetBytes(file));
            b.WriteByte(0);                         // name (NUL-terminated)
        }

        return b.ToArray();
    }

    private static byte[] UnwindingInfo(CodeInfo f)
    {
        // perf inject puts the code at PerfElfTextOffset, .eh_frame right after it, then .eh_frame_hdr.
        ulong ehFrameAddress = PerfElfTextOffset + f.Size;
        EhFrame ehFrame = EhFrameWriter.Write([new EhFrameFunction(PerfElfTextOffset, f.Size, f.Cfi)], ehFrameAddress);
        byte[] header = EhFrameWriter.WriteHeader(ehFrame, ehFrameAddress + (ulong)ehFrame.Bytes.Length);
        ulong unwindingSize = (ulong)(ehFrame.Bytes.Length + header.Length);
        var b = new ByteBuilder();
        b.WriteUInt64LittleEndian(unwindingSize);               // unwinding_size (eh_frame + eh_frame_hdr)
        b.WriteUInt64LittleEndian((ulong)header.Length);        // eh_frame_hdr_size
        b.WriteUInt64LittleEndian(unwindingSize);               // mapped_size
        b.WriteBytes(ehFrame.Bytes);                // unwinding_data: .eh_frame ...
        b.WriteBytes(header);                       // ... then .eh_frame_hdr
        while (b.Count % 8 != 0)
        {
            b.WriteByte(0);                         // padding to 8 bytes
        }

        return b.ToArray();
    }

    private static byte[] Load(CodeInfo f, byte[] code, ulong index)
    {
        var b = new ByteBuilder();
        b.WriteUInt32LittleEndian((uint)Environment.ProcessId); // pid
        b.WriteUInt32LittleEndian((uint)LibC.GetTid());         // tid
        b.WriteUInt64LittleEndian(f.Address);                   // vma
        b.WriteUInt64LittleEndian(f.Address);                   // code_addr
        b.WriteUInt64LittleEndian((ulong)code.Length);          // code_size
        b.WriteUInt64LittleEndian(index);                       // code_index
        b.WriteBytes(Encoding.UTF8.GetBytes(f.SymbolName));
        b.WriteByte(0);                             // name (NUL-terminated)
        b.WriteBytes(code);                         // native code
        return b.ToArray();
    }

    private void WriteRecord(uint id, byte[] body)
    {
        var b = new ByteBuilder();
        b.WriteUInt32LittleEndian(id);                          // id
        b.WriteUInt32LittleEndian((uint)(16 + body.Length));    // total_size (header included)
        b.WriteUInt64LittleEndian(Timestamp());                 // timestamp
        b.WriteBytes(body);
        _stream.Write(b.ToArray());
    }

    /// <summary>CLOCK_MONOTONIC in nanoseconds (what <c>perf record -k 1</c> uses).</summary>
    public static ulong Timestamp()
    {
        long* ts = stackalloc long[2];
        LibC.ClockGettime(LibC.ClockMonotonic, ts);
        return (ulong)ts[0] * 1_000_000_000UL + (ulong)ts[1];
    }
}
