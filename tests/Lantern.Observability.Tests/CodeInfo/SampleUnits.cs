namespace Lantern.Observability.Tests.CodeInfoTests;

/// <summary>Hand-written machine code with hand-written CodeInfo, shared by the CodeInfo, ELF and DWARF tests.</summary>
internal static class SampleUnits
{
    /// <summary>
    /// <c>int add(int a, int b)</c>: push rbp; mov rbp,rsp; mov [rbp-4],edi; mov [rbp-8],esi; mov eax,[rbp-4];
    /// add eax,[rbp-8]; pop rbp; ret.
    /// </summary>
    public static readonly byte[] AddCode =
    [
        0x55,                   // 0x00 push rbp
        0x48, 0x89, 0xe5,       // 0x01 mov rbp, rsp
        0x89, 0x7d, 0xfc,       // 0x04 mov [rbp-4], edi
        0x89, 0x75, 0xf8,       // 0x07 mov [rbp-8], esi
        0x8b, 0x45, 0xfc,       // 0x0a mov eax, [rbp-4]
        0x03, 0x45, 0xf8,       // 0x0d add eax, [rbp-8]
        0x5d,                   // 0x10 pop rbp
        0xc3,                   // 0x11 ret
    ];

    /// <summary>
    /// <c>int twice(int x)</c>: push rbp; mov rbp,rsp; sub rsp,16; mov [rbp-4],edi; mov eax,[rbp-4]; add eax,eax;
    /// leave; ret.
    /// </summary>
    public static readonly byte[] TwiceCode =
    [
        0x55,                   // 0x00 push rbp
        0x48, 0x89, 0xe5,       // 0x01 mov rbp, rsp
        0x48, 0x83, 0xec, 0x10, // 0x04 sub rsp, 16
        0x89, 0x7d, 0xfc,       // 0x08 mov [rbp-4], edi
        0x8b, 0x45, 0xfc,       // 0x0b mov eax, [rbp-4]
        0x01, 0xc0,             // 0x0e add eax, eax
        0xc9,                   // 0x10 leave
        0xc3,                   // 0x11 ret
    ];

    /// <summary>
    /// A unit with <c>add</c> at <paramref name="addAddress"/> and <c>twice</c> 0x40 bytes after it; the frame base
    /// is the CFA (rbp + 16) or, with <paramref name="rbpFrameBase"/>, rbp itself.
    /// </summary>
    public static CompilationUnitInfo Simple(ulong addAddress = 0x7f12_3456_0000, bool rbpFrameBase = false)
    {
        FrameBase frameBase = rbpFrameBase ? FrameBase.Rbp : FrameBase.CallFrameCfa;
        long rbpToFrameBase = rbpFrameBase ? 0 : -16;
        var unit = new CompilationUnitInfo("simple.c", "/tmp/lantern-src", "Lantern test", 0x1d);
        FileId file = unit.AddFile("simple.c");
        TypeId intType = unit.Types.AddBase("int", BaseTypeEncoding.Signed, 4);

        var add = new CodeInfo("add", addAddress, (uint)AddCode.Length) { DeclFile = file, DeclLine = 1, ReturnType = intType, FrameBase = frameBase };
        add.AddParameter(new VariableInfo("a", intType, VariableLocation.FrameOffset(-4 + rbpToFrameBase)) { DeclFile = file, DeclLine = 1 });
        add.AddParameter(new VariableInfo("b", intType, VariableLocation.FrameOffset(-8 + rbpToFrameBase)) { DeclFile = file, DeclLine = 1 });
        add.AddLine(0x00, file, 2, 1);
        add.AddLine(0x0a, file, 3, 14, LineFlags.IsStatement | LineFlags.PrologueEnd);
        add.AddLine(0x10, file, 4, 1, LineFlags.IsStatement | LineFlags.EpilogueBegin);
        add.AddCfi(Cfi.StandardFramePointer(0, 1, 0x10));
        unit.AddFunction(add);

        var twice = new CodeInfo("twice", addAddress + 0x40, (uint)TwiceCode.Length) { DeclFile = file, DeclLine = 6, ReturnType = intType, FrameBase = frameBase };
        twice.AddParameter(new VariableInfo("x", intType, VariableLocation.FrameOffset(-4 + rbpToFrameBase)) { DeclFile = file, DeclLine = 6 });
        twice.AddLine(0x00, file, 7, 1);
        twice.AddLine(0x0b, file, 8, 12, LineFlags.IsStatement | LineFlags.PrologueEnd);
        twice.AddLine(0x10, file, 9, 1, LineFlags.IsStatement | LineFlags.EpilogueBegin);
        twice.AddCfi(Cfi.StandardFramePointer(0, 1, 0x10));
        unit.AddFunction(twice);
        return unit;
    }

    /// <summary>The code of a function of <see cref="Simple"/>.</summary>
    public static byte[] CodeOf(CodeInfo function) => function.Name switch
    {
        "add" => AddCode,
        "twice" => TwiceCode,
        _ => new byte[function.Size],
    };

    /// <summary>A unit exercising every type kind, scopes, location kinds, several files and CFI shapes.</summary>
    public static CompilationUnitInfo Rich(ulong baseAddress = 0x5555_0000_1000)
    {
        var unit = new CompilationUnitInfo("rich.c", "/home/user/project", "Lantern 0.1 (rich)", 0x1d);
        FileId main = unit.AddFile("rich.c");
        FileId header = unit.AddFile("/usr/include/rich.h");
        FileId sub = unit.AddFile("sub/inner.h");
        TypeTable t = unit.Types;
        TypeId intType = t.AddBase("int", BaseTypeEncoding.Signed, 4);
        TypeId uintType = t.AddBase("unsigned int", BaseTypeEncoding.Unsigned, 4);
        TypeId charType = t.AddBase("char", BaseTypeEncoding.SignedChar, 1);
        TypeId ucharType = t.AddBase("unsigned char", BaseTypeEncoding.UnsignedChar, 1);
        TypeId doubleType = t.AddBase("double", BaseTypeEncoding.Float, 8);
        TypeId boolType = t.AddBase("_Bool", BaseTypeEncoding.Boolean, 1);
        TypeId node = t.DeclareStruct("node");
        TypeId nodePtr = t.AddPointer(node);
        t.CompleteStruct(node, 24,
        [
            new MemberInfo("value", intType, 0),
            new MemberInfo("next", nodePtr, 8),
            new MemberInfo("flags", uintType, 16, BitSize: 3, BitOffset: 128),
            new MemberInfo("mode", uintType, 16, BitSize: 5, BitOffset: 131),
            new MemberInfo(null, ucharType, 17),
        ]);
        TypeId opaque = t.DeclareStruct("opaque");
        TypeId opaquePtr = t.AddPointer(opaque);
        TypeId number = t.AddStruct(null, 8, [new MemberInfo("i", intType, 0), new MemberInfo("d", doubleType, 0)], isUnion: true);
        TypeId color = t.AddEnum("color", uintType, 4, [new EnumeratorInfo("RED", 0), new EnumeratorInfo("GREEN", 1), new EnumeratorInfo("BLUE", -7)]);
        TypeId nodeT = t.AddTypedef("node_t", node);
        TypeId ints = t.AddArray(intType, 10);
        TypeId matrix = t.AddArray(doubleType, 2, 3);
        TypeId unknown = t.AddArray(charType, [null]);
        TypeId callback = t.AddSubroutine(intType, [intType, t.AddPointer(null)], isVariadic: true);
        TypeId callbackPtr = t.AddPointer(callback);
        TypeId voidFn = t.AddSubroutine(null, [], isPrototyped: false);
        TypeId constChar = t.AddQualified(TypeQualifier.Const, charType);
        TypeId constCharPtr = t.AddPointer(constChar);
        TypeId volatileInt = t.AddQualified(TypeQualifier.Volatile, intType);
        TypeId constVoid = t.AddQualified(TypeQualifier.Const, null);
        TypeId voidTypedef = t.AddTypedef("nothing", null);
        TypeId restrictPtr = t.AddQualified(TypeQualifier.Restrict, t.AddPointer(intType));
        TypeId atomicInt = t.AddQualified(TypeQualifier.Atomic, intType);

        unit.AddGlobal(new VariableInfo("counter", volatileInt, VariableLocation.Absolute(0x5555_0020_0000)) { DeclFile = main, DeclLine = 3, IsExternal = true });
        unit.AddGlobal(new VariableInfo("table", ints, VariableLocation.Absolute(0x5555_0020_0010)) { DeclFile = header, DeclLine = 40 });

        var walk = new CodeInfo("walk", baseAddress, 0x180) { DeclFile = main, DeclLine = 10, ReturnType = intType };
        walk.AddParameter(new VariableInfo("list", t.AddPointer(nodeT), VariableLocation.FrameOffset(-24)) { DeclFile = main, DeclLine = 10 });
        walk.AddParameter(new VariableInfo("fn", callbackPtr, VariableLocation.FrameOffset(-32)) { DeclFile = main, DeclLine = 10 });
        walk.AddVariable(walk.RootScope, new VariableInfo("total", intType, VariableLocation.FrameOffset(-36)) { DeclFile = main, DeclLine = 11 });
        walk.AddVariable(walk.RootScope, new VariableInfo("c", color, VariableLocation.InRegister(X64Registers.Rbx)) { DeclFile = main, DeclLine = 12, ValidFrom = 0x20, ValidTo = 0x60 });
        ScopeId loop = walk.AddScope(walk.RootScope, 0x30, 0x120);
        walk.AddVariable(loop, new VariableInfo("p", nodePtr, VariableLocation.FrameOffset(-48)) { DeclFile = main, DeclLine = 14 });
        ScopeId inner = walk.AddScope(loop, 0x40, 0x100);
        walk.AddVariable(inner, new VariableInfo("u", number, VariableLocation.FrameOffset(-56)) { DeclFile = sub, DeclLine = 2 });
        walk.AddVariable(inner, new VariableInfo("m", matrix, VariableLocation.FrameOffset(-104)) { DeclFile = sub, DeclLine = 3 });
        walk.AddVariable(inner, new VariableInfo("x", t.AddPointer(opaquePtr), VariableLocation.InRegister(X64Registers.Xmm0 + 20)));
        ScopeId second = walk.AddScope(walk.RootScope, 0x120, 0x170);
        walk.AddVariable(second, new VariableInfo("s", constCharPtr, VariableLocation.FrameOffset(-112)) { DeclFile = main, DeclLine = 30 });
        walk.AddVariable(second, new VariableInfo("name", unknown, VariableLocation.FrameOffset(-120)) { DeclFile = main, DeclLine = 31 });
        walk.AddVariable(second, new VariableInfo("flag", boolType, VariableLocation.FrameOffset(-121)) { DeclFile = main, DeclLine = 32 });
        walk.AddLine(0x000, main, 10, 1);
        walk.AddLine(0x008, main, 11, 9, LineFlags.IsStatement | LineFlags.PrologueEnd);
        walk.AddLine(0x010, main, 12, 5);
        walk.AddLine(0x014, main, 12, 20, LineFlags.None);
        walk.AddLine(0x030, main, 14, 5);
        walk.AddLine(0x040, sub, 2, 3);
        walk.AddLine(0x050, sub, 3, 3);
        walk.AddLine(0x058, main, 14, 5, LineFlags.None);
        walk.AddLine(0x060, main, 200, 7);
        walk.AddLine(0x100, main, 13, 1);
        walk.AddLine(0x108, main, 13, 1);
        walk.AddLine(0x120, header, 30000, 2);
        walk.AddLine(0x170, main, 40, 1, LineFlags.IsStatement | LineFlags.EpilogueBegin);
        walk.AddLine(0x175, main, 42, 3);
        walk.AddCfi(Cfi.StandardFramePointer(0, 1, 0x170, 0x175));
        unit.AddFunction(walk);

        var helper = new CodeInfo("helper", baseAddress + 0x200, 0x20)
        {
            LinkageName = "helper$1",
            IsExternal = false,
            FrameBase = FrameBase.Rbp,
            DeclFile = header,
            DeclLine = 50,
            IsPrototyped = false,
        };
        helper.AddParameter(new VariableInfo("v", constVoid is { } ? t.AddPointer(constVoid) : intType, VariableLocation.FrameOffset(-8)));
        helper.AddParameter(new VariableInfo("n", voidTypedef is { } ? t.AddPointer(voidTypedef) : intType, VariableLocation.InRegister(X64Registers.Rsi)));
        helper.AddVariable(helper.RootScope, new VariableInfo("f", t.AddPointer(voidFn), VariableLocation.FrameOffset(-16)));
        helper.AddVariable(helper.RootScope, new VariableInfo("r", restrictPtr, VariableLocation.FrameOffset(-24)));
        helper.AddVariable(helper.RootScope, new VariableInfo("at", atomicInt, VariableLocation.FrameOffset(-28)));
        helper.AddLine(0x00, header, 50, 0);
        helper.AddCfi(Cfi.StandardFramePointer(0, 1, 0x1e));
        unit.AddFunction(helper);

        // A function without lines, frame pointer or CFI rows (a leaf stub).
        var stub = new CodeInfo("stub", baseAddress + 0x300, 0x400) { ReturnType = null };
        stub.AddCfi([new CfiRow(0x100, new CfiOp.DefCfaOffset(16)), new CfiRow(0x100, new CfiOp.SavedAt(X64Registers.R15, -16)), new CfiRow(0x200, new CfiOp.SameValue(X64Registers.R15)), new CfiRow(0x210, new CfiOp.DefCfa(X64Registers.Rsp, 8))]);
        unit.AddFunction(stub);
        return unit;
    }
}
