#include <stdarg.h>
#include <stdio.h>

struct P { int x, y; };
struct D2 { double a, b; };
struct Big { long a, b, c, d; };
struct LD { long l; double d; };

double take(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) {
        struct P p = va_arg(ap, struct P);
        struct D2 d = va_arg(ap, struct D2);
        struct Big b = va_arg(ap, struct Big);
        struct LD ld = va_arg(ap, struct LD);
        s += p.x + p.y * 2 + d.a * 3 + d.b * 4 + b.a + b.b + b.c + b.d * 5 + ld.l * 7 + ld.d * 11;
    }
    va_end(ap);
    return s;
}

int main(void)
{
    struct P p = { 1, 2 };
    struct D2 d = { 0.5, 0.25 };
    struct Big b = { 1, 2, 3, 4 };
    struct LD ld = { 6, 0.75 };
    printf("one %g\n", take(1, p, d, b, ld));
    printf("three %g\n", take(3, p, d, b, ld, p, d, b, ld, p, d, b, ld));
    return 0;
}
