using Lantern.Observability.Publish;
using Lantern.Observability.Tests.CodeInfoTests;

namespace Lantern.Observability.Tests.Publish;

/// <summary>The perf map: <c>/tmp/perf-PID.map</c>, one <c>START SIZE name</c> line (hex) per function.</summary>
public class PerfMapTests
{
    [Fact]
    public void Format_IsOneHexLinePerFunction()
    {
        Assert.Equal("7f1234560000 12 add\n7f1234560040 12 twice\n", PerfMap.Format(SampleUnits.Simple()));
    }

    [Fact]
    public void PathFor_IsWherePerfLooks()
    {
        Assert.Equal("/tmp/perf-1234.map", PerfMap.PathFor(1234));
    }

    [Fact]
    public void Add_AppendsToThisProcesssMap()
    {
        string path = PerfMap.PathFor(Environment.ProcessId);
        try
        {
            PerfMap.Instance.Add(SampleUnits.Simple(0x5000_0000));
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            Assert.Contains("50000000 12 add\n50000040 12 twice\n", reader.ReadToEnd());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
