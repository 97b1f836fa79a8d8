using System.Runtime.CompilerServices;
using Lantern.X64;
using Xunit;

namespace Lantern.C.Tests.Jit;

/// <summary>
/// Every function these tests JIT-compile (the ABI corpus, crash programs, csmith differentials, backend tests) is
/// also encoded by Iced's BlockEncoder and the bytes compared (<c>LANTERN_ENCODER_CHECK=1</c>, set before any
/// encoder code runs): X64AssemblerTests compare instruction forms one by one, this compares whole real programs.
/// </summary>
public static class EncoderCheck
{
#pragma warning disable CA2255 // a module initializer in a test assembly: the switch must be set before X64Encoder's static fields
    [ModuleInitializer]
    internal static void SwitchOn() => Environment.SetEnvironmentVariable("LANTERN_ENCODER_CHECK", "1");
#pragma warning restore CA2255
}

public sealed class EncoderCheckTests
{
    [Fact]
    public void TestsOfTheBackend_CompareEveryBlockWithIced() => Assert.True(X64Encoder.CheckingAgainstIced);
}
