/* Lantern C library: <stdnoreturn.h>. */
#ifndef __LANTERN_STDNORETURN_H
#define __LANTERN_STDNORETURN_H

#define noreturn _Noreturn

#endif
