#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    div_t d = div(47, 5);
    ldiv_t ld = ldiv(-1000000000007L, 10);
    lldiv_t lld = lldiv(9000000000000000001LL, 7);
    printf("div %d %d\n", d.quot, d.rem);
    printf("ldiv %ld %ld\n", ld.quot, ld.rem);
    printf("lldiv %lld %lld\n", lld.quot, lld.rem);
    printf("abs %d labs %ld\n", abs(-5), labs(-7000000000L));
    return d.rem;
}
