#include <stdio.h>
#include "abi_types.h"

static struct D2 cb_d2(struct D2 a, struct LL b, double k) { struct D2 r = { a.x * k + b.a, a.y * k + b.b }; return r; }
static struct Big cb_big(struct Big b, int m) { struct Big r = { b.a * m, b.b * m, b.c * m }; return r; }
static struct DL cb_dl(struct IF a, struct F3 b, struct LD c) { struct DL r = { a.f + b.x + b.y + b.z + c.d, a.i + c.l }; return r; }

int main(void)
{
    struct I2 i2 = abi_mk_i2(3, -4);
    struct C3 c3 = abi_mk_c3('a');
    struct LL ll = abi_mk_ll(1L << 40, -7);
    struct III iii = abi_mk_iii(5);
    struct F2 f2 = abi_mk_f2(0.5f, 1.5f);
    struct D2 d2 = abi_mk_d2(2.25, -3.75);
    struct F3 f3 = abi_mk_f3(0.125f);
    struct DL dl = abi_mk_dl(6.5, 66);
    struct LD ld = abi_mk_ld(77, 7.5);
    struct IF i_f = abi_mk_if(-8, 8.25f);
    struct Big big = abi_mk_big(100);
    struct Odd13 o = abi_mk_odd13(20);
    printf("i2 %d %d c3 %c%c%c ll %ld %ld iii %d %d %d\n", i2.a, i2.b, c3.c[0], c3.c[1], c3.c[2], ll.a, ll.b, iii.a, iii.b, iii.c);
    printf("f2 %g %g d2 %g %g f3 %g %g %g\n", f2.x, f2.y, d2.x, d2.y, f3.x, f3.y, f3.z);
    printf("dl %g %ld ld %ld %g if %d %g big %ld %ld %ld odd %d %d\n", dl.d, dl.l, ld.l, ld.d, i_f.i, i_f.f, big.a, big.b, big.c, o.c[0], o.c[12]);
    printf("sum_all %.4f\n", abi_sum_all(i2, c3, ll, iii, f2, d2, f3, dl, ld, i_f, big, o));
    printf("ints %ld\n", abi_ints(1, 2, 3, 4, 5, 6, 7, 8, 250, 10));
    printf("doubles %.4f\n", abi_doubles(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    printf("variadic %.4f\n", abi_variadic(3, 1, 0.5, ll, d2, 2, 1.5, abi_mk_ll(5, 6), abi_mk_d2(7, 8), 3, 2.5, ll, d2));
    printf("call_back %.4f\n", abi_call_back(cb_d2, cb_big, cb_dl));
    return 0;
}
