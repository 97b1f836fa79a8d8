using Lantern.Observability.Interop;

namespace Lantern.C.Runtime;

/// <summary>
/// Resolves C symbols against the host C library the way a dynamic linker would: libc.so.6 and libm.so.6
/// opened with RTLD_NOW, then the global namespace (RTLD_DEFAULT).
/// </summary>
public static class SymbolResolver
{
    private static readonly object s_lock = new();
    private static nint[]? s_handles;

    /// <summary>Returns the address of <paramref name="name"/>, or 0 if no loaded library defines it.</summary>
    public static nint Resolve(string name)
    {
        foreach (nint h in Handles())
        {
            nint p = LibC.Dlsym(h, name);
            if (p != 0)
            {
                return p;
            }
        }

        return LibC.Dlsym(0, name); // RTLD_DEFAULT
    }

    private static nint[] Handles()
    {
        lock (s_lock)
        {
            if (s_handles is null)
            {
                var list = new List<nint>();
                foreach (string lib in new[] { "libc.so.6", "libm.so.6" })
                {
                    nint h = LibC.Dlopen(lib, LibC.RtldNow | LibC.RtldGlobal);
                    if (h != 0)
                    {
                        list.Add(h);
                    }
                }

                s_handles = list.ToArray();
            }

            return s_handles;
        }
    }
}
