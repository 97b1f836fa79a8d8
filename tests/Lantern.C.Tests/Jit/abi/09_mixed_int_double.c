#include <stdio.h>

double m20(int a, double b, long c, double d, int e, double f, long g, double h, int i, double j,
           int k, double l, long m, double n, int o, double p, long q, double r, int s, double t)
{
    return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p + q + r + s * 1000.0 + t * 10000.0;
}

long ret_long(double x, int y) { return (long)(x * y); }
double ret_double(long x, float y) { return x / (double)y; }
float ret_float(int a, double b) { return (float)(a + b); }
unsigned char ret_uchar(int x) { return (unsigned char)x; }
signed char ret_schar(int x) { return (signed char)x; }
short ret_short(int x) { return (short)x; }
unsigned short ret_ushort(int x) { return (unsigned short)x; }

int main(void)
{
    printf("m20 %.3f\n", m20(1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5, 11, 12.5, 13, 14.5, 15, 16.5, 17, 18.5, 19, 20.5));
    printf("ret %ld %g %g\n", ret_long(2.5, 7), ret_double(7, 2.0f), ret_float(3, 0.25));
    printf("narrow %d %d %d %d\n", ret_uchar(300), ret_schar(200), ret_short(70000), ret_ushort(-1));
    int sum = ret_uchar(511) + ret_schar(255) + ret_short(-32769) + ret_ushort(65537);
    printf("sum %d\n", sum);
    return 0;
}
