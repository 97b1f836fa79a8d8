/* Lantern C library: <signal.h> (Linux x86-64 signal numbers). */
#ifndef __LANTERN_SIGNAL_H
#define __LANTERN_SIGNAL_H

typedef int sig_atomic_t;
typedef void (*__sighandler_t)(int);

#ifndef __LANTERN_PID_T
#define __LANTERN_PID_T
typedef int pid_t;
#endif

#define SIG_ERR ((__sighandler_t)-1)
#define SIG_DFL ((__sighandler_t)0)
#define SIG_IGN ((__sighandler_t)1)

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGIOT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPOLL SIGIO
#define SIGPWR 30
#define SIGSYS 31
#define NSIG 65

/* glibc's sigset_t (1024 bits), siginfo_t (128 bytes) and struct sigaction (152 bytes). */
typedef struct
{
    unsigned long __val[16];
} sigset_t;

typedef struct
{
    int si_signo;
    int si_errno;
    int si_code;
    int __pad0;
    union
    {
        int __pad[28];
        struct
        {
            pid_t si_pid;
            unsigned int si_uid;
        } __kill;
        struct
        {
            void *si_addr;
        } __sigfault;
    } __fields;
} siginfo_t;

#define si_pid __fields.__kill.si_pid
#define si_uid __fields.__kill.si_uid
#define si_addr __fields.__sigfault.si_addr

struct sigaction
{
    union
    {
        __sighandler_t sa_handler;
        void (*sa_sigaction)(int, siginfo_t *, void *);
    } __sigaction_handler;
    sigset_t sa_mask;
    int sa_flags;
    void (*sa_restorer)(void);
};

#define sa_handler __sigaction_handler.sa_handler
#define sa_sigaction __sigaction_handler.sa_sigaction

#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

__sighandler_t signal(int sig, __sighandler_t func);
int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict oact);
int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int signo);
int sigdelset(sigset_t *set, int signo);
int sigismember(const sigset_t *set, int signo);
int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict oset);
int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict oset);
int sigsuspend(const sigset_t *mask);
int raise(int sig);
int kill(pid_t pid, int sig);

#endif
