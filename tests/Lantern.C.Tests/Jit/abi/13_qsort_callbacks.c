#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Rec { char name[12]; int age; double score; };

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int cmp_rec(const void *a, const void *b)
{
    const struct Rec *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    int v[20];
    unsigned seed = 12345;
    for (int i = 0; i < 20; i++) {
        seed = seed * 1103515245 + 12345;
        v[i] = (int)(seed >> 16) % 1000 - 500;
    }
    qsort(v, 20, sizeof v[0], cmp_int);
    for (int i = 0; i < 20; i++)
        printf("%d ", v[i]);
    printf("\n");
    char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date", "kiwi" };
    qsort(words, 7, sizeof words[0], cmp_str);
    for (int i = 0; i < 7; i++)
        printf("%s ", words[i]);
    printf("\n");
    struct Rec r[5] = { { "ann", 30, 7.5 }, { "bob", 25, 9.0 }, { "cid", 41, 7.5 }, { "dan", 19, 3.25 }, { "eve", 33, 9.0 } };
    qsort(r, 5, sizeof r[0], cmp_rec);
    for (int i = 0; i < 5; i++)
        printf("%s:%d:%g ", r[i].name, r[i].age, r[i].score);
    printf("\n");
    double d[6] = { 3.5, -1.25, 9.75, 0.0, 2.5, -7.0 };
    int (*cmp)(const void *, const void *) = cmp_double;
    qsort(d, 6, sizeof d[0], cmp);
    for (int i = 0; i < 6; i++)
        printf("%g ", d[i]);
    printf("\n");
    return 0;
}
