using Lantern.Observability.Publish;

namespace Lantern.Observability.Tests.Publish;

/// <summary>Valgrind client requests do nothing natively (the test host does not run under valgrind).</summary>
public class ValgrindClientTests
{
    [Fact]
    public void Natively_NotRunningOnValgrind_AndDiscardIsANoOp()
    {
        Assert.False(ValgrindClient.RunningOnValgrind);
        ValgrindClient.DiscardTranslations(0x7f00_0000_0000, 4096);
    }
}
