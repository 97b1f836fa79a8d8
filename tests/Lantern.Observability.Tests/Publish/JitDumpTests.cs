using System.Buffers.Binary;
using Lantern.Observability.Publish;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Publish;

/// <summary>perf's jitdump file: its header, then DEBUG_INFO, UNWINDING_INFO and LOAD per function, CLOSE at the end.</summary>
public class JitDumpTests
{
    private const uint CodeLoad = 0;
    private const uint CodeDebugInfo = 2;
    private const uint CodeClose = 3;
    private const uint CodeUnwindingInfo = 4;

    [Fact]
    public void Instance_WritesTheHeaderAndThreeRecordsPerFunction_ThenClose()
    {
        string parent = Directory.CreateTempSubdirectory("lantern-jitdump-").FullName;
        string? previous = Environment.GetEnvironmentVariable("JITDUMPDIR");
        Environment.SetEnvironmentVariable("JITDUMPDIR", parent);
        try
        {
            JitDump dump = JitDump.Instance;
            Assert.StartsWith(parent + "/", dump.Path);
            Assert.EndsWith($"/jit-{Environment.ProcessId}.dump", dump.Path);
            dump.Add(SampleUnits.Simple(), SampleUnits.CodeOf);
            dump.Dispose();

            byte[] bytes = File.ReadAllBytes(dump.Path);
            ReadOnlySpan<byte> b = bytes;
            Assert.Equal(0x4A695444u, BinaryPrimitives.ReadUInt32LittleEndian(b));            // magic "JiTD"
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(b[4..]));                 // version
            uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(b[8..]);
            Assert.Equal(40u, headerSize);
            Assert.Equal(62u, BinaryPrimitives.ReadUInt32LittleEndian(b[12..]));               // EM_X86_64
            Assert.Equal((uint)Environment.ProcessId, BinaryPrimitives.ReadUInt32LittleEndian(b[20..]));

            var ids = new List<uint>();
            var loads = new List<string>();
            for (int at = (int)headerSize; at < bytes.Length;)
            {
                uint id = BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
                int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(b[(at + 4)..]);
                ids.Add(id);
                if (id == CodeLoad)
                {
                    // pid, tid, vma, code_addr, code_size, code_index after the 16-byte prefix, then the name.
                    ReadOnlySpan<byte> name = b[(at + 16 + 40)..];
                    loads.Add(System.Text.Encoding.UTF8.GetString(name[..name.IndexOf((byte)0)]));
                }

                at += size;
            }

            Assert.Equal([CodeDebugInfo, CodeUnwindingInfo, CodeLoad, CodeDebugInfo, CodeUnwindingInfo, CodeLoad, CodeClose], ids);
            Assert.Equal(["add", "twice"], loads);
            Directory.Delete(Path.GetDirectoryName(dump.Path)!, recursive: true);
        }
        finally
        {
            Environment.SetEnvironmentVariable("JITDUMPDIR", previous);
            Directory.Delete(parent, recursive: true);
        }
    }
}
