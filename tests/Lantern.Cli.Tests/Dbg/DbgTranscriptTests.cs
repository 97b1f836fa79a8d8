using System.Text.RegularExpressions;

namespace Lantern.Cli.Tests.Dbg;

/// <summary>
/// Transcript tests of every <c>lantern dbg</c> command on both targets (the JIT, and the interpreter with
/// <c>--interp</c>): the same commands must give the same transcript (gdb's wording; addresses normalised).
/// </summary>
public class DbgTranscriptTests
{
    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Break_Tbreak_InfoBreakpoints_Run_Continue(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break sum", "b square", "tbreak prog.c:26", "info breakpoints", "run", "c", "info b", "continue", "c");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 14.
            Breakpoint 2 at ADDR: file prog.c, line 8.
            Temporary breakpoint 3 at ADDR: file prog.c, line 26.
            Num     Type           Disp Enb Address            What
            1       breakpoint     keep y   ADDR in sum at prog.c:14
            2       breakpoint     keep y   ADDR in square at prog.c:8
            3       breakpoint     del  y   ADDR in main at prog.c:26

            Breakpoint 1, sum (a=ADDR, n=4) at prog.c:14
            14	    int s = 0;

            Breakpoint 2, square (n=3) at prog.c:8
            8	    int r = n * n;
            Num     Type           Disp Enb Address            What
            1       breakpoint     keep y   ADDR in sum at prog.c:14
            	breakpoint already hit 1 time
            2       breakpoint     keep y   ADDR in square at prog.c:8
            	breakpoint already hit 1 time
            3       breakpoint     del  y   ADDR in main at prog.c:26

            Temporary breakpoint 3, main (argc=1, argv=ADDR) at prog.c:26
            26	    printf("counter=%d\n", counter);
            counter=19
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Step_Next_Backtrace(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break main", "r", "next", "n", "step", "s", "bt", "backtrace 1", "where");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 22.

            Breakpoint 1, main (argc=1, argv=ADDR) at prog.c:22
            22	    int values[4] = {1, 2, 3, 4};
            23	    struct point p = {3, 4};
            24	    int total = sum(values, 4);
            sum (a=ADDR, n=4) at prog.c:14
            14	    int s = 0;
            15	    for (int i = 0; i < n; i++)
            #0  sum (a=ADDR, n=4) at prog.c:15
            #1  ADDR in main (argc=1, argv=ADDR) at prog.c:24
            #0  sum (a=ADDR, n=4) at prog.c:15
            (More stack frames follow...)
            #0  sum (a=ADDR, n=4) at prog.c:15
            #1  ADDR in main (argc=1, argv=ADDR) at prog.c:24

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Finish_PrintsCallerAndReturnValue(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break square", "run", "finish", "p $", "fin");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 8.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            [ADDR in ]main (argc=1, argv=ADDR) at prog.c:25
            25	    counter = square(p.x) + total;
            Value returned is $1 = 9
            $2 = 9
            "finish" not meaningful in the outermost frame.

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Frame_Up_Down(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break square", "run", "frame 1", "p p", "f 0", "up", "info locals", "down", "down", "up 5", "frame 7", "p n");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 8.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            #1  ADDR in main (argc=1, argv=ADDR) at prog.c:25
            25	    counter = square(p.x) + total;
            $1 = {x = 3, y = 4}
            #0  square (n=3) at prog.c:8
            8	    int r = n * n;
            #1  ADDR in main (argc=1, argv=ADDR) at prog.c:25
            25	    counter = square(p.x) + total;
            values = {1, 2, 3, 4}
            p = {x = 3, y = 4}
            total = 10
            #0  square (n=3) at prog.c:8
            8	    int r = n * n;
            Bottom (innermost) frame selected; you cannot go down.
            #1  ADDR in main (argc=1, argv=ADDR) at prog.c:25
            25	    counter = square(p.x) + total;
            No frame at level 7.
            No symbol "n" in current context.

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Print_SetVar_Call_InfoArgs(string target)
    {
        ProcessResult r = DbgFixture.Batch(
            target,
            "prog.c",
            "break sum",
            "run",
            "info args",
            "print n",
            "p a[1] + n",
            "p/x n * 100",
            "p *a@4",
            "p a",
            "set var n = 3",
            "p n",
            "p sum(a, 2)",
            "p square(7) + 1",
            "p counter",
            "p counter = 5",
            "p nosuch",
            "p 1 +",
            "p *(int *)0",
            "p &1",
            "p sizeof(struct point)",
            "p $1",
            "inspect $$2",
            "next",
            "next",
            "info locals",
            "c");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 14.

            Breakpoint 1, sum (a=ADDR, n=4) at prog.c:14
            14	    int s = 0;
            a = ADDR
            n = 4
            $1 = 4
            $2 = 6
            $3 = 0x190
            $4 = {1, 2, 3, 4}
            $5 = (int *) ADDR
            $6 = 3
            $7 = 3
            $8 = 50
            $9 = 0
            $10 = 5
            No symbol "nosuch" in current context.
            A syntax error in expression, near `'.
            Cannot access memory at address 0x0
            Attempt to take address of value not located in memory.
            $11 = 8
            $12 = 4
            $13 = 5
            15	    for (int i = 0; i < n; i++)
            16	        s += a[i];
            i = 0
            s = 0
            counter=15
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Condition_Ignore_Delete_Disable_Enable(string target)
    {
        ProcessResult r = DbgFixture.Batch(
            target,
            "prog.c",
            "break 16 if i == 1",
            "run",
            "p i",
            "condition 1",
            "ignore 1 1",
            "c",
            "p i",
            "disable 1",
            "b square",
            "info breakpoints",
            "c",
            "enable 1",
            "delete 2",
            "d",
            "info breakpoints",
            "condition 9 x",
            "c");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 16.

            Breakpoint 1, sum (a=ADDR, n=4) at prog.c:16
            16	        s += a[i];
            $1 = 1
            Breakpoint 1 now unconditional.
            Will ignore next crossing of breakpoint 1.

            Breakpoint 1, sum (a=ADDR, n=4) at prog.c:16
            16	        s += a[i];
            $2 = 3
            Breakpoint 2 at ADDR: file prog.c, line 8.
            Num     Type           Disp Enb Address            What
            1       breakpoint     keep n   ADDR in sum at prog.c:16
            	breakpoint already hit 3 times
            2       breakpoint     keep y   ADDR in square at prog.c:8

            Breakpoint 2, square (n=3) at prog.c:8
            8	    int r = n * n;
            No breakpoints or watchpoints.
            No breakpoint number 9.
            counter=19
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Condition_ThatCallsAFunction(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break 16 if square(i) == 4", "run", "p i", "c");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 16.

            Breakpoint 1, sum (a=ADDR, n=4) at prog.c:16
            16	        s += a[i];
            $1 = 2
            counter=19
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Until_Advance(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "loop.c", "tbreak main", "run", "next", "until", "u", "until", "p g", "advance 14", "p g", "until", "c");
        DbgFixture.AssertTranscript(
            """
            Temporary breakpoint 1 at ADDR: file loop.c, line 11.

            Temporary breakpoint 1, main () at loop.c:11
            11	    for (i = 0; i < 3; i++)
            12	        g += f(i);
            11	    for (i = 0; i < 3; i++)
            13	    g = g * 2;
            14	    return g - 12;
            $1 = 12
            [Inferior 1 (process PID) exited normally]
            $2 = 12
            The program is not being run.
            The program is not being run.

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void UntilLocation_AdvanceLocation(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "loop.c", "tbreak main", "run", "until 13", "p g", "advance 14", "p g", "advance f");
        DbgFixture.AssertTranscript(
            """
            Temporary breakpoint 1 at ADDR: file loop.c, line 11.

            Temporary breakpoint 1, main () at loop.c:11
            11	    for (i = 0; i < 3; i++)
            main () at loop.c:13
            13	    g = g * 2;
            $1 = 6
            main () at loop.c:14
            14	    return g - 12;
            $2 = 12
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Watch_StopsWhenTheValueChanges(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break main", "run", "watch counter", "info breakpoints", "c", "c");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 22.

            Breakpoint 1, main (argc=1, argv=ADDR) at prog.c:22
            22	    int values[4] = {1, 2, 3, 4};
            Watchpoint 2: counter
            Num     Type           Disp Enb Address            What
            1       breakpoint     keep y   ADDR in main at prog.c:22
            	breakpoint already hit 1 time
            2       watchpoint     keep y                      counter

            Watchpoint 2: counter

            Old value = 0
            New value = 19
            main (argc=1, argv=ADDR) at prog.c:26
            26	    printf("counter=%d\n", counter);
            counter=19
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Finish_WithAWatchpoint_StopsAtTheReturn(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break square", "run", "watch counter", "finish", "next", "c");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 8.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            Watchpoint 2: counter
            [ADDR in ]main (argc=1, argv=ADDR) at prog.c:25
            25	    counter = square(p.x) + total;
            Value returned is $1 = 9

            Watchpoint 2: counter

            Old value = 0
            New value = 19
            main (argc=1, argv=ADDR) at prog.c:26
            26	    printf("counter=%d\n", counter);
            counter=19
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Display_Undisplay(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "display counter", "break square", "run", "display/x n", "display", "next", "undisplay 1", "next", "info display", "undisplay 5", "kill");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 8.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            1: counter = 0
            2: /x n = 0x3
            1: counter = 0
            2: /x n = 0x3
            9	    return r;
            1: counter = 0
            2: /x n = 0x3
            10	}
            2: /x n = 0x3
            Auto-display expressions now in effect:
            Num Enb Expression
            2:   y  /x n
            Arguments must be display numbers.
            [Inferior 1 (process PID) killed]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Kill_Run_Again(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break square", "run", "kill", "bt", "run", "bt", "k", "kill");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 8.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            [Inferior 1 (process PID) killed]
            No stack.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            #0  square (n=3) at prog.c:8
            #1  ADDR in main (argc=1, argv=ADDR) at prog.c:25
            [Inferior 1 (process PID) killed]
            The program is not being run.

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void List(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "list square", "l 1,3", "break sum", "run", "list", "list 100");
        DbgFixture.AssertTranscript(
            """
            2	
            3	struct point { int x, y; };
            4	int counter = 0;
            5	
            6	int square(int n)
            7	{
            8	    int r = n * n;
            9	    return r;
            10	}
            11	
            1	#include <stdio.h>
            2	
            3	struct point { int x, y; };
            Breakpoint 1 at ADDR: file prog.c, line 14.

            Breakpoint 1, sum (a=ADDR, n=4) at prog.c:14
            14	    int s = 0;
            9	    return r;
            10	}
            11	
            12	int sum(int *a, int n)
            13	{
            14	    int s = 0;
            15	    for (int i = 0; i < n; i++)
            16	        s += a[i];
            17	    return s;
            18	}
            Line number 95 out of range; prog.c has 28 lines.

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Crash_StopsAtTheFaultingLine_AndTheSessionSurvives(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "crash.c", "run", "bt", "p p", "p *p", "up", "info locals", "kill", "run", "kill");
        DbgFixture.AssertTranscript(
            """
            before

            Program received signal SIGSEGV, Segmentation fault.
            [ADDR in ]deref (p=0x0) at crash.c:5
            5	    return *p;
            #0  [ADDR in ]deref (p=0x0) at crash.c:5
            #1  ADDR in main () at crash.c:12
            $1 = (int *) 0x0
            Cannot access memory at address 0x0
            #1  ADDR in main () at crash.c:12
            12	    return deref(p);
            p = 0x0
            [Inferior 1 (process PID) killed]
            before

            Program received signal SIGSEGV, Segmentation fault.
            [ADDR in ]deref (p=0x0) at crash.c:5
            5	    return *p;
            [Inferior 1 (process PID) killed]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void DivisionByZero_IsSigfpe(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "divide.c", "run", "p b", "bt");
        DbgFixture.AssertTranscript(
            """

            Program received signal SIGFPE, Arithmetic exception.
            [ADDR in ]divide (a=10, b=0) at divide.c:3
            3	    return a / b;
            $1 = 0
            #0  [ADDR in ]divide (a=10, b=0) at divide.c:3
            #1  ADDR in main (argc=1, argv=ADDR) at divide.c:8

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Stepi_Nexti_Disassemble(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break square", "run", "stepi", "si", "nexti", "ni", "disassemble", "x/2i $pc");
        string output = DbgFixture.Normalize(r.Stdout);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("Breakpoint 1 at ADDR: file prog.c, line 8.\n\nBreakpoint 1, square (n=3) at prog.c:8\n8\t    int r = n * n;\n", output);
        if (target == "interp")
        {
            Assert.Equal(4, Regex.Matches(output, "Cannot step by instruction: the interpreter target \\(--interp\\) has no machine code.").Count);
            Assert.Contains("No machine code: the interpreter target (--interp) runs the IR", output);
            return;
        }

        // Four single instructions: inside line 8 ("ADDR<TAB>8<TAB>source"), or at the start of line 9 ("9<TAB>source").
        Assert.Matches(new Regex("8\t    int r = n \\* n;\nADDR\t8\t    int r = n \\* n;\n((ADDR\t8\t    int r = n \\* n;|(ADDR\t)?9\t    return r;)\n){3}Dump of"), output);
        Assert.Matches(new Regex("Dump of assembler code for function square:\n(   |=> )ADDR <\\+0>:\tpush   %rbp\n   ADDR <\\+1>:\tmov    %rsp,%rbp\n", RegexOptions.Multiline), output);
        Assert.Single(Regex.Matches(output, "^=> ADDR <\\+\\d+>:\t", RegexOptions.Multiline));
        Assert.Matches(new Regex(">:\tret *\nEnd of assembler dump.\n"), output);
        Assert.Matches("=> ADDR <square\\+\\d+>:\t\\S+", output);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Calls_WorkAtInstructionStops_AfterFinishStepiNexti(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break square", "run", "finish", "p square(4)", "p sum(values, 4) + square(2)", "stepi", "p square(5)", "nexti", "p sum(values, 3)", "p total", "c");
        string output = DbgFixture.Normalize(r.Stdout);
        Assert.Equal(0, r.ExitCode);
        string instruction = target == "jit"
            ? "ADDR\t25\t    counter = square\\(p.x\\) \\+ total;\n"
            : "Cannot step by instruction: the interpreter target \\(--interp\\) has no machine code.\n";
        Assert.Matches(
            new Regex(
                "^Breakpoint 1 at ADDR: file prog.c, line 8.\n\nBreakpoint 1, square \\(n=3\\) at prog.c:8\n8\t    int r = n \\* n;\n"
                + "(ADDR in )?main \\(argc=1, argv=ADDR\\) at prog.c:25\n25\t    counter = square\\(p.x\\) \\+ total;\nValue returned is \\$1 = 9\n"
                + "\\$2 = 16\n\\$3 = 14\n" + instruction + "\\$4 = 25\n" + instruction + "\\$5 = 6\n\\$6 = 10\ncounter=19\n"
                + "\\[Inferior 1 \\(process PID\\) exited normally\\]\n$"),
            output);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Finish_PrintsStructReturnValues_AndExitCodesInOctal(string target)
    {
        File.WriteAllText(DbgFixture.PathOf("structs.c"), """
            typedef struct { int x, y; } Point;
            struct big { long a, b, c; };
            struct dd { double x, y; };
            Point mkpoint(int x, int y) { Point p = {x, y}; return p; }
            struct big mkbig(long v) { struct big b = {v, v + 1, v + 2}; return b; }
            struct dd mkdd(double x) { struct dd d = {x, x * 2}; return d; }
            int main(void)
            {
                Point p = mkpoint(1, 2);
                struct big b = mkbig(5);
                struct dd d = mkdd(1.5);
                return p.x + (int)b.a + (int)d.x - 8;
            }

            """);
        ProcessResult r = DbgFixture.Batch(target, "structs.c", "break mkpoint", "break mkbig", "break mkdd", "run", "finish", "c", "finish", "c", "finish", "p $$1.c", "c");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file structs.c, line 4.
            Breakpoint 2 at ADDR: file structs.c, line 5.
            Breakpoint 3 at ADDR: file structs.c, line 6.

            Breakpoint 1, mkpoint (x=1, y=2) at structs.c:4
            4	Point mkpoint(int x, int y) { Point p = {x, y}; return p; }
            [ADDR in ]main () at structs.c:9
            9	    Point p = mkpoint(1, 2);
            Value returned is $1 = {x = 1, y = 2}

            Breakpoint 2, mkbig (v=5) at structs.c:5
            5	struct big mkbig(long v) { struct big b = {v, v + 1, v + 2}; return b; }
            [ADDR in ]main () at structs.c:10
            10	    struct big b = mkbig(5);
            Value returned is $2 = {a = 5, b = 6, c = 7}

            Breakpoint 3, mkdd (x=1.5) at structs.c:6
            6	struct dd mkdd(double x) { struct dd d = {x, x * 2}; return d; }
            [ADDR in ]main () at structs.c:11
            11	    struct dd d = mkdd(1.5);
            Value returned is $3 = {x = 1.5, y = 3}
            $4 = 7
            [Inferior 1 (process PID) exited with code 0377]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Calls_WorkAfterACrash(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "divide.c", "run", "p divide(9, 3)", "p b", "bt", "kill");
        DbgFixture.AssertTranscript(
            """

            Program received signal SIGFPE, Arithmetic exception.
            [ADDR in ]divide (a=10, b=0) at divide.c:3
            3	    return a / b;
            $1 = 3
            $2 = 0
            #0  [ADDR in ]divide (a=10, b=0) at divide.c:3
            #1  ADDR in main (argc=1, argv=ADDR) at divide.c:8
            [Inferior 1 (process PID) killed]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void BreakAtAnAddress_StopsThere(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break square", "run", "stepi", "break *$pc", "delete 1", "kill", "run", "bt", "p n * 2", "c");
        string stepi = target == "jit" ? "ADDR\t8\t    int r = n * n;" : "Cannot step by instruction: the interpreter target (--interp) has no machine code.";
        DbgFixture.AssertTranscript(
            $"""
            Breakpoint 1 at ADDR: file prog.c, line 8.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            {stepi}
            Breakpoint 2 at ADDR: file prog.c, line 8.
            [Inferior 1 (process PID) killed]

            Breakpoint 2, [ADDR in ]square (n=3) at prog.c:8
            8	    int r = n * n;
            #0  [ADDR in ]square (n=3) at prog.c:8
            #1  ADDR in main (argc=1, argv=ADDR) at prog.c:25
            $1 = 6
            counter=19
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Fact]
    public void Interp_BreakAtAnAddressInsideAStatement_IsAClearError()
    {
        ProcessResult r = DbgFixture.Batch("interp", "prog.c", "break square", "run", "break *$pc + 1", "info breakpoints", "c");
        DbgFixture.AssertTranscript(
            """
            Breakpoint 1 at ADDR: file prog.c, line 8.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            Cannot insert a breakpoint at *ADDR: not a statement boundary of this target.
            Num     Type           Disp Enb Address            What
            1       breakpoint     keep y   ADDR in square at prog.c:8
            	breakpoint already hit 1 time
            counter=19
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Fact]
    public void BreakAtAnAddressOutsideTheCode_IsAnErrorAndTheSessionGoesOn()
    {
        ProcessResult r = DbgFixture.Batch("jit", "prog.c", "break *0x1234", "break *0xzz", "break square", "run", "next", "c");
        DbgFixture.AssertTranscript(
            """
            Cannot access memory at address 0x1234
            Invalid number "0xzz".
            Breakpoint 1 at ADDR: file prog.c, line 8.

            Breakpoint 1, square (n=3) at prog.c:8
            8	    int r = n * n;
            9	    return r;
            counter=19
            [Inferior 1 (process PID) exited normally]

            """,
            r);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void DisassembleSource_InterleavesLines(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "disassemble /s square", "disassemble /r square");
        string output = DbgFixture.Normalize(r.Stdout);
        if (target == "interp")
        {
            Assert.Equal(2, Regex.Matches(output, "No machine code: the interpreter target \\(--interp\\) runs the IR").Count);
            return;
        }

        Assert.Matches(new Regex("^Dump of assembler code for function square:\nprog.c:\n6\tint square\\(int n\\)\n   ADDR <\\+0>:\tpush   %rbp\n"), output);
        Assert.Contains("\n8\t    int r = n * n;\n", output);
        Assert.Contains("\n9\t    return r;\n", output);
        Assert.Contains("\timul   ", output);
        Assert.Contains("<+0>:\t55\tpush   %rbp\n", output);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void InfoRegisters_InfoFrame(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "info registers", "break sum", "run", "info registers", "info registers rip", "p $pc", "p $sp == $rsp", "info frame", "info r rax", "info registers xyz");
        string output = DbgFixture.Normalize(r.Stdout);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("No stack.\n", output);
        string[] names = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags"];
        string all = string.Join("", names.Select(n => $"{n,-15}\\S+ +\\S.*\n"));
        Assert.Matches(new Regex(all), output);
        Assert.Contains("rip            ADDR     ADDR <sum+", output);
        Assert.Matches(@"\$1 = \(void \(\*\)\(\)\) ADDR <sum\+\d+>\n\$2 = 1\n", output);
        Assert.Contains("Stack level 0, frame at ADDR:\n rip = ADDR in sum (prog.c:14); saved rip = ADDR\n called by frame at ADDR\n source language c.\n Arglist at ADDR, args: a=ADDR, n=4\n", output);
        Assert.Matches(@"\nrax            \S+ +-?\d+\n", output);
        Assert.EndsWith("Invalid register `xyz'\n", output);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Help_Unknown_Quit(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "help", "help break", "frobnicate", "info nonsense", "p", "quit", "p 1");
        string output = r.Stdout;
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("List of commands:\n\n", output);
        Assert.Contains("break, b, br, brea -- Set breakpoint at specified location: break [LOCATION] [if CONDITION].\n", output);
        foreach (string command in new[] { "tbreak", "condition", "ignore", "delete", "disable", "enable", "info", "run", "continue", "kill", "step", "next", "finish", "until", "advance", "stepi", "nexti", "backtrace", "frame", "up", "down", "print", "set", "display", "undisplay", "list", "disassemble", "watch", "help", "quit" })
        {
            Assert.Matches(new Regex($"^{command}(, [a-z]+)* -- ", RegexOptions.Multiline), output);
        }

        Assert.Contains("\nSet breakpoint at specified location: break [LOCATION] [if CONDITION].\nLOCATION: FUNCTION, FILE:LINE, LINE, *ADDRESS. (aliases: b, br, brea)\n", output);
        Assert.Contains("Undefined command: \"frobnicate\".  Try \"help\".\n", output);
        Assert.Contains("Undefined info command: \"nonsense\".  Try \"help info\".\n", output);
        Assert.EndsWith("Undefined info command: \"nonsense\".  Try \"help info\".\nThe history is empty.\n", output);
        Assert.DoesNotContain("$1 = 1", output);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void Interactive_NonTerminal_ReadsCommandsFromStdin_AndRepeatsNothingOnEmptyLines(string target)
    {
        List<string> args = ["dbg", .. DbgFixture.TargetArgs(target), DbgFixture.PathOf("prog.c")];
        ProcessResult r = LanternProcess.Run(args, stdin: "break square\nrun\n\nbt\nprint n * 2\nquit\n");
        string output = DbgFixture.Normalize(r.Stdout);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "Breakpoint 1 at ADDR: file prog.c, line 8.\n"
            + $"Starting program: {DbgFixture.PathOf("prog.c")}\n\nBreakpoint 1, square (n=3) at prog.c:8\n8\t    int r = n * n;\n"
            + "#0  square (n=3) at prog.c:8\n#1  ADDR in main (argc=1, argv=ADDR) at prog.c:25\n$1 = 6\n",
            output);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void ScriptFile_And_ExCommands_RunInOrder(string target)
    {
        string script = Path.Combine(DbgFixture.Directory_, "cmds-" + target + ".gdb");
        File.WriteAllText(script, "break square\nrun\n# a comment\nprint n\n");
        List<string> args = ["-c", "exec \"$0\" \"$@\" 2>&1", LanternProcess.Launcher, "dbg", .. DbgFixture.TargetArgs(target), "--batch", "-ex", "echo start\\n", "-x", script, "-ex", "p n + 1", "-x", "/nonexistent/cmds", DbgFixture.PathOf("prog.c")];
        ProcessResult r = LanternProcess.RunProcess("sh", args);
        Assert.Equal(
            "start\nBreakpoint 1 at ADDR: file prog.c, line 8.\n\nBreakpoint 1, square (n=3) at prog.c:8\n8\t    int r = n * n;\n$1 = 3\n$2 = 4\n/nonexistent/cmds: No such file or directory.\n",
            DbgFixture.Normalize(r.Stdout));
        Assert.Equal(0, r.ExitCode);
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void ProgramArguments_AndCompileErrors(string target)
    {
        ProcessResult r = DbgFixture.Batch(target, "prog.c", "break main", "run", "p argc", "run x y", "p argc", "p argv[2]");
        Assert.Contains("$1 = 1\n", r.Stdout);
        Assert.Matches("\\$2 = 3\n\\$3 = 0x[0-9a-f]+ \"y\"\n", r.Stdout);

        string bad = Path.Combine(DbgFixture.Directory_, "bad.c");
        File.WriteAllText(bad, "int main(void) { return x; }\n");
        ProcessResult c = LanternProcess.Run(["dbg", .. DbgFixture.TargetArgs(target), "--batch", bad]);
        Assert.Equal(1, c.ExitCode);
        Assert.Contains("error: ", c.Stderr);
    }
}
