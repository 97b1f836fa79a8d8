/* Lantern C library: <stddef.h> (x86-64 Linux, LP64).
   Uses the builtin __builtin_offsetof(type, member) implemented by the Lantern parser. */
#ifndef __LANTERN_STDDEF_H
#define __LANTERN_STDDEF_H

#ifndef __LANTERN_SIZE_T
#define __LANTERN_SIZE_T
typedef unsigned long size_t;
#endif

#ifndef __LANTERN_PTRDIFF_T
#define __LANTERN_PTRDIFF_T
typedef long ptrdiff_t;
#endif

#ifndef __LANTERN_WCHAR_T
#define __LANTERN_WCHAR_T
typedef int wchar_t;
#endif

/* Same size (32) and alignment (16) as gcc's max_align_t. */
typedef struct
{
    long long __max_align_ll;
    long double __max_align_ld;
} max_align_t;

#ifndef NULL
#define NULL ((void *)0)
#endif

#define offsetof(type, member) __builtin_offsetof(type, member)

#endif
