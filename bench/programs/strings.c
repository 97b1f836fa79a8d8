#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* word frequency with a hand-written hash table, string reversal and character classification */
#define BUCKETS 4096

struct entry { char word[16]; int count; struct entry *next; };

static unsigned hash(const char *s)
{
    unsigned h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static void reverse(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n / 2; i++) {
        char t = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = t;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000000;
    struct entry **table = calloc(BUCKETS, sizeof *table);
    unsigned seed = 7;
    char word[16];
    long vowels = 0;
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        int len = 3 + (seed >> 16) % 5;
        for (int k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            word[k] = 'a' + (seed >> 16) % 6;
        }
        word[len] = 0;
        reverse(word);
        for (char *p = word; *p; p++)
            if (strchr("aeiou", *p))
                vowels++;
        unsigned h = hash(word) % BUCKETS;
        struct entry *e = table[h];
        while (e && strcmp(e->word, word) != 0)
            e = e->next;
        if (!e) {
            e = malloc(sizeof *e);
            strcpy(e->word, word);
            e->count = 0;
            e->next = table[h];
            table[h] = e;
            distinct++;
        }
        e->count++;
    }
    int best = 0;
    char bestword[16] = "";
    for (int b = 0; b < BUCKETS; b++)
        for (struct entry *e = table[b]; e; e = e->next)
            if (e->count > best || (e->count == best && strcmp(e->word, bestword) < 0)) {
                best = e->count;
                strcpy(bestword, e->word);
            }
    printf("distinct %d vowels %ld most %s x%d\n", distinct, vowels, bestword, best);
    return 0;
}
