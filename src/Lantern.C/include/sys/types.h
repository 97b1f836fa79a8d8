/* Lantern C library: <sys/types.h> (glibc x86-64 types). */
#ifndef __LANTERN_SYS_TYPES_H
#define __LANTERN_SYS_TYPES_H

#ifndef __LANTERN_SIZE_T
#define __LANTERN_SIZE_T
typedef unsigned long size_t;
#endif

#ifndef __LANTERN_SSIZE_T
#define __LANTERN_SSIZE_T
typedef long ssize_t;
#endif

#ifndef __LANTERN_OFF_T
#define __LANTERN_OFF_T
typedef long off_t;
#endif

#ifndef __LANTERN_PID_T
#define __LANTERN_PID_T
typedef int pid_t;
#endif

#ifndef __LANTERN_TIME_T
#define __LANTERN_TIME_T
typedef long time_t;
#endif

#ifndef __LANTERN_CLOCK_T
#define __LANTERN_CLOCK_T
typedef long clock_t;
#endif

#ifndef __LANTERN_CLOCKID_T
#define __LANTERN_CLOCKID_T
typedef int clockid_t;
#endif

#ifndef __LANTERN_UID_T
#define __LANTERN_UID_T
typedef unsigned int uid_t;
typedef unsigned int gid_t;
#endif

#ifndef __LANTERN_USECONDS_T
#define __LANTERN_USECONDS_T
typedef unsigned int useconds_t;
#endif

typedef unsigned int mode_t;
typedef unsigned long dev_t;
typedef unsigned long ino_t;
typedef unsigned long nlink_t;
typedef long blksize_t;
typedef long blkcnt_t;
typedef long suseconds_t;
typedef unsigned int id_t;

#endif
