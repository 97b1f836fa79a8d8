#include <stdio.h>
#include <string.h>

int main(void)
{
    char buf[256];
    printf("%d %ld %u %x %c %s\n", -5, 1L << 40, 4000000000u, 0xbeef, 'q', "str");
    printf("%g %g %g %g %g %g %g %g %g %g\n", 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5);
    printf("%d %g %d %g %d %g %d %g %d %g %d %g %d %g %d %g\n",
           1, 0.1, 2, 0.2, 3, 0.3, 4, 0.4, 5, 0.5, 6, 0.6, 7, 0.7, 8, 0.8);
    float f = 1.25f;
    printf("promoted float %f char %d short %d\n", f, (char)65, (short)-3);
    int n = snprintf(buf, sizeof buf, "%s-%d-%.3f-%s-%ld-%e", "a", 42, 3.14159, "b", -99L, 12345.678);
    printf("snprintf %d [%s]\n", n, buf);
    n = sprintf(buf, "%5d|%-5d|%05.1f|%p", 42, 42, 2.25, (void *)0);
    printf("sprintf %d %s\n", n, buf);
    fprintf(stdout, "fprintf %s %d\n", "to stdout", 7);
    return (int)strlen(buf);
}
