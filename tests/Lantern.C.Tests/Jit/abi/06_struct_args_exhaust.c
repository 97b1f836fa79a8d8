#include <stdio.h>

struct LL { long a, b; };
struct DD { double a, b; };
struct Mix { long l; double d; };

/* 5 ints use rdi..r8, so a two-register struct no longer fits and goes to the stack as a whole. */
long f1(int a, int b, int c, int d, int e, struct LL s, int g)
{
    return a + b + c + d + e + s.a * 10 + s.b * 100 + g * 1000;
}

/* 7 doubles use xmm0..6: a DD needs two more, so it goes to memory, the next double takes xmm7 */
double f2(double a, double b, double c, double d, double e, double f, double g, struct DD s, double h)
{
    return a + b + c + d + e + f + g + s.a * 10 + s.b * 100 + h * 1000;
}

double f3(struct Mix a, struct Mix b, struct Mix c, struct Mix d, struct Mix e, struct Mix f, struct Mix g)
{
    return a.l + a.d + b.l + b.d + c.l + c.d + d.l + d.d + e.l + e.d + f.l + f.d + g.l * 1000 + g.d * 10000;
}

long f4(struct LL a, struct LL b, struct LL c, struct LL d)
{
    return a.a + a.b * 2 + b.a * 3 + b.b * 4 + c.a * 5 + c.b * 6 + d.a * 7 + d.b * 8;
}

int main(void)
{
    struct LL s = { 3, 4 };
    struct DD dd = { 0.5, 0.25 };
    struct Mix m[7];
    for (int i = 0; i < 7; i++) {
        m[i].l = i + 1;
        m[i].d = (i + 1) * 0.5;
    }
    struct LL q[4] = { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } };
    printf("f1 %ld\n", f1(1, 2, 3, 4, 5, s, 6));
    printf("f2 %g\n", f2(1, 2, 3, 4, 5, 6, 7, dd, 8));
    printf("f3 %g\n", f3(m[0], m[1], m[2], m[3], m[4], m[5], m[6]));
    printf("f4 %ld\n", f4(q[0], q[1], q[2], q[3]));
    return 0;
}
