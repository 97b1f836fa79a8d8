using Lantern.C.Diagnostics;
using Lantern.C.Lex;
using Lantern.C.Preprocess;
using Xunit;

namespace Lantern.C.Tests.Preprocess;

public class PreprocessorTests
{
    internal static List<Token> Run(string src, out DiagnosticBag diags, PreprocessorOptions? options = null, string name = "t.c")
    {
        diags = new DiagnosticBag();
        var pp = new Preprocessor(options ?? new PreprocessorOptions(), diags);
        return pp.PreprocessText(name, src);
    }

    /// <summary>Preprocesses and returns the tokens separated by single spaces (no errors allowed).</summary>
    internal static string Pp(string src, PreprocessorOptions? options = null)
    {
        List<Token> toks = Run(src, out DiagnosticBag diags, options);
        Assert.False(diags.HasErrors, diags.FormatAll());
        Assert.Equal(TokenKind.EndOfFile, toks[^1].Kind);
        return string.Join(" ", toks.SkipLast(1).Select(t => t.Text));
    }

    /// <summary>Lexes <paramref name="text"/> and joins its tokens with single spaces.</summary>
    internal static string Norm(string text)
    {
        List<Token> toks = Lexer.Tokenize(new SourceFile("e.c", text, 0), new DiagnosticBag());
        return string.Join(" ", toks.SkipLast(1).Select(t => t.Text));
    }

    [Fact]
    public void ObjectLikeMacros()
    {
        Assert.Equal("int x = 1 + 2 ;", Pp("#define A 1\n#define B A + 2\nint x = B;"));
        Assert.Equal("a", Pp("#define E\nE a E"));
    }

    [Fact]
    public void SelfReferenceIsNotExpandedAgain()
    {
        Assert.Equal("foo + 1", Pp("#define foo foo + 1\nfoo"));
        Assert.Equal("( 1 + f ( 1 ) )", Pp("#define f(x) (x + f(x))\nf(1)"));
    }

    [Fact]
    public void IndirectRecursion()
    {
        // As gcc: each name is hidden only inside its own expansion.
        Assert.Equal(Norm("x + x + x + y"), Pp("#define x x + y\n#define y x\nx + y"));
    }

    [Fact]
    public void HideSetExampleFromTheStandard()
    {
        // C11 6.10.3.4 EXAMPLE: the result is 2*9*g.
        Assert.Equal(Norm("2*9*g"), Pp("#define f(a) a*g\n#define g(a) f(a)\nf(2)(9)"));
    }

    [Fact]
    public void C11Example3()
    {
        string src = @"#define x 3
#define f(a) f(x * (a))
#undef x
#define x 2
#define g f
#define z z[0]
#define h g(~
#define m(a) a(w)
#define w 0,1
#define t(a) a
#define p() int
#define q(x) x
#define r(x,y) x ## y
#define str(x) # x
f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);
g(x+(3,4)-w) | h 5) & m
(f)^m(m);
p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };
char c[2][6] = { str(hello), str() };
";
        string expected = @"f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);
f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);
int i[] = { 1, 23, 4, 5, };
char c[2][6] = { ""hello"", """" };";
        Assert.Equal(Norm(expected), Pp(src));
    }

    [Fact]
    public void C11Example4()
    {
        string src = @"#define str(s) # s
#define xstr(s) str(s)
#define debug(s, t) printf(""x"" # s ""= %d, x"" # t ""= %s"", \
 x ## s, x ## t)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW ""hello""
#define LOW LOW "", world""
debug(1, 2);
fputs(str(strncmp(""abc\0d"", ""abc"", '\4') // this goes away
 == 0) str(: @\n), s);
xstr(INCFILE(2).h)
glue(HIGH, LOW);
xglue(HIGH, LOW)
";
        string expected = @"printf(""x"" ""1"" ""= %d, x"" ""2"" ""= %s"", x1, x2);
fputs(""strncmp(\""abc\\0d\"", \""abc\"", '\\4') == 0"" "": @\n"", s);
""vers2.h""
""hello"";
""hello"" "", world""";
        Assert.Equal(Norm(expected), Pp(src));
    }

    [Fact]
    public void C11Example5Placemarkers()
    {
        string src = "#define t(x,y,z) x ## y ## z\nint j[] = { t(1,2,3), t(,4,5), t(6,,7), t(8,9,),\n t(10,,), t(,11,), t(,,12), t(,,) };";
        Assert.Equal(Norm("int j[] = { 123, 45, 67, 89, 10, 11, 12, };"), Pp(src));
    }

    [Fact]
    public void C11Example7Variadic()
    {
        string src = @"#define debug(...) fprintf(stderr, __VA_ARGS__)
#define showlist(...) puts(#__VA_ARGS__)
#define report(test, ...) ((test)?puts(#test):\
 printf(__VA_ARGS__))
debug(""Flag"");
debug(""X = %d\n"", x);
showlist(The first, second, and third items.);
report(x>y, ""x is %d but y is %d"", x, y);
";
        string expected = @"fprintf(stderr, ""Flag"" );
fprintf(stderr, ""X = %d\n"", x );
puts( ""The first, second, and third items."" );
((x>y)?puts(""x>y""): printf(""x is %d but y is %d"", x, y));";
        Assert.Equal(Norm(expected), Pp(src));
    }

    [Fact]
    public void StringifySpacing()
    {
        Assert.Equal("\"a + b\" \"a+b\" \"\\\"x\\\\n\\\" 'c'\" \"\"", Pp("#define s(x) #x\ns( a   +  b ) s(a+b) s(\"x\\n\" 'c') s()"));
    }

    [Fact]
    public void PasteOperator()
    {
        Assert.Equal("xy 12 += <<= x_1", Pp("#define c(a,b) a##b\nc(x,y) c(1,2) c(+,=) c(<<,=) c(x_,1)"));
        Assert.Equal("L\"s\"", Pp("#define w(s) L ## s\nw(\"s\")"));
    }

    [Fact]
    public void PasteResultIsRescanned()
    {
        Assert.Equal("42", Pp("#define AB 42\n#define c(a,b) a##b\nc(A,B)"));
    }

    [Fact]
    public void GnuCommaPaste()
    {
        string src = "#define e(fmt, ...) f(fmt, ##__VA_ARGS__)\ne(\"a\") e(\"b\", 1, 2)";
        Assert.Equal("f ( \"a\" ) f ( \"b\" , 1 , 2 )", Pp(src));
    }

    [Fact]
    public void GnuCommaPasteKeepsCommaForEmptyButPresentArguments()
    {
        // As gcc: the comma goes only when the variable arguments are omitted altogether.
        Assert.Equal("1 end 1 , end 1 , 2 , 3 end", Pp("#define v2(a, ...) a, ## __VA_ARGS__ end\nv2(1) v2(1,) v2(1,2,3)"));
        Assert.Equal("x x , 1", Pp("#define v(...) x , ## __VA_ARGS__\nv() v(1)"));
    }

    [Fact]
    public void C11PasteExampleHashHash()
    {
        // C11 6.10.3.3 EXAMPLE: ## in an object-like macro pastes two # into ##.
        string src = "#define hash_hash # ## #\n#define mkstr(a) # a\n#define in_between(a) mkstr(a)\n#define join(c, d) in_between(c hash_hash d)\nchar p[] = join(x, y);";
        Assert.Equal("char p [ ] = \"x ## y\" ;", Pp(src));
    }

    [Fact]
    public void TortureCasesMatchGcc()
    {
        string src = @"#define CAT(a, b) a ## b
#define XCAT(a, b) CAT(a, b)
#define EMPTY
#define LPAREN (
#define RPAREN )
#define F(x, y) x + y
#define ELLIP_FUNC(...) __VA_ARGS__
ELLIP_FUNC(F, LPAREN, 'a', 'b', RPAREN);
XCAT(x, XCAT(y, z)) CAT(x, CAT(y, z))
#define AA BB
#define BB AA
AA BB
#define f(x) g(x
#define g(x) x)
f(1) 2)
#define str(x) #x
#define xstr(x) str(x)
xstr(__LINE__) str(__LINE__) xstr(EMPTY) str( a  EMPTY  b ) str(""\"""" '\'' ""a\\b"")
#define q(x) x
q(q)(1) q(q(q))(2)
#define NIL(x) x
#define G_0(arg) NIL(G_1)(arg)
#define G_1(arg) NIL(arg)
G_0(42)
#define m() mm
m() m( )
#define obj (obj + 1)
#define fn(x) fn(x + obj)
fn(fn(obj))
#define i(x) x
#define j i(
j 5)
#define lparen (
#define call(f) f lparen 1 )
call(i)
#define z z[0]
#define h(a) a + z
h(z)
-EMPTY-  +EMPTY+ x/**/y
#define PLUS +
+PLUS -PLUS- a PLUS+ b
#define v(...) __VA_ARGS__ / #__VA_ARGS__
v() v(a,b) v( a , b )
";
        string gcc = @"F, (, 'a', 'b', );
xyz xCAT(y, z)
AA BB
1 2)
""18"" ""__LINE__"" """" ""a EMPTY b"" ""\""\\\""\"" '\\'' \""a\\\\b\""""
q(1) q(2)
42
mm mm
fn(fn((obj + 1) + (obj + 1)) + (obj + 1))
5
i ( 1 )
z[0] + z[0]
- - + + x y
+ + -+- a + + b
/ """" a,b / ""a,b"" a , b / ""a , b""";
        Assert.Equal(Norm(gcc), Pp(src));
    }

    [Fact]
    public void NamedVariadicParameter()
    {
        Assert.Equal("g ( 1 , 2 , 3 )", Pp("#define f(args...) g(args)\nf(1, 2, 3)"));
    }

    [Fact]
    public void VaOpt()
    {
        Assert.Equal("f ( a ) f ( a , b )", Pp("#define F(x, ...) f(x __VA_OPT__(,) __VA_ARGS__)\nF(a) F(a, b)"));
    }

    [Fact]
    public void ArgumentsArePreExpanded()
    {
        Assert.Equal("( 1 ) \"ONE\"", Pp("#define ONE 1\n#define p(x) (x)\n#define s(x) #x\np(ONE) s(ONE)"));
    }

    [Fact]
    public void FunctionLikeNameWithoutParensIsNotExpanded()
    {
        Assert.Equal("f + 1 ( 2 )", Pp("#define f(x) x\nf + f(1)(2)"));
    }

    [Fact]
    public void InvocationMaySpanLinesAndComeFromExpansion()
    {
        Assert.Equal("a + b", Pp("#define add(x, y) x + y\n#define ADD add\nADD(a,\n b)"));
    }

    [Fact]
    public void NestedParensAndCommasInArguments()
    {
        Assert.Equal("g ( ( a , b ) , c )", Pp("#define f(x, y) g(x, y)\nf((a, b), c)"));
    }

    [Fact]
    public void Conditionals()
    {
        string src = @"#define A 2
#if A == 2
yes1
#else
no1
#endif
#if A > 5
no2
#elif defined A && defined(A)
yes2
#elif 1
no3
#endif
#ifdef B
no4
#elif !defined B
yes3
#endif
#ifndef A
no5
#else
yes4
#endif
#if 0
#if 1
no6
#else
no7
#endif
#error not reached
#endif
";
        Assert.Equal("yes1 yes2 yes3 yes4", Pp(src));
    }

    [Theory]
    [InlineData("1 + 2 * 3 == 7", true)]
    [InlineData("(1 + 2) * 3 == 9", true)]
    [InlineData("-1 < 0", true)]
    [InlineData("-1 < 0u", false)]
    [InlineData("0xffffffffffffffff == -1", true)]
    [InlineData("18446744073709551615u / 2 == 9223372036854775807", true)]
    [InlineData("1 << 62 > 0", true)]
    [InlineData("-16 >> 2 == -4", true)]
    [InlineData("7 % 3 == 1 && 7 / 2 == 3", true)]
    [InlineData("0 && 1 / 0", false)]
    [InlineData("1 || 1 / 0", true)]
    [InlineData("1 ? 2 : 1 / 0", true)]
    [InlineData("'a' == 97 && '\\n' == 10 && '\\377' < 0", true)]
    [InlineData("UNDEFINED_NAME == 0", true)]
    [InlineData("~0 == -1 && !0 == 1 && (3 ^ 5) == 6 && (3 | 5) == 7 && (3 & 5) == 1", true)]
    [InlineData("010 == 8 && 0x10 == 16 && 0b101 == 5 && 10LL == 10 && 10ull == 10", true)]
    [InlineData("(2 || 0) == 1", true)]
    [InlineData("0 ? 1 : 0 ? 2 : 3", true)]
    [InlineData("__STDC_VERSION__ >= 201112L && __x86_64__ && __LP64__ && __CHAR_BIT__ == 8", true)]
    [InlineData("defined __GNUC__", false)]
    [InlineData("__LANTERN__ && __SIZEOF_POINTER__ == 8 && __INT_MAX__ == 2147483647", true)]
    public void IfExpressions(string expr, bool expected)
    {
        Assert.Equal(expected ? "yes" : "no", Pp($"#if {expr}\nyes\n#else\nno\n#endif"));
    }

    [Fact]
    public void DefinedFromMacroExpansion()
    {
        Assert.Equal("yes", Pp("#define X\n#define D defined(X)\n#if D\nyes\n#endif"));
    }

    [Fact]
    public void SpecialMacros()
    {
        string src = "__FILE__ __LINE__\n__LINE__ __COUNTER__ __COUNTER__ __INCLUDE_LEVEL__ __BASE_FILE__\n#line 100 \"other.c\"\n__LINE__ __FILE__";
        Assert.Equal("\"t.c\" 1 2 0 1 0 \"t.c\" 100 \"other.c\"", Pp(src));
        Assert.Matches("^\"[A-Z][a-z][a-z] [ 123][0-9] [0-9]{4}\" \"[0-9]{2}:[0-9]{2}:[0-9]{2}\"$", Pp("__DATE__ __TIME__"));
    }

    [Fact]
    public void LineDirectiveChangesLocations()
    {
        List<Token> toks = Run("a\n#line 50 \"x.c\"\nb\nc", out DiagnosticBag d);
        Assert.False(d.HasErrors);
        Assert.Equal("t.c:1:1", toks[0].Location.ToString());
        Assert.Equal("x.c:50:1", toks[1].Location.ToString());
        Assert.Equal("x.c:51:1", toks[2].Location.ToString());
        Assert.Equal(3, toks[1].Location.Line);
    }

    [Fact]
    public void ExpansionGetsInvocationLocation()
    {
        List<Token> toks = Run("#define M(x) 1 + x\n\n  M(a)", out _);
        Assert.All(toks.Take(3).Where(t => t.Text != "a"), t => Assert.Equal("t.c:3:3", t.Location.ToString()));
        Assert.Equal("t.c:3:5", toks[2].Location.ToString());
        Assert.True(toks[0].AtStartOfLine);
    }

    [Fact]
    public void CommandLineDefines()
    {
        var o = new PreprocessorOptions();
        o.Defines.Add(("FOO", null));
        o.Defines.Add(("BAR", "2 + 3"));
        o.Defines.Add(("SQ(x)", "((x)*(x))"));
        o.Defines.Add(("GONE", "1"));
        o.Undefines.Add("GONE");
        o.Undefines.Add("__x86_64__");
        Assert.Equal("1 2 + 3 ( ( 4 ) * ( 4 ) ) GONE __x86_64__", Pp("FOO BAR SQ(4) GONE __x86_64__", o));
    }

    [Fact]
    public void PredefinedTypes()
    {
        Assert.Equal("long unsigned int long int int", Pp("__SIZE_TYPE__ __PTRDIFF_TYPE__ __WCHAR_TYPE__"));
    }

    [Fact]
    public void PragmaAndNullDirective()
    {
        Assert.Equal("a b", Pp("#\n# pragma whatever\n#pragma STDC FP_CONTRACT ON\na _Pragma(\"GCC something\") b"));
    }

    [Fact]
    public void PushPopMacro()
    {
        Assert.Equal("1 2 1", Pp("#define X 1\nX\n#pragma push_macro(\"X\")\n#undef X\n#define X 2\nX\n#pragma pop_macro(\"X\")\nX"));
    }

    [Fact]
    public void DirectivesInsideMacroArguments()
    {
        Assert.Equal("( b )", Pp("#define f(x) (x)\nf(\n#ifdef NOPE\na\n#else\nb\n#endif\n)"));
    }

    [Fact]
    public void DirectiveBetweenNameAndParenPreventsTheCall()
    {
        // As gcc: f, a directive, then ( is not an invocation; a directive inside the arguments is fine.
        Assert.Equal("[ 2 ] [ 3 ] f ( 4 ) g ( 1 )", Pp("#define f(x) [x]\nf(\n#define Q 2\nQ)\nf\n\n(3)\nf /* c */\n#\n(4)\n#define g(x) <x>\ng\n#define Z 1\n(Z)"));
    }

    [Fact]
    public void SkippedGroupsMayContainAnything()
    {
        Assert.Equal("ok", Pp("#if 0\ndon't @ care\n#bogus directive\n#else\nok\n#endif"));
    }

    [Fact]
    public void StrayCharacterInStringifiedArgumentIsFine()
    {
        Assert.Equal("\"@\"", Pp("#define s(x) #x\ns(@)"));
    }

    [Fact]
    public void RedefinitionWarns()
    {
        Run("#define A 1\n#define A 1\n#define A  1\n#define A 2\nA", out DiagnosticBag d);
        Assert.False(d.HasErrors);
        Diagnostic w = Assert.Single(d.Items, i => i.Severity == DiagnosticSeverity.Warning);
        Assert.Equal("\"A\" redefined", w.Message);
        Assert.Equal(4, w.Location.Line);
    }

    [Fact]
    public void PrinterPutsNewlinesAndSpaces()
    {
        List<Token> toks = Run("#define P +\nint  x=1 P+2;\n  y;\n#define N(x) -x\n-N(1)", out _);
        Assert.Equal("int x=1 + +2;\ny;\n- -1\n", TokenPrinter.Print(toks));
    }

    [Fact]
    public void EmptyInputGivesEndOfFile()
    {
        List<Token> toks = Run("", out _);
        Assert.Single(toks);
        Assert.Equal(TokenKind.EndOfFile, toks[0].Kind);
        Assert.Equal("", TokenPrinter.Print(toks));
    }
}
