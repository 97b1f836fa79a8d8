#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Entry { const char *key; int value; };

static int cmp_entry(const void *k, const void *e) { return strcmp((const char *)k, ((const struct Entry *)e)->key); }
static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    struct Entry table[] = { { "alpha", 1 }, { "beta", 2 }, { "delta", 4 }, { "epsilon", 5 }, { "gamma", 3 }, { "zeta", 6 } };
    const char *keys[] = { "gamma", "alpha", "zeta", "omega", "beta" };
    for (int i = 0; i < 5; i++) {
        struct Entry *e = bsearch(keys[i], table, 6, sizeof table[0], cmp_entry);
        printf("%s -> %d\n", keys[i], e ? e->value : -1);
    }
    long nums[100];
    for (int i = 0; i < 100; i++)
        nums[i] = (long)i * i * 3;
    int found = 0;
    for (long k = 0; k < 3000; k++)
        if (bsearch(&k, nums, 100, sizeof nums[0], cmp_long))
            found++;
    printf("found %d\n", found);
    return found;
}
