#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int calls;

static void deep(int n)
{
    calls++;
    if (n == 0)
        longjmp(env, 42);
    deep(n - 1);
}

static jmp_buf env2;

static int level3(int x) { if (x > 2) longjmp(env2, x * 10); return x; }
static int level2(int x) { return level3(x + 1) + 1; }
static int level1(int x) { return level2(x + 1) + 1; }

int main(void)
{
    volatile int counter = 0;
    int r = setjmp(env);
    if (r == 0) {
        counter = 1;
        deep(100);
        printf("not reached\n");
    } else {
        printf("longjmp returned %d after %d calls, counter %d\n", r, calls, counter);
    }
    for (int i = 0; i < 3; i++) {
        int v = setjmp(env2);
        if (v == 0)
            printf("level1(%d) = %d\n", i, level1(i));
        else
            printf("jumped %d at i=%d\n", v, i);
    }
    volatile int loops = 0;
    if (setjmp(env) < 5) {
        loops++;
        longjmp(env, loops);
    }
    printf("loops %d\n", loops);
    return 0;
}
