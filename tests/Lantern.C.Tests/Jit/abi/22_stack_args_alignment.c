#include <stdio.h>

struct S3 { char a; short b; char c; };
struct Odd { char c[7]; };
struct Odd13 { char c[13]; };

/* more than six integer arguments of odd sizes so some are passed on the stack */
long f(struct S3 a, struct Odd b, struct Odd13 c, char d, struct S3 e, struct Odd f1, struct Odd13 g, short h, struct Odd i)
{
    long s = a.a + a.b + a.c + d + e.a + e.b + e.c + h;
    for (int k = 0; k < 7; k++)
        s += b.c[k] * (k + 1) + f1.c[k] * 2 + i.c[k] * 3;
    for (int k = 0; k < 13; k++)
        s += c.c[k] + g.c[k] * 5;
    return s;
}

struct Odd mk_odd(int base)
{
    struct Odd o;
    for (int k = 0; k < 7; k++)
        o.c[k] = base + k;
    return o;
}

struct Odd13 mk_odd13(int base)
{
    struct Odd13 o;
    for (int k = 0; k < 13; k++)
        o.c[k] = base - k;
    return o;
}

int main(void)
{
    struct S3 a = { 1, 300, 3 };
    struct S3 e = { -1, -300, -3 };
    struct Odd o = mk_odd(10);
    struct Odd13 o13 = mk_odd13(50);
    printf("f %ld\n", f(a, o, o13, 9, e, mk_odd(20), mk_odd13(30), 1000, mk_odd(1)));
    printf("odd %d %d odd13 %d %d\n", o.c[0], o.c[6], o13.c[0], o13.c[12]);
    return 0;
}
