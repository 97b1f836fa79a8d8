#include <stdio.h>
#include <stdlib.h>

struct node { struct node *left, *right; };

static struct node *make(int depth)
{
    struct node *n = malloc(sizeof *n);
    if (depth > 0) {
        n->left = make(depth - 1);
        n->right = make(depth - 1);
    } else {
        n->left = n->right = 0;
    }
    return n;
}

static int check(struct node *n) { return 1 + (n->left ? check(n->left) + check(n->right) : 0); }

static void release(struct node *n)
{
    if (n->left) {
        release(n->left);
        release(n->right);
    }
    free(n);
}

int main(int argc, char **argv)
{
    int max = argc > 1 ? atoi(argv[1]) : 16;
    struct node *longlived = make(max);
    for (int d = 4; d <= max; d += 2) {
        int iterations = 1 << (max - d + 4);
        long total = 0;
        for (int i = 0; i < iterations; i++) {
            struct node *t = make(d);
            total += check(t);
            release(t);
        }
        printf("%d trees of depth %d check %ld\n", iterations, d, total);
    }
    printf("long lived check %d\n", check(longlived));
    release(longlived);
    return 0;
}
