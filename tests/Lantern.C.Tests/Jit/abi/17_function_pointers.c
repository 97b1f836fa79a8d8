#include <stdio.h>
#include <stdlib.h>

typedef int (*binop)(int, int);

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }

static binop table[] = { add, sub, mul };

static binop pick(int i) { return table[i % 3]; }

static int apply(binop f, int a, int b) { return f(a, b); }

struct Ops { const char *name; double (*fn)(double); };
static double twice(double x) { return 2 * x; }
static double square(double x) { return x * x; }

static void bye1(void) { printf("atexit 1\n"); }
static void bye2(void) { printf("atexit 2\n"); }

int main(void)
{
    int acc = 1;
    for (int i = 0; i < 9; i++)
        acc = pick(i)(acc, i + 2);
    printf("acc %d\n", acc);
    printf("apply %d %d\n", apply(add, 3, 4), apply(table[2], 5, 6));
    struct Ops ops[] = { { "twice", twice }, { "square", square } };
    for (int i = 0; i < 2; i++)
        printf("%s(3.5) = %g\n", ops[i].name, ops[i].fn(3.5));
    printf("same %d\n", table[0] == add && pick(3) == add);
    atexit(bye1);
    atexit(bye2);
    printf("main done\n");
    return acc & 0x3f;
}
