/* Lantern C library: <alloca.h>. alloca is the parser's builtin __builtin_alloca. */
#ifndef __LANTERN_ALLOCA_H
#define __LANTERN_ALLOCA_H

#ifndef __LANTERN_SIZE_T
#define __LANTERN_SIZE_T
typedef unsigned long size_t;
#endif

#define alloca(size) __builtin_alloca(size)

#endif
