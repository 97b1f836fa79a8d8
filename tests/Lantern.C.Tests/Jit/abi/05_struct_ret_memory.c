#include <stdio.h>
#include <string.h>

struct Big { long a, b, c; };
struct Huge { int v[40]; char name[16]; };
struct DDD { double x, y, z; };

struct Big mk_big(long s) { struct Big r = { s, s * 2, s * 3 }; return r; }
struct Huge mk_huge(int s, const char *name)
{
    struct Huge h;
    for (int i = 0; i < 40; i++)
        h.v[i] = s + i;
    strncpy(h.name, name, sizeof h.name);
    return h;
}
struct DDD mk_ddd(double s) { struct DDD r = { s, s / 2, s / 4 }; return r; }

long sum_big(struct Big b) { return b.a + b.b + b.c; }
long sum_huge(struct Huge h)
{
    long s = 0;
    for (int i = 0; i < 40; i++)
        s += h.v[i];
    return s + (long)strlen(h.name);
}
struct Big add_big(struct Big x, struct Big y) { struct Big r = { x.a + y.a, x.b + y.b, x.c + y.c }; return r; }
struct DDD scale(struct DDD d, double k) { struct DDD r = { d.x * k, d.y * k, d.z * k }; return r; }

int main(void)
{
    struct Big b = add_big(mk_big(1), mk_big(10));
    struct Huge h = mk_huge(3, "lantern");
    struct DDD d = scale(mk_ddd(8), 1.5);
    printf("big %ld %ld %ld sum %ld\n", b.a, b.b, b.c, sum_big(b));
    printf("huge %d %d %s sum %ld\n", h.v[0], h.v[39], h.name, sum_huge(h));
    printf("ddd %g %g %g\n", d.x, d.y, d.z);
    printf("chain %ld\n", sum_big(add_big(add_big(mk_big(1), mk_big(2)), mk_big(sum_huge(mk_huge(0, "x"))))));
    return (int)(sum_big(b) % 100);
}
