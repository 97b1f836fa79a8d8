using Iced.Intel;

namespace Lantern.C.Jit;

/// <summary>One general-purpose register under its four widths.</summary>
internal readonly record struct Gpr(AssemblerRegister64 Q, AssemblerRegister32 D, AssemblerRegister16 W, AssemblerRegister8 B);
