#include <stdio.h>
#include <stdlib.h>

static void cleanup(void) { printf("cleanup ran\n"); }

static void fail(int depth)
{
    if (depth == 0) {
        printf("exiting\n");
        exit(7);
    }
    fail(depth - 1);
}

int main(void)
{
    atexit(cleanup);
    printf("start\n");
    fail(10);
    printf("not reached\n");
    return 0;
}
