#include <stdarg.h>
#include <stdio.h>

long sum_ints(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    long s = 0;
    for (int i = 0; i < n; i++)
        s += va_arg(ap, int);
    va_end(ap);
    return s;
}

double sum_mixed(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    double s = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p == 'i')
            s += va_arg(ap, int);
        else if (*p == 'l')
            s += va_arg(ap, long);
        else if (*p == 'd')
            s += va_arg(ap, double);
        else if (*p == 's')
            s += va_arg(ap, char *)[0];
    }
    va_end(ap);
    return s;
}

/* many named parameters: the variadic part starts in the overflow area */
double late(int a, int b, int c, int d, int e, int f, double g, double h, double i, double j, double k,
            double l, double m, double n, double o, ...)
{
    va_list ap;
    va_start(ap, o);
    double s = a + b + c + d + e + f + g + h + i + j + k + l + m + n + o;
    s += va_arg(ap, int) * 1000;
    s += va_arg(ap, double) * 10000;
    va_end(ap);
    return s;
}

void my_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

int count_until_zero(int first, ...)
{
    va_list ap;
    int n = 0;
    va_start(ap, first);
    for (int v = first; v != 0; v = va_arg(ap, int))
        n++;
    va_end(ap);
    return n;
}

int main(void)
{
    printf("sum_ints %ld\n", sum_ints(10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    printf("sum_mixed %g\n", sum_mixed("ildsdidldidddddddddd", 1, 2L, 0.5, "A", 1.5, 3, 2.5, 4L, 3.5, 5,
                                       1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0));
    printf("late %g\n", late(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17.5));
    my_printf("my_printf %d %s %g %ld\n", 12, "xyz", 0.125, 123456789012L);
    printf("count %d\n", count_until_zero(5, 4, 3, 2, 1, 9, 8, 7, 6, 5, 4, 0));
    return 0;
}
