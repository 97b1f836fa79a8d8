/* bench/dbg: a function called N times (breakpoint hit + resume). */
#include <stdio.h>
#include <stdlib.h>

int f(int x)
{
    return x + 1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    long s = 0;
    for (int i = 0; i < n; i++)
        s += f(i);
    printf("%ld\n", s);
    return 0;
}
