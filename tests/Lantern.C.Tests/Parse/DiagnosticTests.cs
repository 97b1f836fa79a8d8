using Lantern.C.Diagnostics;
using Xunit;

namespace Lantern.C.Tests.Parse;

/// <summary>Wrong programs: each case gives the source and every expected error as "line:col: error: message".</summary>
public class DiagnosticTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "int main(void) {\n  return x;\n}", "2:10: error: 'x' undeclared (first use in this function)" },
        { "int y = z;", "1:9: error: 'z' undeclared here (not in a function)" },
        { "int main(void) {\n  int a;\n  a = 1\n  return a;\n}", "3:8: error: expected ';' before 'return'" },
        { "int main(void) {\n  int a;\n  a = 1;\n  return a\n}", "4:11: error: expected ';' before '}' token" },
        { "int main(void) {\n  int a = 1\n  return a;\n}", "3:3: error: expected ',' or ';' before 'return'" },
        { "int main(void) {\n  int a = (1 + 2;\n  return a;\n}", "2:17: error: expected ')' before ';' token" },
        { "int main(void) {\n  for (;;) {\n  return 0;\n}", "4:1: error: expected declaration or statement at end of input" },
        { "int f(int a, int b);\nint main(void) {\n  return f(1);\n}", "3:10: error: too few arguments to function 'f'" },
        { "int f(int a);\nint main(void) {\n  return f(1, 2);\n}", "3:10: error: too many arguments to function 'f'" },
        { "int main(void) {\n  int x = 3;\n  return x();\n}", "3:10: error: called object 'x' is not a function or function pointer" },
        { "struct S { int a; };\nint main(void) {\n  struct S s;\n  return s.b;\n}", "4:11: error: 'struct S' has no member named 'b'" },
        { "int main(void) {\n  int x;\n  x.y = 1;\n  return 0;\n}", "3:4: error: request for member 'y' in something not a structure or union" },
        { "int main(void) {\n  int *p = 0;\n  return p->x;\n}", "3:11: error: request for member 'x' in something not a structure or union" },
        { "int main(void) {\n  int x = 0;\n  return *x;\n}", "3:10: error: invalid type argument of unary '*' (have 'int')" },
        { "int main(void) {\n  5 = 3;\n  return 0;\n}", "2:5: error: lvalue required as left operand of assignment" },
        { "int main(void) {\n  int i;\n  i++ ++;\n  return 0;\n}", "3:7: error: lvalue required as increment operand" },
        { "int main(void) {\n  &1;\n  return 0;\n}", "2:3: error: lvalue required as unary '&' operand" },
        { "int main(void) {\n  const int c = 1;\n  c = 2;\n  return c;\n}", "3:5: error: assignment of read-only variable 'c'" },
        { "int main(void) {\n  const int *p = 0;\n  *p = 2;\n  return 0;\n}", "3:6: error: assignment of read-only location" },
        { "int main(void) {\n  break;\n}", "2:3: error: break statement not within loop or switch" },
        { "int main(void) {\n  continue;\n}", "2:3: error: continue statement not within a loop" },
        { "int main(void) {\n  case 1: return 0;\n}", "2:3: error: case label not within a switch statement" },
        { "int main(void) {\n  default: return 0;\n}", "2:3: error: 'default' label not within a switch statement" },
        { "int main(int n) {\n  switch (n) { case 1: case 1: break; }\n  return 0;\n}", "2:24: error: duplicate case value" },
        { "int main(void) {\n  goto out;\n}", "2:3: error: label 'out' used but not defined" },
        { "struct S { int a; };\nint main(void) {\n  struct S s;\n  return s + 1;\n}", "4:12: error: invalid operands to binary + (have 'struct S' and 'int')" },
        { "int main(void) {\n  int a[-3];\n  return 0;\n}", "2:7: error: size of array 'a' is negative" },
        { "struct T;\nint main(void) {\n  struct T t;\n  return 0;\n}", "3:12: error: storage size of 't' isn't known" },
        { "void f(void);\nint main(void) {\n  int x = f();\n  return x;\n}", "3:11: error: void value not ignored as it ought to be" },
        { "int x;\nint x = 1;\nint x = 2;", "3:5: error: redefinition of 'x'" },
        { "int f(void) { return 1; }\nint f(void) { return 2; }", "2:5: error: redefinition of 'f'" },
        { "int main(void) {\n  int x = 1;\n  int x = 2;\n  return x;\n}", "3:7: error: redefinition of 'x'" },
        { "int f(int);\nint f(long);", "2:5: error: conflicting types for 'f'" },
        { "struct S { int a; };\nint main(void) {\n  struct S s;\n  int i = s;\n  return i;\n}", "4:11: error: incompatible types when initializing type 'int' using type 'struct S'" },
        { "struct S { int a; };\nint main(void) {\n  struct S s;\n  int i;\n  i = s;\n  return i;\n}", "5:5: error: incompatible types when assigning to type 'int' from type 'struct S'" },
        { "struct S { int a; };\nint f(void) {\n  struct S s;\n  return s;\n}", "4:10: error: incompatible types when returning type 'struct S' but 'int' was expected" },
        { "struct S { int a; };\nvoid g(int);\nvoid f(struct S s) {\n  g(s);\n}", "4:5: error: incompatible type for argument 1 of 'g'" },
        { "int main(void) {\n  return sizeof(main);\n}", "2:10: error: invalid application of 'sizeof' to a function type" },
        { "struct T;\nint main(void) {\n  return sizeof(struct T);\n}", "3:10: error: invalid application of 'sizeof' to incomplete type 'struct T'" },
        { "int y;\nint x = y;", "2:9: error: initializer element is not constant" },
        { "struct T;\nint f(struct T *p) {\n  return *p, 0;\n}", "3:10: error: dereferencing pointer to incomplete type 'struct T'" },
        { "int main(void) {\n  double d = 1;\n  switch (d) { }\n  return 0;\n}", "3:11: error: switch quantity not an integer" },
        { "int main(void) {\n  asm(\"nop\");\n}", "2:3: error: inline assembly is not supported" },
        { "int main(void) {\n  int a = 1 +;\n  int b = ;\n  return a + b;\n}", "2:14: error: expected expression before ';' token\n3:11: error: expected expression before ';' token" },
        { "int main(void) {\n  undeclared_fn(1);\n  return y + z;\n}", "3:10: error: 'y' undeclared (first use in this function)\n3:14: error: 'z' undeclared (first use in this function)" },
        { "struct S { int a; } s;\nint main(void) {\n  return s.a.b + s->a;\n}", "3:13: error: request for member 'b' in something not a structure or union\n3:19: error: invalid type argument of '->' (have 'struct S')" },
        { "_Static_assert(sizeof(int) == 8, \"int is 8 bytes\");", "1:1: error: static assertion failed: \"int is 8 bytes\"" },
        { "int main(void) {\n  int a[2] = { 1, 2 };\n  a = 0;\n  return 0;\n}", "3:5: error: assignment to expression with array type" },
        { "int main(void) {\n  foo x = 1;\n  return x;\n}", "2:3: error: unknown type name 'foo'" },
        { "foo bar;\nint main(void) { return 0; }", "1:1: error: unknown type name 'foo'" },
        { "int f(int a, size_t n);", "1:14: error: unknown type name 'size_t'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsErrorAtPosition(string source, string expected)
    {
        CompileResult r = FrontEndTestUtil.Compile(source);
        Assert.False(r.Success);
        var errors = r.Diagnostics.Items
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{d.Location.Line}:{d.Location.Column}: error: {d.Message}");
        Assert.Equal(expected, string.Join("\n", errors));
    }

    [Fact]
    public void ImplicitDeclarationIsAWarningAndReturnsInt()
    {
        CompileResult r = FrontEndTestUtil.Compile("int main(void) {\n  return puts(\"x\") + 1;\n}");
        Assert.True(r.Success, r.Diagnostics.FormatAll());
        Diagnostic w = Assert.Single(r.Diagnostics.Items);
        Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
        Assert.Equal("implicit declaration of function 'puts'", w.Message);
        Assert.Equal((2, 10), (w.Location.Line, w.Location.Column));
    }

    [Fact]
    public void FormattedWithFileLineColumnAndCaret()
    {
        CompileResult r = FrontEndTestUtil.Compile("int main(void) {\n  return x;\n}", "prog.c");
        Assert.Equal("prog.c:2:10: error: 'x' undeclared (first use in this function)\n  return x;\n         ^\n", r.Diagnostics.FormatAll());
    }

    [Fact]
    public void DeepNestingIsAnErrorNotACrash()
    {
        string deep = "int x = " + new string('(', 100000) + "1" + new string(')', 100000) + ";\nint main(void) { return " + string.Concat(Enumerable.Repeat("- ", 200000)) + "1; }";
        CompileResult r = FrontEndTestUtil.Compile(deep);
        Assert.False(r.Success);
        Assert.Contains(r.Diagnostics.Items, d => d.Message.Contains("too deeply nested"));
    }

    [Fact]
    public void ModeratelyDeepNestingCompiles()
    {
        FrontEndTestUtil.CompileOk("int x = " + new string('(', 300) + "1" + new string(')', 300) + ";\nint f(int a) { return " + string.Concat(Enumerable.Repeat("- ", 300)) + "a; }");
    }

    [Fact]
    public void MissingSemicolonAtEndOfStructIsAWarning()
    {
        CompileResult r = FrontEndTestUtil.Compile("struct S { int a; int b } s;");
        Assert.True(r.Success, r.Diagnostics.FormatAll());
        Diagnostic w = Assert.Single(r.Diagnostics.Items);
        Assert.Equal("no semicolon at end of struct or union", w.Message);
        Assert.Equal((1, 25), (w.Location.Line, w.Location.Column));
    }

    [Fact]
    public void TooManyInitializersIsAWarning()
    {
        CompileResult r = FrontEndTestUtil.Compile("int a[2] = { 1, 2, 3 };");
        Assert.True(r.Success);
        Assert.Equal("excess elements in array initializer", Assert.Single(r.Diagnostics.Items).Message);
    }
}
