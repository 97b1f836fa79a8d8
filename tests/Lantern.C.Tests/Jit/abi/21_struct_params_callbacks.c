#include <stdio.h>

struct V2 { double x, y; };
struct Rgb { unsigned char r, g, b; };

typedef struct V2 (*vop)(struct V2, struct V2);

static struct V2 vadd(struct V2 a, struct V2 b) { struct V2 r = { a.x + b.x, a.y + b.y }; return r; }
static struct V2 vmul(struct V2 a, struct V2 b) { struct V2 r = { a.x * b.x, a.y * b.y }; return r; }

static struct V2 fold(vop f, struct V2 *v, int n)
{
    struct V2 acc = v[0];
    for (int i = 1; i < n; i++)
        acc = f(acc, v[i]);
    return acc;
}

static struct Rgb blend(struct Rgb a, struct Rgb b) { struct Rgb r = { (a.r + b.r) / 2, (a.g + b.g) / 2, (a.b + b.b) / 2 }; return r; }

int main(void)
{
    struct V2 v[4] = { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } };
    struct V2 s = fold(vadd, v, 4);
    struct V2 p = fold(vmul, v, 4);
    printf("sum %g %g prod %g %g\n", s.x, s.y, p.x, p.y);
    struct Rgb c = blend((struct Rgb){ 200, 100, 50 }, (struct Rgb){ 100, 50, 250 });
    printf("rgb %d %d %d\n", c.r, c.g, c.b);
    return 0;
}
