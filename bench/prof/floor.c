/* bench/prof/floor.c - the platform's floor of signal-driven sampling, linked into a bench program built by gcc.
 *
 * With LANTERN_FLOOR_HZ=R (R > 0) a constructor starts the engine `lantern prof` uses on the main thread, set up the
 * same way (src/Lantern.Observability/Profiling/Sampler.cs): a perf_event software cpu-clock counter, exclude_kernel, a signal at every overflow (O_ASYNC, F_SETSIG = SIGPROF, F_SETOWN_EX to the thread),
 * a SIGPROF handler installed with SA_SIGINFO | SA_ONSTACK | SA_RESTART on an alternate signal stack. The handler only
 * counts and never re-arms (ours draws a jittered period every 8th signal): what remains is what the kernel and the
 * hypervisor charge for a timer-driven signal. Without the variable
 * (or with 0) nothing is started, which is the baseline. A destructor prints the main thread's CPU time from the
 * constructor on, and the signals counted, to stderr:
 *
 *     lantern-floor cpu_seconds=0.412345 signals=412
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile long floor_signals;
static double floor_start;

static double floor_thread_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void floor_handler(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)info;
    (void)uc;
    floor_signals++;
}

__attribute__((constructor)) static void floor_begin(void)
{
    const char *rate = getenv("LANTERN_FLOOR_HZ");
    double hz = rate ? atof(rate) : 0;
    floor_start = floor_thread_cpu();
    if (hz <= 0)
        return;
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    sigaltstack(&ss, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = floor_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigaction(SIGPROF, &sa, 0);
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_CPU_CLOCK;
    a.sample_period = (unsigned long)(1e9 / hz);
    a.wakeup_events = 1;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    int tid = (int)syscall(SYS_gettid);
    int fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
        perror("lantern-floor: perf_event_open");
        exit(2);
    }
    struct f_owner_ex owner = { F_OWNER_TID, tid };
    if (fcntl(fd, F_SETFL, O_ASYNC | O_NONBLOCK) != 0 || fcntl(fd, F_SETSIG, SIGPROF) != 0
        || fcntl(fd, F_SETOWN_EX, &owner) != 0) {
        perror("lantern-floor: fcntl");
        exit(2);
    }
    ioctl(fd, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

__attribute__((destructor)) static void floor_end(void)
{
    fprintf(stderr, "lantern-floor cpu_seconds=%.6f signals=%ld\n", floor_thread_cpu() - floor_start, floor_signals);
}
