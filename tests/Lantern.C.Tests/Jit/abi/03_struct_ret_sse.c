#include <stdio.h>

struct F2 { float x, y; };
struct D1 { double d; };
struct F1 { float f; };
struct D2 { double x, y; };
struct F3 { float x, y, z; };
struct F4 { float a, b, c, d; };

struct F2 mk_f2(float x, float y) { struct F2 r = { x * 2, y * 3 }; return r; }
struct D1 mk_d1(double d) { struct D1 r = { d / 4 }; return r; }
struct F1 mk_f1(float f) { struct F1 r = { f + 0.5f }; return r; }
struct D2 mk_d2(double x, double y) { struct D2 r = { x + y, x - y }; return r; }
struct F3 mk_f3(float s) { struct F3 r = { s, s * 2, s * 3 }; return r; }
struct F4 mk_f4(float s) { struct F4 r = { s, s + 1, s + 2, s + 3 }; return r; }

double sum_f2(struct F2 v) { return v.x + v.y; }
double sum_d2(struct D2 v, struct D1 w) { return v.x * v.y + w.d; }
double sum_f3(struct F3 v) { return v.x + v.y * 10 + v.z * 100; }
double sum_f4(struct F4 v, struct F1 w) { return v.a + v.b + v.c + v.d + w.f; }

int main(void)
{
    struct F2 f2 = mk_f2(1.5f, 2.5f);
    struct D1 d1 = mk_d1(10.0);
    struct F1 f1 = mk_f1(3.0f);
    struct D2 d2 = mk_d2(3.25, 1.25);
    struct F3 f3 = mk_f3(0.5f);
    struct F4 f4 = mk_f4(1.0f);
    printf("f2 %g %g sum %g\n", f2.x, f2.y, sum_f2(f2));
    printf("d1 %g f1 %g\n", d1.d, f1.f);
    printf("d2 %g %g sum %g\n", d2.x, d2.y, sum_d2(d2, d1));
    printf("f3 %g %g %g sum %g\n", f3.x, f3.y, f3.z, sum_f3(f3));
    printf("f4 %g %g %g %g sum %g\n", f4.a, f4.b, f4.c, f4.d, sum_f4(f4, f1));
    printf("chain %g\n", sum_d2(mk_d2(sum_f2(mk_f2(1, 2)), sum_f3(mk_f3(1))), mk_d1(sum_f4(mk_f4(2), mk_f1(1)))));
    return 0;
}
