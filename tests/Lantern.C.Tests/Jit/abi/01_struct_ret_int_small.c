#include <stdio.h>

struct C3 { char c[3]; };
struct I1 { int a; };
struct S2 { short a, b; };
struct L1 { long a; };

struct C3 mk_c3(int base) { struct C3 r; r.c[0] = base; r.c[1] = base + 1; r.c[2] = base + 2; return r; }
struct I1 mk_i1(int a) { struct I1 r = { a * 3 }; return r; }
struct S2 mk_s2(short a, short b) { struct S2 r = { a, b }; return r; }
struct L1 mk_l1(long a) { struct L1 r = { a << 20 }; return r; }

int sum_c3(struct C3 x) { return x.c[0] + x.c[1] + x.c[2]; }
int sum_s2(struct S2 x, struct I1 y) { return x.a * 100 + x.b + y.a; }

int main(void)
{
    struct C3 c = mk_c3(10);
    struct I1 i = mk_i1(7);
    struct S2 s = mk_s2(-3, 44);
    struct L1 l = mk_l1(5);
    printf("c3 %d %d %d sum %d\n", c.c[0], c.c[1], c.c[2], sum_c3(c));
    printf("i1 %d s2 %d %d l1 %ld\n", i.a, s.a, s.b, l.a);
    printf("sum_s2 %d\n", sum_s2(s, i));
    printf("nested %d\n", sum_c3(mk_c3(sum_s2(mk_s2(1, 2), mk_i1(1)))));
    return sum_c3(c) & 0x7f;
}
