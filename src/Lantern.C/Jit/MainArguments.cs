using System.Runtime.InteropServices;
using Lantern.C.Runtime;

namespace Lantern.C.Jit;

/// <summary>
/// main's arguments for JIT code: argv in native memory (the program name, the arguments, a null pointer, each
/// string UTF-8) and envp (the host's own environ: the same strings libc's getenv sees). Dispose frees argv.
/// </summary>
internal sealed unsafe class MainArguments : IDisposable
{
    private readonly List<nint> _strings = new();

    public MainArguments(string programName, IReadOnlyList<string> args)
    {
        var all = new List<string> { programName };
        all.AddRange(args);
        Argv = Marshal.AllocHGlobal((all.Count + 1) * 8);
        for (int k = 0; k < all.Count; k++)
        {
            nint s = Marshal.StringToCoTaskMemUTF8(all[k]);
            _strings.Add(s);
            ((nint*)Argv)[k] = s;
        }

        ((nint*)Argv)[all.Count] = 0;
        Count = all.Count;
        nint environ = SymbolResolver.Resolve("environ");
        Envp = environ != 0 ? *(long*)environ : 0;
    }

    /// <summary>argc: the program name and the arguments.</summary>
    public int Count { get; }

    /// <summary>argv: <see cref="Count"/> string pointers and a null pointer.</summary>
    public nint Argv { get; }

    /// <summary>envp: the host's environ (0 if libc has none).</summary>
    public long Envp { get; }

    public void Dispose()
    {
        foreach (nint s in _strings)
        {
            Marshal.FreeCoTaskMem(s);
        }

        Marshal.FreeHGlobal(Argv);
    }
}
