#include <stdio.h>

struct LL { long a, b; };
struct III { int a, b, c; };
struct CL { char c; long l; };
struct P2 { void *p; int n; };

struct LL mk_ll(long a, long b) { struct LL r; r.a = a + 1; r.b = b - 1; return r; }
struct III mk_iii(int x) { struct III r = { x, x * 2, x * 3 }; return r; }
struct CL mk_cl(char c, long l) { struct CL r = { c, l }; return r; }
struct P2 mk_p2(void *p, int n) { struct P2 r = { p, n }; return r; }

long use_ll(struct LL v) { return v.a * 1000 + v.b; }
int use_iii(struct III v) { return v.a + v.b * 10 + v.c * 100; }
long use_cl(struct CL v, struct LL w) { return v.c + v.l + w.a + w.b; }

int main(void)
{
    int x = 5;
    struct LL ll = mk_ll(40, 50);
    struct III iii = mk_iii(7);
    struct CL cl = mk_cl('A', 1234567890123L);
    struct P2 p2 = mk_p2(&x, 9);
    printf("ll %ld %ld use %ld\n", ll.a, ll.b, use_ll(ll));
    printf("iii %d %d %d use %d\n", iii.a, iii.b, iii.c, use_iii(iii));
    printf("cl %c %ld use %ld\n", cl.c, cl.l, use_cl(cl, ll));
    printf("p2 %d %d\n", *(int *)p2.p, p2.n);
    printf("chain %ld\n", use_ll(mk_ll(use_iii(mk_iii(1)), use_cl(mk_cl(1, 2), mk_ll(3, 4)))));
    return 0;
}
