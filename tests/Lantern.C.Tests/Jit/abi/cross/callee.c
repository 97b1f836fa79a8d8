#include <stdarg.h>
#include <string.h>
#include "abi_types.h"

struct I2 abi_mk_i2(int a, int b) { struct I2 r = { a, b }; return r; }
struct C3 abi_mk_c3(char a) { struct C3 r = { { a, a + 1, a + 2 } }; return r; }
struct LL abi_mk_ll(long a, long b) { struct LL r = { a, b }; return r; }
struct III abi_mk_iii(int a) { struct III r = { a, a * 2, a * 3 }; return r; }
struct F2 abi_mk_f2(float x, float y) { struct F2 r = { x, y }; return r; }
struct D2 abi_mk_d2(double x, double y) { struct D2 r = { x, y }; return r; }
struct F3 abi_mk_f3(float s) { struct F3 r = { s, s * 2, s * 4 }; return r; }
struct DL abi_mk_dl(double d, long l) { struct DL r = { d, l }; return r; }
struct LD abi_mk_ld(long l, double d) { struct LD r = { l, d }; return r; }
struct IF abi_mk_if(int i, float f) { struct IF r = { i, f }; return r; }
struct Big abi_mk_big(long s) { struct Big r = { s, s + 1, s + 2 }; return r; }
struct Odd13 abi_mk_odd13(int base)
{
    struct Odd13 r;
    for (int i = 0; i < 13; i++)
        r.c[i] = base + i;
    return r;
}

double abi_sum_all(struct I2 a, struct C3 b, struct LL c, struct III d, struct F2 e, struct D2 f, struct F3 g,
                   struct DL h, struct LD i, struct IF j, struct Big k, struct Odd13 l)
{
    double s = a.a + a.b * 2 + b.c[0] + b.c[1] + b.c[2] + c.a + c.b + d.a + d.b + d.c + e.x + e.y + f.x + f.y;
    s += g.x + g.y + g.z + h.d + h.l + i.l + i.d + j.i + j.f + k.a + k.b + k.c;
    for (int n = 0; n < 13; n++)
        s += l.c[n] * (n + 1);
    return s;
}

long abi_ints(int a, long b, short c, char d, int e, long f, int g, long h, unsigned char i, int j)
{
    return a + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i * 9 + j * 10L;
}

double abi_doubles(double a, float b, double c, float d, double e, float f, double g, float h, double i, float j, double k)
{
    return a + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i * 9 + j * 10 + k * 11;
}

double abi_variadic(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int k = 0; k < n; k++) {
        s += va_arg(ap, int);
        s += va_arg(ap, double) * 2;
        struct LL ll = va_arg(ap, struct LL);
        s += ll.a + ll.b * 3;
        struct D2 d2 = va_arg(ap, struct D2);
        s += d2.x + d2.y * 5;
    }
    va_end(ap);
    return s;
}

double abi_call_back(d2_fn f, big_fn g, dl_fn h)
{
    struct D2 d = f(abi_mk_d2(1.5, 2.5), abi_mk_ll(3, 4), 0.5);
    struct Big b = g(abi_mk_big(10), 3);
    struct DL dl = h(abi_mk_if(7, 0.25f), abi_mk_f3(1.5f), abi_mk_ld(9, 8.5));
    return d.x + d.y * 10 + b.a + b.b * 100 + b.c * 1000 + dl.d + dl.l * 7;
}
