namespace Lantern.Observability.Elf;

/// <summary>
/// Turns the exceptions that out-of-range offsets and lengths in damaged input cause (slicing, casts, lookups)
/// into <see cref="FormatException"/>, the one exception the readers document for malformed data.
/// </summary>
internal static class Malformed
{
    public static T Guard<T>(string what, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException or KeyNotFoundException or InvalidOperationException or NotSupportedException)
        {
            throw new FormatException($"malformed {what}: {e.Message}", e);
        }
    }
}
