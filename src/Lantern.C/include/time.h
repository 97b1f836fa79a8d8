/* Lantern C library: <time.h> (glibc x86-64 layouts: struct tm is 56 bytes). */
#ifndef __LANTERN_TIME_H
#define __LANTERN_TIME_H

#ifndef __LANTERN_SIZE_T
#define __LANTERN_SIZE_T
typedef unsigned long size_t;
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

#ifndef NULL
#define NULL ((void *)0)
#endif

#define CLOCKS_PER_SEC ((clock_t)1000000)
#define TIME_UTC 1

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

struct tm
{
    int tm_sec;
    int tm_min;
    int tm_hour;
    int tm_mday;
    int tm_mon;
    int tm_year;
    int tm_wday;
    int tm_yday;
    int tm_isdst;
    long tm_gmtoff;
    const char *tm_zone;
};

#ifndef __LANTERN_TIMESPEC
#define __LANTERN_TIMESPEC
struct timespec
{
    time_t tv_sec;
    long tv_nsec;
};
#endif

clock_t clock(void);
double difftime(time_t time1, time_t time0);
time_t mktime(struct tm *timeptr);
time_t time(time_t *timer);
time_t timegm(struct tm *tm);
int timespec_get(struct timespec *ts, int base);
char *asctime(const struct tm *timeptr);
char *ctime(const time_t *timer);
struct tm *gmtime(const time_t *timer);
struct tm *localtime(const time_t *timer);
struct tm *gmtime_r(const time_t *restrict timer, struct tm *restrict result);
struct tm *localtime_r(const time_t *restrict timer, struct tm *restrict result);
size_t strftime(char *restrict s, size_t maxsize, const char *restrict format, const struct tm *restrict timeptr);
int clock_gettime(clockid_t clock_id, struct timespec *tp);
int clock_getres(clockid_t clock_id, struct timespec *res);
int nanosleep(const struct timespec *req, struct timespec *rem);
void tzset(void);

#endif
