#!/usr/bin/env python3
"""Writes X64AssemblerTests.Forms.cs, the table of instruction forms X64Assembler must encode as Iced does.

Run from anywhere: python3 tests/Lantern.X64.Tests/gen-forms.py

Each test (Alu, Mov, Misc, Sse) is one body written twice, once with an Iced Assembler parameter
and once with an X64Assembler one, so that C# overload resolution picks the matching method on
each; AssertSameAsIced runs both and compares the instructions.

A form is a C# call template. Its placeholders are filled per row of a table:
    {q} {d} {w} {b} {x}  a qword/dword/word/byte/xmmword memory operand at the current address
    {m}                  the bare address (lea)
    {r} {s}              the current register, and the register paired with it
"""

import os

# Registers, in encoding order (index = register number).
R64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"] + [f"r{i}" for i in range(8, 16)]
R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] + [f"r{i}d" for i in range(8, 16)]
R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"] + [f"r{i}w" for i in range(8, 16)]
R8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"] + [f"r{i}b" for i in range(8, 16)]
XMM = [f"xmm{i}" for i in range(16)]

# Addresses: every ModRM/SIB shape (no base, rsp/r12 need a SIB, rbp/r13 need a displacement,
# disp8 and disp32 edges, index scales). ALU forms use the first twelve.
ADDRESSES = [
    "rax", "rsp", "rbp", "r12", "r13",
    "r11 + 8", "rbp - 8", "rsp + 16", "r13 + 0", "rbp - 200", "rax + 127", "rax + 128",
    "rax - 128", "rax - 129",
    "rbx + rcx", "rbx + rcx * 2 + 4", "r12 + r13 * 8 - 1000", "rbp + r15 * 4", "rcx * 8 + 16",
    "0x12345678", "rsp + rax", "r13 + r9 * 1",
]
ALU_ADDRESSES = ADDRESSES[:12]

# Immediates: zero, the imm8 edges, imm32 edges.
IMM32 = ["0", "1", "-1", "127", "128", "-128", "-129", "1000", "0x7FFFFFFF", "int.MinValue"]
IMM64 = ["0L", "1L", "-1L", "0x7FFFFFFFL", "0x80000000L", "long.MinValue", "0x123456789ABCL", "0xFFFFFFFFFFFFFFFFUL"]
CONDITIONS = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]


def memory(address):
    """The placeholders of one address."""
    return {
        "m": f"__[{address}]",
        "q": f"__qword_ptr[{address}]",
        "d": f"__dword_ptr[{address}]",
        "w": f"__word_ptr[{address}]",
        "b": f"__byte_ptr[{address}]",
        "x": f"__xmmword_ptr[{address}]",
    }


def pairs(registers, step):
    """Every register with the one `step` further on (mod 16): all encodings as destination and source."""
    return [(registers[i], registers[(i + step) % 16]) for i in range(16)]


# ---- Alu: the eight classic ALU operations, each over the same forms --------------------------------

ALU_MNEMONICS = ["add", "@or", "adc", "sbb", "@and", "sub", "xor", "cmp"]

# (registers, step) for the reg, reg forms.
ALU_REGISTER_PAIRS = [(R64, 3), (R32, 5), (R16, 1), (R8, 7)]

# Per address.
ALU_MEMORY_FORMS = ["rax, {q}", "r9d, {d}", "{q}, r14", "{d}, esi", "{b}, sil", "r10b, {b}", "{w}, r8w"]

# (registers, immediates) for reg, imm.
ALU_IMMEDIATES = [
    (["rax", "rcx", "r12"], IMM32),
    (["eax", "edx", "r15d"], IMM32 + ["0xFFFFFFFFu", "0x80000000u"]),
]
ALU_MEMORY_IMMEDIATE_FORMS = ["__qword_ptr[rbp - 8], {i}", "__dword_ptr[r12 + 4], {i}"]  # per IMM32
ALU_SMALL_IMMEDIATE_FORMS = ["__byte_ptr[rax], 5", "al, (byte)5", "cl, (byte)200", "ax, (short)1000", "r9w, (short)5"]


def alu():
    for mnemonic in ALU_MNEMONICS:
        operands = []
        for registers, step in ALU_REGISTER_PAIRS:
            operands += [f"{r}, {s}" for r, s in pairs(registers, step)]
        for address in ALU_ADDRESSES:
            operands += [form.format(**memory(address)) for form in ALU_MEMORY_FORMS]
        for registers, immediates in ALU_IMMEDIATES:
            operands += [f"{r}, {i}" for r in registers for i in immediates]
        operands += [form.format(i=i) for i in IMM32 for form in ALU_MEMORY_IMMEDIATE_FORMS]
        operands += ALU_SMALL_IMMEDIATE_FORMS
        yield from (f"{mnemonic}({o})" for o in operands)


# ---- Mov ---------------------------------------------------------------------------------------------

MOV_REGISTER_PAIRS = [(R64, 1), (R32, 1), (R8, 9)]

# Per address: a load and a store for each register, then a store of an immediate per size.
MOV_MEMORY_REGISTERS = [("q", ["rax", "rcx", "r11", "rsp"]), ("d", ["eax", "r13d"]), ("w", ["ax", "r9w"]), ("b", ["al", "dil", "r15b"])]
MOV_MEMORY_IMMEDIATE_FORMS = ["{q}, -5", "{d}, 100000", "{w}, 1000", "{b}, 200"]

# (registers, immediates) for reg, imm.
MOV_IMMEDIATES = [
    (R64, IMM64),
    (R32, ["0", "-1", "0x7FFFFFFF", "0xFFFFFFFFu"]),
    (R8, ["(byte)7"]),
    (["cx"], ["(short)-3"]),
]


def mov():
    operands = []
    for registers, step in MOV_REGISTER_PAIRS:
        operands += [f"{r}, {s}" for r, s in pairs(registers, step)]
    for address in ADDRESSES:
        operand = memory(address)
        for size, registers in MOV_MEMORY_REGISTERS:
            for r in registers:
                operands += [f"{r}, {operand[size]}", f"{operand[size]}, {r}"]
        operands += [form.format(**operand) for form in MOV_MEMORY_IMMEDIATE_FORMS]
    for registers, immediates in MOV_IMMEDIATES:
        operands += [f"{r}, {i}" for r in registers for i in immediates]
    yield from (f"mov({o})" for o in operands)


# ---- Misc: memory operands of the other instructions, extensions, unary/shift, setcc, no-operand ones --

MISC_MEMORY_FORMS = [
    "lea(rax, {m})", "lea(r12d, {m})",
    "movzx(eax, {b})", "movzx(r9d, {w})", "movzx(rax, {b})", "movsx(ecx, {b})", "movsx(r11, {w})", "movsxd(rdx, {d})",
    "imul(esi, {d})", "imul(r8, {q})", "idiv({d})", "idiv({q})", "div({q})", "inc({q})",
    "push({q})", "pop({q})", "call({q})", "jmp({q})",
    "cmpxchg({q}, r10)", "cmpxchg({d}, ecx)", "neg({q})", "not({d})", "test({q}, rcx)",
]

# Per 32-bit destination r: byte source R8[r + 3], word source R16[r + 2].
MISC_EXTEND32_FORMS = ["movzx({r}, {b})", "movzx({r}, {w})", "movsx({r}, {b})", "movsx({r}, {w})"]
# Per 64-bit destination r: byte source R8[r + 5], word source R16[r + 2], dword source R32[r + 1].
MISC_EXTEND64_FORMS = ["movzx({r}, {b})", "movsx({r}, {b})", "movsx({r}, {w})", "movsxd({r}, {d})"]

MISC_R64_FORMS = [
    "neg({r})", "not({r})", "idiv({r})", "div({r})", "inc({r})", "push({r})", "pop({r})", "call({r})", "jmp({r})",
    "imul({r}, rcx)", "imul({r}, r9, 5)", "imul({r}, r9, 500)", "btc({r}, 63)", "test({r}, rdx)", "test({r}, r13)",
    "shl({r}, 1)", "shl({r}, 5)", "shl({r}, cl)", "shr({r}, 1)", "shr({r}, 5)", "shr({r}, cl)",
    "sar({r}, 1)", "sar({r}, 5)", "sar({r}, cl)",
]
MISC_R32_FORMS = [
    "neg({r})", "idiv({r})", "imul({r}, ecx)", "imul({r}, r9d, -5)", "imul({r}, r9d, 1000)", "test({r}, esi)",
    "shl({r}, 1)", "shl({r}, 31)", "shl({r}, cl)", "shr({r}, 1)", "shr({r}, 31)", "shr({r}, cl)",
    "sar({r}, 1)", "sar({r}, 31)", "sar({r}, cl)",
]
MISC_R8_FORMS = ["test({r}, {r})"] + [f"set{cc}({{r}})" for cc in CONDITIONS]

MISC_FIXED_FORMS = [
    "test(eax, 0x100)", "test(eax, 1)", "test(r10d, 0x100)", "test(r10d, 1)", "test(rax, 8)", "test(r11, 8)",
    "test(al, (byte)1)", "test(bl, (byte)1)",
    "cdq()", "cqo()", "cld()", "leave()", "ret()", "nop()", "syscall()", "ud2()", "int3()",
    "rep.movsb()", "rep.movsq()", "rep.stosb()", "rep.stosq()", "movsb()",
    "db(0x0F, 0x1F, 0x44, 0x00, 0x00)",
]


def misc():
    for address in ADDRESSES:
        yield from (form.format(**memory(address)) for form in MISC_MEMORY_FORMS)
    for i in range(16):
        yield from (form.format(r=R32[i], b=R8[(i + 3) % 16], w=R16[(i + 2) % 16]) for form in MISC_EXTEND32_FORMS)
    for i in range(16):
        yield from (form.format(r=R64[i], b=R8[(i + 5) % 16], w=R16[(i + 2) % 16], d=R32[(i + 1) % 16]) for form in MISC_EXTEND64_FORMS)
    for registers, forms in [(R64, MISC_R64_FORMS), (R32, MISC_R32_FORMS), (R8, MISC_R8_FORMS)]:
        for r in registers:
            yield from (form.format(r=r) for form in forms)
    yield from MISC_FIXED_FORMS


# ---- Sse ---------------------------------------------------------------------------------------------

# xmm, xmm: per destination xmm[i], source xmm[i + 5].
SSE_REGISTER_MNEMONICS = [
    "movsd", "movss", "movaps", "movdqa", "movups", "addsd", "subsd", "mulsd", "divsd", "addss", "subss", "mulss", "divss",
    "ucomisd", "ucomiss", "comisd", "comiss", "cvtsd2ss", "cvtss2sd", "pxor", "movq", "sqrtsd",
]

# Per address: (mnemonic, operand size) loaded into xmm3 and xmm12, then stored from xmm9 and xmm1.
SSE_LOADS = [
    ("movsd", "q"), ("movss", "d"), ("addsd", "q"), ("subsd", "q"), ("mulsd", "q"), ("divsd", "q"), ("addss", "d"), ("mulss", "d"),
    ("ucomisd", "q"), ("cvtsd2ss", "q"), ("cvtss2sd", "d"), ("movq", "q"), ("movd", "d"), ("movups", "x"), ("movdqa", "x"),
]
SSE_LOAD_REGISTERS = ["xmm3", "xmm12"]
SSE_STORES = [("movsd", "q"), ("movss", "d"), ("movups", "x"), ("movdqa", "x"), ("movq", "q"), ("movd", "d")]
SSE_STORE_REGISTERS = ["xmm9", "xmm1"]

# Per register number i: xmm{i} with the general registers of the same number.
SSE_GENERAL_FORMS = [
    "cvtsi2sd({x}, {q})", "cvtsi2sd({x}, {d})", "cvtsi2ss({x}, {q})", "cvtsi2ss({x}, {d})",
    "cvttsd2si({q}, {x})", "cvttsd2si({d}, {x})", "cvttss2si({q}, {x})", "cvttss2si({d}, {x})",
    "movq({x}, {q})", "movq({q}, {x})", "movd({x}, {d})", "movd({d}, {x})",
]


def sse():
    for x, y in pairs(XMM, 5):
        yield from (f"{mnemonic}({x}, {y})" for mnemonic in SSE_REGISTER_MNEMONICS)
    for address in ADDRESSES:
        operand = memory(address)
        for mnemonic, size in SSE_LOADS:
            yield from (f"{mnemonic}({x}, {operand[size]})" for x in SSE_LOAD_REGISTERS)
        for mnemonic, size in SSE_STORES:
            yield from (f"{mnemonic}({operand[size]}, {x})" for x in SSE_STORE_REGISTERS)
    for i in range(16):
        yield from (form.format(x=XMM[i], q=R64[i], d=R32[i]) for form in SSE_GENERAL_FORMS)


# ---- The file ----------------------------------------------------------------------------------------

TESTS = [("Alu", alu), ("Mov", mov), ("Misc", misc), ("Sse", sse)]

HEADER = """\
// The *Forms methods are generated: each body is written once per assembler type so that overload resolution
// picks the matching method on Iced's Assembler and on X64Assembler, and the two results are compared.
// Generated by gen-forms.py (python3 tests/Lantern.X64.Tests/gen-forms.py); edit the tables there, not this file.
using Iced.Intel;
using Lantern.X64;
using static Iced.Intel.AssemblerRegisters;

namespace Lantern.X64.Tests;

public partial class X64AssemblerTests
{
"""


def render():
    lines = [HEADER.rstrip("\n")]
    facts = [f"    [Fact]\n    public void {name}_MatchesIced() => AssertSameAsIced({name}, {name});\n" for name, _ in TESTS]
    lines.append("\n".join(facts))
    for name, body in TESTS:
        calls = [f"        a.{call};" for call in body()]
        for assembler in ["Assembler", "X64Assembler"]:
            lines.append(f"    private static void {name}({assembler} a)")
            lines.append("    {")
            lines += calls
            lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "X64AssemblerTests.Forms.cs")
    with open(path, "w", newline="\n") as f:
        f.write(render())
