#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000000;
    unsigned *v = malloc(sizeof(unsigned) * n);
    unsigned seed = 42;
    for (int i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = seed;
    }
    qsort(v, n, sizeof v[0], cmp);
    unsigned long check = 0;
    for (int i = 0; i < n; i += n / 100)
        check = check * 31 + v[i];
    printf("sorted %d check %lu\n", n, check);
    free(v);
    return 0;
}
