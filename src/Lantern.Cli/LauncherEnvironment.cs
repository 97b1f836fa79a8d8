using Lantern.Observability.Interop;

namespace Lantern.Cli;

/// <summary>
/// Undoes what the <c>./lantern</c> launcher added to the environment for glibc (see src/Lantern.Cli/README.md, "glibc
/// malloc tunables"): it starts the CLI with <c>glibc.malloc.tcache_count=65535</c> and <c>glibc.malloc.arena_max=1</c> appended to
/// <c>GLIBC_TUNABLES</c>, which glibc
/// reads only at process start, and records the user's value in <c>LANTERN_USER_GLIBC_TUNABLES</c> (<c>-</c>: unset,
/// <c>=value</c>: set). Restoring it in libc's environment (and .NET's) before the C program runs means its
/// <c>getenv</c> and the processes it starts see the user's environment.
/// </summary>
internal static class LauncherEnvironment
{
    private const string Marker = "LANTERN_USER_GLIBC_TUNABLES";

    private const string GcMarker = "LANTERN_SET_GCGEN0SIZE";

    /// <summary>
    /// Restores the user's <c>GLIBC_TUNABLES</c> if the launcher changed it, and removes the <c>DOTNET_GCgen0size</c>
    /// the launcher set for this process's GC (not for the C program's children); does nothing otherwise.
    /// </summary>
    public static void Restore()
    {
        if (Environment.GetEnvironmentVariable(GcMarker) is not null)
        {
            _ = LibC.UnsetEnv("DOTNET_GCgen0size");
            Environment.SetEnvironmentVariable("DOTNET_GCgen0size", null);
            _ = LibC.UnsetEnv(GcMarker);
            Environment.SetEnvironmentVariable(GcMarker, null);
        }

        string? saved = Environment.GetEnvironmentVariable(Marker);
        if (saved is null)
        {
            return;
        }

        if (saved.StartsWith('='))
        {
            string value = saved[1..];
            _ = LibC.SetEnv("GLIBC_TUNABLES", value, 1);
            Environment.SetEnvironmentVariable("GLIBC_TUNABLES", value.Length == 0 ? null : value);
        }
        else
        {
            _ = LibC.UnsetEnv("GLIBC_TUNABLES");
            Environment.SetEnvironmentVariable("GLIBC_TUNABLES", null);
        }

        _ = LibC.UnsetEnv(Marker);
        Environment.SetEnvironmentVariable(Marker, null);
    }
}
