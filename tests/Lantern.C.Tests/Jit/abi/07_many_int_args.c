#include <stdio.h>

long f10(char a, short b, int c, long d, unsigned char e, unsigned short f, unsigned g, long h, char i, long j)
{
    return a + b * 2L + c * 3L + d * 4 + e * 5L + f * 6L + g * 7L + h * 8 + i * 9L + j * 10;
}

int f12(int a, int b, int c, int d, int e, int f, int g, int h, int i, int j, int k, int l)
{
    return a - b + c - d + e - f + g - h + i - j + k - l * 100;
}

long fptrs(int *a, int *b, int *c, int *d, int *e, int *f, int *g, int *h)
{
    return *a + *b + *c + *d + *e + *f + *g * 100 + *h * 1000;
}

int main(void)
{
    int v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    printf("f10 %ld\n", f10(-1, -2, -3, -4, 250, 65000, 4000000000u, 1L << 40, 'z', -(1L << 33)));
    printf("f12 %d\n", f12(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    printf("fptrs %ld\n", fptrs(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]));
    return f12(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0) & 0xff;
}
