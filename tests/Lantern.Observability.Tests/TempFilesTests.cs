using System.Text;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Lantern.Observability.Tests;

public class TempFileTests
{
    [Fact]
    public void Create_MakesAnEmptyFileWithMode0600InTheTempDirectory()
    {
        using TempFile file = TempFile.Create(prefix: "lt-test-", suffix: ".c");

        Assert.True(File.Exists(file.Path));
        Assert.StartsWith(Path.GetFullPath(Path.GetTempPath()), file.Path);
        Assert.StartsWith("lt-test-", Path.GetFileName(file.Path));
        Assert.EndsWith(".c", file.Path);
        Assert.Equal(0, new FileInfo(file.Path).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.Path));
    }

    [Fact]
    public void Create_GivesDifferentNamesEachTime()
    {
        using TempFile a = TempFile.Create();
        using TempFile b = TempFile.Create();

        Assert.NotEqual(a.Path, b.Path);
    }

    [Fact]
    public void Dispose_DeletesTheFile()
    {
        TempFile file = TempFile.Create();
        string path = file.Path;

        file.Dispose();

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Dispose_WithKeep_LeavesTheFile()
    {
        string path;
        using (TempFile file = TempFile.CreateWithText("kept"))
        {
            file.Keep = true;
            path = file.Path;
        }

        try
        {
            Assert.Equal("kept", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WriteAllText_ReplacesTheContents()
    {
        using TempFile file = TempFile.CreateWithText("a much longer first text");

        file.WriteAllText("short é");

        Assert.Equal("short é", File.ReadAllText(file.Path, Encoding.UTF8));
    }

    [Fact]
    public void Stream_ReadsBackWhatWasWritten()
    {
        using TempFile file = TempFile.Create();
        file.Stream.Write(new byte[] { 1, 2, 3 });
        file.Stream.Position = 0;

        var buffer = new byte[3];
        file.Stream.ReadExactly(buffer);

        Assert.Equal(new byte[] { 1, 2, 3 }, buffer);
    }

    [Fact]
    public void Create_InAMissingDirectory_ThrowsIOExceptionNamingThePath()
    {
        string missing = Path.Combine(Path.GetTempPath(), "lantern-no-such-dir-" + Guid.NewGuid().ToString("N"));

        IOException e = Assert.Throws<IOException>(() => TempFile.Create(directory: missing));

        Assert.Contains(missing, e.Message);
        Assert.Contains("No such file or directory", e.Message);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a\0b")]
    public void Create_RejectsPrefixesThatEscapeTheDirectory(string prefix)
    {
        Assert.Throws<ArgumentException>(() => TempFile.Create(prefix: prefix));
    }

    [Fact]
    public void Create_NeverTouchesExistingFilesInTheDirectory()
    {
        using TempDirectory dir = TempDirectory.Create();
        string victim = dir.WriteFile("victim", "precious");
        for (int i = 0; i < 20; i++)
        {
            using TempFile file = TempFile.Create(directory: dir.Path);
            file.WriteAllText("x");
        }

        Assert.Equal("precious", File.ReadAllText(victim));
    }
}

public class TempDirectoryTests
{
    [Fact]
    public void Create_MakesAPrivateDirectory_AndDisposeRemovesItWithItsContents()
    {
        string path;
        using (TempDirectory dir = TempDirectory.Create(prefix: "lt-dir-"))
        {
            path = dir.Path;
            Assert.True(Directory.Exists(path));
            Assert.StartsWith("lt-dir-", Path.GetFileName(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));

            string file = dir.WriteFile("inner.h", "#define X 1\n");
            Assert.Equal("#define X 1\n", File.ReadAllText(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.False(Directory.Exists(path));
    }

    [Fact]
    public void WriteFile_RefusesToOverwriteOrFollowASymlink()
    {
        using TempDirectory dir = TempDirectory.Create();
        using TempFile outside = TempFile.CreateWithText("outside");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "link"), outside.Path);
        dir.WriteFile("existing", "1");

        Assert.Throws<IOException>(() => dir.WriteFile("link", "overwritten"));
        Assert.Throws<IOException>(() => dir.WriteFile("existing", "2"));
        Assert.Equal("outside", File.ReadAllText(outside.Path));
    }

    [Fact]
    public void WriteFile_RejectsNamesOutsideTheDirectory()
    {
        using TempDirectory dir = TempDirectory.Create();

        Assert.Throws<ArgumentException>(() => dir.WriteFile("../escape", "x"));
    }

    [Fact]
    public void Dispose_WithKeep_LeavesTheDirectory()
    {
        TempDirectory dir = TempDirectory.Create(keep: true);
        dir.Dispose();

        try
        {
            Assert.True(Directory.Exists(dir.Path));
        }
        finally
        {
            Directory.Delete(dir.Path, recursive: true);
        }
    }
}
