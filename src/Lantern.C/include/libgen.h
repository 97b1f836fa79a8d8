/* Lantern C library: <libgen.h> (POSIX basename and dirname; glibc's POSIX basename is __xpg_basename). */
#ifndef __LANTERN_LIBGEN_H
#define __LANTERN_LIBGEN_H

char *dirname(char *path);
char *__xpg_basename(char *path);
#define basename __xpg_basename

#endif
