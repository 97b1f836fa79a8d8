/* Lantern C library: <unistd.h> (a POSIX subset). */
#ifndef __LANTERN_UNISTD_H
#define __LANTERN_UNISTD_H

#include <sys/types.h>

#ifndef NULL
#define NULL ((void *)0)
#endif

#ifndef __LANTERN_INTPTR_T
#define __LANTERN_INTPTR_T
typedef long intptr_t;
#endif

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#define R_OK 4
#define W_OK 2
#define X_OK 1
#define F_OK 0

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

ssize_t read(int fd, void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count);
int close(int fd);
off_t lseek(int fd, off_t offset, int whence);
int dup(int oldfd);
int dup2(int oldfd, int newfd);
int pipe(int pipefd[2]);
int isatty(int fd);
int access(const char *pathname, int mode);
int unlink(const char *pathname);
int rmdir(const char *pathname);
int chdir(const char *path);
char *getcwd(char *buf, size_t size);
pid_t getpid(void);
pid_t getppid(void);
pid_t fork(void);
int execv(const char *path, char *const argv[]);
int execvp(const char *file, char *const argv[]);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
unsigned int sleep(unsigned int seconds);
int usleep(useconds_t usec);
unsigned int alarm(unsigned int seconds);
_Noreturn void _exit(int status);
long sysconf(int name);
int gethostname(char *name, size_t len);
int ftruncate(int fd, off_t length);
int fsync(int fd);

extern char *optarg;
extern int optind;
extern int opterr;
extern int optopt;
int getopt(int argc, char *const argv[], const char *optstring);

#define _SC_CLK_TCK 2
#define _SC_PAGESIZE 30
#define _SC_PAGE_SIZE _SC_PAGESIZE
#define _SC_NPROCESSORS_ONLN 84

#endif
