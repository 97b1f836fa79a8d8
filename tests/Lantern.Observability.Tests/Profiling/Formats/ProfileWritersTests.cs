using Lantern.Observability.Profiling.Formats;

namespace Lantern.Observability.Tests.Profiling.Formats;

public sealed class ProfileWritersTests
{
    [Fact]
    public void NamesAreTheSixFormats()
    {
        Assert.Equal(["flamegraph", "folded", "speedscope", "pprof", "text", "annotate"], ProfileWriters.Names);
    }

    [Theory]
    [InlineData("flamegraph", ".svg")]
    [InlineData("folded", ".folded")]
    [InlineData("speedscope", ".speedscope.json")]
    [InlineData("pprof", ".pb.gz")]
    [InlineData("text", ".txt")]
    [InlineData("annotate", ".annotated.txt")]
    [InlineData("PPROF", ".pb.gz")]
    public void DefaultExtensions(string format, string extension)
    {
        Assert.Equal(extension, ProfileWriters.DefaultExtension(format));
    }

    [Fact]
    public void UnknownFormatListsTheValidNames()
    {
        var error = Assert.Throws<ArgumentException>(() => SampleProfiles.Render("callgrind", SampleProfiles.Shares()));
        Assert.Contains("'callgrind'", error.Message);
        Assert.Contains("flamegraph, folded, speedscope, pprof, text, annotate", error.Message);
        Assert.Throws<ArgumentException>(() => ProfileWriters.DefaultExtension("svg"));
        Assert.False(ProfileWriters.IsKnown("svg"));
        Assert.True(ProfileWriters.IsKnown("Folded"));
    }

    [Fact]
    public void EveryFormatWritesSomethingAndLeavesTheStreamOpen()
    {
        foreach (string format in ProfileWriters.Names)
        {
            using var stream = new MemoryStream();
            ProfileWriters.Write(format, SampleProfiles.Shares(), stream);
            Assert.True(stream.CanWrite, format);
            Assert.True(stream.Length > 50, format);
        }
    }
}
