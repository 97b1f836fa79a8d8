using Lantern.C.Ir;

namespace Lantern.C.Interp;

/// <summary>PLACEHOLDER — replaced by the interpreter work.</summary>
public sealed class Interpreter
{
    public Interpreter(IrModule module)
    {
        Module = module;
    }

    public IrModule Module { get; }

    /// <summary>Runs main(argc, argv) with argv[0] = program name; returns the exit status.</summary>
    public int Run(string programName, IReadOnlyList<string> args) => throw new NotImplementedException("interpreter not written yet");
}
