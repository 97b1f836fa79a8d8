#include <stdio.h>
#include <stdlib.h>

static unsigned table[256];

static void init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        unsigned c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

static unsigned crc32(const unsigned char *p, long n, unsigned crc)
{
    crc = ~crc;
    for (long i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1 << 20;
    int rounds = 50;
    unsigned char *buf = malloc(n);
    for (long i = 0; i < n; i++)
        buf[i] = (unsigned char)(i * 7 + (i >> 8));
    init();
    unsigned crc = 0;
    for (int r = 0; r < rounds; r++)
        crc = crc32(buf, n, crc);
    printf("crc32 %08x\n", crc);
    free(buf);
    return 0;
}
