using Lantern.Observability.Interop;
using Lantern.X64;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.Observability;

/// <summary>
/// The tail shared by Lantern's machine-code signal handlers (the crash reporter's and the debugger's): pass a
/// signal that is not ours on to the action that was installed before us.
/// </summary>
public static class SignalChain
{
    /// <summary>
    /// Emits, at the current position of <paramref name="a"/>, a chain to the previous action of the signal in
    /// <c>edi</c>, with the stack and the argument registers as the handler received them (return address on top).
    /// <paramref name="oldActions"/> holds one saved <c>struct sigaction</c> per signal number. SIG_IGN returns;
    /// SIG_DFL installs <paramref name="defaultAction"/> (all zero: SIG_DFL) through <paramref name="sigactionFunction"/>
    /// and returns, so the fault repeats and takes the default action; a handler is jumped to with (sig, info, uc),
    /// which suits both handler kinds.
    /// </summary>
    public static void EmitChainToPreviousAction(X64Assembler a, ulong oldActions, ulong defaultAction, ulong sigactionFunction)
    {
        X64Label restoreDefault = a.CreateLabel();
        X64Label done = a.CreateLabel();
        a.movsxd(rax, edi);
        a.imul(rax, rax, LibC.SigactionSize);
        a.mov(r11, (long)oldActions);
        a.add(r11, rax);
        a.mov(rax, __qword_ptr[r11]);
        a.cmp(rax, 1);                                          // SIG_IGN
        a.je(done);
        a.test(rax, rax);                                       // SIG_DFL
        a.jz(restoreDefault);
        a.jmp(rax);
        a.Label(ref restoreDefault);
        a.push(rbx);                                            // realign the stack for the call
        a.mov(rsi, (long)defaultAction);
        a.xor(edx, edx);
        a.mov(rax, (long)sigactionFunction);
        a.call(rax);
        a.pop(rbx);
        a.Label(ref done);
        a.ret();
    }
}
