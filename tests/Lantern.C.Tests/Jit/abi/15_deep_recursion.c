#include <stdio.h>

static long depth(long n) { return n == 0 ? 0 : 1 + depth(n - 1); }

static int ackermann(int m, int n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int is_even(unsigned n);
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }

int main(void)
{
    printf("depth %ld\n", depth(50000));
    printf("ackermann %d\n", ackermann(2, 300));
    printf("fib %ld\n", fib(24));
    printf("even %d odd %d\n", is_even(20001), is_odd(20001));
    return 0;
}
