/* Lantern C library: <uchar.h>. */
#ifndef __LANTERN_UCHAR_H
#define __LANTERN_UCHAR_H

#ifndef __LANTERN_SIZE_T
#define __LANTERN_SIZE_T
typedef unsigned long size_t;
#endif

#ifndef __LANTERN_MBSTATE_T
#define __LANTERN_MBSTATE_T
typedef struct
{
    int __count;
    union
    {
        unsigned int __wch;
        char __wchb[4];
    } __value;
} mbstate_t;
#endif

typedef unsigned short char16_t;
typedef unsigned int char32_t;

size_t mbrtoc16(char16_t *restrict pc16, const char *restrict s, size_t n, mbstate_t *restrict ps);
size_t c16rtomb(char *restrict s, char16_t c16, mbstate_t *restrict ps);
size_t mbrtoc32(char32_t *restrict pc32, const char *restrict s, size_t n, mbstate_t *restrict ps);
size_t c32rtomb(char *restrict s, char32_t c32, mbstate_t *restrict ps);

#endif
