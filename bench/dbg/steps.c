/* bench/dbg: source-level stepping through a loop with a call. */
#include <stdio.h>
#include <stdlib.h>

int g(int x)
{
    int y = x * 3;
    return y - 1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    long s = 0;
    for (int i = 0; i < n; i++) {
        s += i;
        s ^= g(i);
    }
    printf("%ld\n", s);
    return 0;
}
