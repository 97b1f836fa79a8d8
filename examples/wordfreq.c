/* wordfreq: counts the words read from stdin and prints the most frequent ones.
 *
 *     ./lantern run examples/wordfreq.c 5 < README.md
 *
 * A word is a run of letters (folded to lower case) or apostrophes. The optional argument is how many
 * words to print (default 10). Ties are broken alphabetically so the output is deterministic.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_SIZE 4096
#define MAX_WORD 64

struct entry {
    char *word;
    int count;
    struct entry *next;
};

static struct entry *table[TABLE_SIZE];
static int distinct;

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;           /* FNV-1a */
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h;
}

static void add_word(const char *word)
{
    unsigned slot = hash(word) % TABLE_SIZE;
    struct entry *e;
    for (e = table[slot]; e != NULL; e = e->next) {
        if (strcmp(e->word, word) == 0) {
            e->count++;
            return;
        }
    }
    e = malloc(sizeof *e);
    e->word = malloc(strlen(word) + 1);
    strcpy(e->word, word);
    e->count = 1;
    e->next = table[slot];
    table[slot] = e;
    distinct++;
}

static int by_count_then_word(const void *a, const void *b)
{
    const struct entry *x = *(const struct entry *const *)a;
    const struct entry *y = *(const struct entry *const *)b;
    if (x->count != y->count)
        return y->count - x->count;
    return strcmp(x->word, y->word);
}

int main(int argc, char **argv)
{
    int top = argc > 1 ? atoi(argv[1]) : 10;
    char word[MAX_WORD];
    int len = 0, total = 0, c, i, n;
    struct entry **all;

    while ((c = getchar()) != EOF) {
        if (isalpha(c) || (c == '\'' && len > 0)) {
            if (len < MAX_WORD - 1)
                word[len++] = (char)tolower(c);
        } else if (len > 0) {
            word[len] = '\0';
            add_word(word);
            total++;
            len = 0;
        }
    }
    if (len > 0) {
        word[len] = '\0';
        add_word(word);
        total++;
    }

    all = malloc((distinct > 0 ? distinct : 1) * sizeof *all);
    n = 0;
    for (i = 0; i < TABLE_SIZE; i++) {
        struct entry *e;
        for (e = table[i]; e != NULL; e = e->next)
            all[n++] = e;
    }
    qsort(all, n, sizeof *all, by_count_then_word);

    printf("%d words, %d distinct\n", total, distinct);
    for (i = 0; i < n && i < top; i++)
        printf("%7d  %s\n", all[i]->count, all[i]->word);
    return 0;
}
