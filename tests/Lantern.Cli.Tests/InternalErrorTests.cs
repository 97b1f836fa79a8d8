namespace Lantern.Cli.Tests;

/// <summary>How an internal compiler error is reported (exit 70 is checked through LanternCommand's constant).</summary>
public sealed class InternalErrorTests
{
    private static Exception Thrown(Exception e)
    {
        try
        {
            throw e;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }

    [Fact]
    public void WithoutDebug_OneLineAndPleaseReport_NoStackTrace()
    {
        Exception e = Thrown(new InvalidOperationException("IR verification failed (compiler bug):\nblock .b3 has no terminator"));

        string text = InternalError.Format(e, "internal compiler error", debug: false);

        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal("lantern: internal compiler error: IR verification failed (compiler bug): (InvalidOperationException)", lines[0]);
        Assert.Contains("please report", lines[1]);
        Assert.Contains("LANTERN_DEBUG=1", lines[1]);
        Assert.DoesNotContain(" at ", text);
    }

    [Fact]
    public void WithDebug_IncludesTheStackTrace()
    {
        Exception e = Thrown(new NotSupportedException("no such opcode"));

        string text = InternalError.Format(e, "internal compiler error", debug: true);

        Assert.StartsWith("lantern: internal compiler error: no such opcode (NotSupportedException)\n", text);
        Assert.Contains("block .b3", InternalError.Format(Thrown(new Exception("x\nblock .b3")), "e", debug: true));
        Assert.Contains(" at Lantern.Cli.Tests.InternalErrorTests.Thrown", text);
        Assert.DoesNotContain("please report", text);
    }

    [Fact]
    public void AnAggregateOfOneIsUnwrapped()
    {
        var e = new AggregateException(new IOException("disk on fire"));

        string text = InternalError.Format(e, "internal error while running the program", debug: false);

        Assert.StartsWith("lantern: internal error while running the program: disk on fire (IOException)\n", text);
    }

    [Fact]
    public void ExitStatusIsEXSoftware()
    {
        Assert.Equal(70, LanternCommand.ExitInternalError);
        Assert.Equal(124, LanternCommand.ExitTimeout);
        Assert.Equal(2, LanternCommand.ExitUsage);
    }
}
