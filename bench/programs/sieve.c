#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000000;
    char *composite = malloc(n + 1);
    memset(composite, 0, n + 1);
    int count = 0;
    for (long i = 2; i <= n; i++) {
        if (!composite[i]) {
            count++;
            for (long j = i * i; j <= n; j += i)
                composite[j] = 1;
        }
    }
    printf("primes up to %d: %d\n", n, count);
    free(composite);
    return 0;
}
