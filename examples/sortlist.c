/* sortlist: sorts pseudo-random numbers twice, as a linked list (merge sort) and as an array (qsort),
 * and checks that both agree.
 *
 *     ./lantern run examples/sortlist.c [COUNT [SEED]]
 */
#include <stdio.h>
#include <stdlib.h>

struct node {
    long value;
    struct node *next;
};

static unsigned long long state;

static long next_random(void)
{
    /* xorshift64* */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (long)((state * 2685821657736338717ull) >> 33) % 1000000;
}

static struct node *merge(struct node *a, struct node *b)
{
    struct node head, *tail = &head;
    while (a && b) {
        if (a->value <= b->value) {
            tail->next = a;
            a = a->next;
        } else {
            tail->next = b;
            b = b->next;
        }
        tail = tail->next;
    }
    tail->next = a ? a : b;
    return head.next;
}

static struct node *merge_sort(struct node *list)
{
    if (list == NULL || list->next == NULL)
        return list;
    /* Split in the middle with a slow and a fast pointer. */
    struct node *slow = list, *fast = list->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    struct node *second = slow->next;
    slow->next = NULL;
    return merge(merge_sort(list), merge_sort(second));
}

static int compare_longs(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 10000;
    state = argc > 2 ? strtoull(argv[2], NULL, 10) : 88172645463325252ull;
    if (count < 1 || state == 0) {
        fprintf(stderr, "usage: sortlist [COUNT>0 [SEED!=0]]\n");
        return 2;
    }

    struct node *list = NULL;
    long *array = malloc(count * sizeof(long));
    for (int i = 0; i < count; i++) {
        struct node *n = malloc(sizeof *n);
        n->value = next_random();
        n->next = list;
        list = n;
        array[i] = n->value;
    }

    list = merge_sort(list);
    qsort(array, count, sizeof(long), compare_longs);

    int i = 0;
    unsigned long checksum = 0;
    for (struct node *n = list; n != NULL; n = n->next, i++) {
        if (n->value != array[i]) {
            printf("mismatch at %d: list %ld, array %ld\n", i, n->value, array[i]);
            return 1;
        }
        checksum = checksum * 31 + (unsigned long)n->value;
    }

    printf("sorted %d numbers: min %ld, median %ld, max %ld, checksum %lu\n",
           count, array[0], array[count / 2], array[count - 1], checksum);
    while (list) {
        struct node *next = list->next;
        free(list);
        list = next;
    }
    free(array);
    return 0;
}
