#include <math.h>
#include <stdio.h>

static float fsum(float *v, int n)
{
    float s = 0;
    for (int i = 0; i < n; i++)
        s += v[i] * 1.1f;
    return s;
}

int main(void)
{
    float v[5] = { 1.1f, 2.2f, 3.3f, 4.4f, 5.5f };
    printf("fsum %.9g\n", fsum(v, 5));
    printf("sqrt %.17g sin %.17g pow %.17g\n", sqrt(2.0), sin(1.0), pow(2.5, 3.5));
    printf("floor %g ceil %g fabs %g\n", floor(-2.5), ceil(-2.5), fabs(-3.0));
    double nan = 0.0 / 0.0;
    printf("nan cmp %d %d %d %d %d %d\n", nan == nan, nan != nan, nan < 1, nan <= 1, nan > 1, nan >= 1);
    unsigned long big = 18446744073709551615UL;
    double db = (double)big;
    unsigned long back = (unsigned long)1.5e19;
    printf("u64 %.1f back %lu\n", db, back);
    long neg = (long)-2.9;
    int ic = (int)1e9;
    printf("conv %ld %d %u\n", neg, ic, (unsigned)3e9);
    float f = 16777217.0f;
    printf("f32 %.1f %.9g\n", f, 1.0f / 3.0f);
    return 0;
}
