#include <stdio.h>

double d12(double a, double b, double c, double d, double e, double f, double g, double h, double i, double j, double k, double l)
{
    return a + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i * 9 + j * 10 + k * 11 + l * 12;
}

float f10(float a, float b, float c, float d, float e, float f, float g, float h, float i, float j)
{
    return a * b + c * d + e * f + g * h + i * j;
}

double mixed_fd(float a, double b, float c, double d, float e, double f, float g, double h, float i, double j)
{
    return a + b + c + d + e + f + g + h + i * 1000 + j * 10000;
}

int main(void)
{
    printf("d12 %.6f\n", d12(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5));
    printf("f10 %.6f\n", f10(1.5f, 2, 3, 4, 5, 6, 7, 8, 9, 10.25f));
    printf("mixed %.6f\n", mixed_fd(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    return 0;
}
