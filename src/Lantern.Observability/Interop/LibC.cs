using System.Runtime.InteropServices;

namespace Lantern.Observability.Interop;

/// <summary>
/// Every libc function Lantern calls, declared once, and the Linux x86-64 constants that go with them. The
/// declarations are source-generated (<see cref="LibraryImportAttribute"/>, no runtime marshalling stubs) and name
/// the library <c>"libc"</c>, which a NativeAOT host can bind at link time (<c>&lt;DirectPInvoke Include="libc" /&gt;</c>).
/// The functions keep their C names and signatures (pointers as <see cref="nint"/> or typed pointers); those that set
/// <c>errno</c> on a failure a caller reports declare <c>SetLastError</c>, read it with
/// <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
public static unsafe partial class LibC
{
    private const string Library = "libc";

    // ---- memory: mmap, mprotect, mremap, madvise, memfd_create

    /// <summary><c>PROT_NONE</c>.</summary>
    public const int ProtNone = 0;

    /// <summary><c>PROT_READ</c>.</summary>
    public const int ProtRead = 1;

    /// <summary><c>PROT_WRITE</c>.</summary>
    public const int ProtWrite = 2;

    /// <summary><c>PROT_EXEC</c>.</summary>
    public const int ProtExec = 4;

    /// <summary><c>MAP_SHARED</c>.</summary>
    public const int MapShared = 0x01;

    /// <summary><c>MAP_PRIVATE</c>.</summary>
    public const int MapPrivate = 0x02;

    /// <summary><c>MAP_ANONYMOUS</c>.</summary>
    public const int MapAnonymous = 0x20;

    /// <summary><c>MAP_NORESERVE</c>.</summary>
    public const int MapNoReserve = 0x4000;

    /// <summary><c>MAP_FAILED</c>, what <see cref="Mmap"/> and <see cref="Mremap"/> return on failure.</summary>
    public static readonly nint MapFailed = -1;

    /// <summary><c>MREMAP_MAYMOVE</c>.</summary>
    public const int MremapMayMove = 1;

    /// <summary><c>MFD_CLOEXEC</c>.</summary>
    public const uint MfdCloexec = 1;

    /// <summary><c>MADV_POPULATE_WRITE</c> (Linux 5.14): fault the range in, writable, now.</summary>
    public const int MadvPopulateWrite = 23;

    /// <summary><c>void* mmap(void*, size_t, int, int, int, off_t)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    /// <summary><c>int munmap(void*, size_t)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "munmap")]
    public static partial int Munmap(nint address, nuint length);

    /// <summary><c>int mprotect(void*, size_t, int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(nint address, nuint length, int protection);

    /// <summary><c>void* mremap(void*, size_t, size_t, int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "mremap", SetLastError = true)]
    public static partial nint Mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags);

    /// <summary><c>int madvise(void*, size_t, int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(nint address, nuint length, int advice);

    /// <summary><c>int memfd_create(const char*, unsigned int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    /// <summary>Maps <paramref name="size"/> bytes of zeroed anonymous memory with the given protection; throws on failure.</summary>
    public static byte* MapAnonymousMemory(nuint size, int protection, bool noReserve = false)
    {
        int flags = MapPrivate | MapAnonymous | (noReserve ? MapNoReserve : 0);
        nint p = Mmap(0, size, protection, flags, -1, 0);
        if (p == MapFailed)
        {
            throw new OutOfMemoryException($"mmap of {size} bytes failed (errno {Marshal.GetLastPInvokeError()})");
        }

        return (byte*)p;
    }

    // ---- files and descriptors

    /// <summary><c>O_WRONLY</c>.</summary>
    public const int OWronly = 0x1;

    /// <summary><c>O_RDWR</c>.</summary>
    public const int ORdwr = 0x2;

    /// <summary><c>O_CREAT</c>.</summary>
    public const int OCreat = 0x40;

    /// <summary><c>O_EXCL</c>.</summary>
    public const int OExcl = 0x80;

    /// <summary><c>O_NONBLOCK</c>.</summary>
    public const int ONonblock = 0x800;

    /// <summary><c>O_ASYNC</c>.</summary>
    public const int OAsync = 0x2000;

    /// <summary><c>O_NOFOLLOW</c>.</summary>
    public const int ONofollow = 0x20000;

    /// <summary><c>O_CLOEXEC</c>.</summary>
    public const int OCloexec = 0x80000;

    /// <summary><c>EINTR</c>.</summary>
    public const int EIntr = 4;

    /// <summary><c>EAGAIN</c>.</summary>
    public const int EAgain = 11;

    /// <summary><c>EEXIST</c>.</summary>
    public const int EExist = 17;

    /// <summary><c>FIONREAD</c>, the <see cref="Ioctl"/> request for the number of bytes ready to read.</summary>
    public const ulong FionRead = 0x541B;

    /// <summary><c>POLLIN</c>.</summary>
    public const short PollIn = 1;

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        /// <summary>The descriptor.</summary>
        public int Fd;

        /// <summary>The events asked for.</summary>
        public short Events;

        /// <summary>The events that happened.</summary>
        public short Revents;
    }

    /// <summary><c>int open(const char*, int, mode_t)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode);

    /// <summary><c>ssize_t read(int, void*, size_t)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    /// <summary><c>ssize_t write(int, const void*, size_t)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    /// <summary><c>int close(int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary><c>int ftruncate(int, off_t)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    /// <summary><c>int pipe(int[2])</c>.</summary>
    [LibraryImport(Library, EntryPoint = "pipe")]
    public static partial int Pipe(int* fds);

    /// <summary><c>int dup(int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "dup")]
    public static partial int Dup(int fd);

    /// <summary><c>int dup2(int, int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "dup2")]
    public static partial int Dup2(int from, int to);

    /// <summary><c>int poll(struct pollfd*, nfds_t, int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "poll")]
    public static partial int Poll(PollFd* fds, ulong count, int timeoutMs);

    /// <summary><c>int ioctl(int, unsigned long, int*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "ioctl")]
    public static partial int Ioctl(int fd, ulong request, int* value);

    /// <summary><c>char* mkdtemp(char*)</c> on a NUL-terminated template it rewrites in place.</summary>
    [LibraryImport(Library, EntryPoint = "mkdtemp", SetLastError = true)]
    public static partial nint Mkdtemp(byte[] template);

    // ---- processes, threads, environment

    /// <summary><c>uid_t geteuid(void)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    /// <summary>Size of <c>struct stat</c> on x86-64.</summary>
    public const int StatSize = 144;

    /// <summary>Offset of <c>st_mode</c> (a 32-bit value) in <c>struct stat</c> on x86-64.</summary>
    public const int StatModeOffset = 24;

    /// <summary>Offset of <c>st_uid</c> (a 32-bit value) in <c>struct stat</c> on x86-64.</summary>
    public const int StatUidOffset = 28;

    /// <summary><c>S_IFMT</c>, <c>S_IFDIR</c>, <c>S_IFREG</c>: the file type bits of <c>st_mode</c>.</summary>
    public const uint SIfmt = 0xF000, SIfdir = 0x4000, SIfreg = 0x8000;

    /// <summary><c>int lstat(const char*, struct stat*)</c> (glibc 2.33 and later export it).</summary>
    [LibraryImport(Library, EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Lstat(string path, byte* stat);

    /// <summary><c>pid_t getpid(void)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "getpid")]
    public static partial int GetPid();

    /// <summary><c>pid_t gettid(void)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "gettid")]
    public static partial int GetTid();

    /// <summary><c>int tgkill(pid_t, pid_t, int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "tgkill")]
    public static partial int Tgkill(int tgid, int tid, int signal);

    /// <summary><c>void _exit(int)</c>: ends the process now, without atexit handlers or flushing.</summary>
    [LibraryImport(Library, EntryPoint = "_exit")]
    public static partial void Exit(int status);

    /// <summary><c>int execvp(const char*, char* const[])</c>; <paramref name="argv"/> ends with null.</summary>
    [LibraryImport(Library, EntryPoint = "execvp", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Execvp(string file, string?[] argv);

    /// <summary><c>int setenv(const char*, const char*, int)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetEnv(string name, string value, int overwrite);

    /// <summary><c>int unsetenv(const char*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnsetEnv(string name);

    /// <summary><c>pthread_t pthread_self(void)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "pthread_self")]
    public static partial nint PthreadSelf();

    /// <summary><c>int pthread_create(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "pthread_create")]
    public static partial int PthreadCreate(nint* thread, nint attr, nint start, nint arg);

    /// <summary><c>int pthread_join(pthread_t, void**)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "pthread_join")]
    public static partial int PthreadJoin(nint thread, nint* result);

    /// <summary><c>int pthread_getattr_np(pthread_t, pthread_attr_t*)</c>; the attr buffer takes 64 bytes.</summary>
    [LibraryImport(Library, EntryPoint = "pthread_getattr_np")]
    public static partial int PthreadGetattrNp(nint thread, byte* attr);

    /// <summary><c>int pthread_attr_getstack(const pthread_attr_t*, void**, size_t*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "pthread_attr_getstack")]
    public static partial int PthreadAttrGetstack(byte* attr, nint* stackAddress, nint* stackSize);

    /// <summary><c>int pthread_attr_destroy(pthread_attr_t*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "pthread_attr_destroy")]
    public static partial int PthreadAttrDestroy(byte* attr);

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        /// <summary>The start of the range.</summary>
        public nint Base;

        /// <summary>Its length in bytes.</summary>
        public nuint Length;
    }

    /// <summary><c>ssize_t process_vm_readv(pid_t, const struct iovec*, unsigned long, const struct iovec*, unsigned long, unsigned long)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "process_vm_readv", SetLastError = true)]
    public static partial nint ProcessVmReadv(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);

    /// <summary><c>ssize_t process_vm_writev(pid_t, const struct iovec*, unsigned long, const struct iovec*, unsigned long, unsigned long)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "process_vm_writev", SetLastError = true)]
    public static partial nint ProcessVmWritev(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);

    // ---- signals

    /// <summary><c>SA_SIGINFO</c>.</summary>
    public const int SaSigInfo = 4;

    /// <summary><c>SA_ONSTACK</c>.</summary>
    public const int SaOnStack = 0x08000000;

    /// <summary><c>SA_RESTART</c>.</summary>
    public const int SaRestart = 0x10000000;

    /// <summary>Size of the kernel-facing <c>struct sigaction</c> of glibc x86-64.</summary>
    public const int SigactionSize = 152;

    /// <summary><c>int sigaction(int, const struct sigaction*, struct sigaction*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "sigaction")]
    public static partial int Sigaction(int signal, nint action, nint oldAction);

    /// <summary>
    /// Gives <paramref name="signal"/> its default action (<c>SIG_DFL</c>, no flags, empty mask), as a process that
    /// never changed it has; false if <c>sigaction</c> refused.
    /// </summary>
    public static bool SetDefaultAction(int signal)
    {
        byte* action = stackalloc byte[SigactionSize];
        new Span<byte>(action, SigactionSize).Clear(); // sa_handler = SIG_DFL (0)
        return Sigaction(signal, (nint)action, 0) == 0;
    }

    /// <summary><c>int sigaltstack(const stack_t*, stack_t*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "sigaltstack")]
    public static partial int Sigaltstack(nint stack, nint oldStack);

    // ---- time

    /// <summary><c>CLOCK_MONOTONIC</c>.</summary>
    public const int ClockMonotonic = 1;

    /// <summary><c>CLOCK_THREAD_CPUTIME_ID</c>.</summary>
    public const int ClockThreadCpuTime = 3;

    /// <summary><c>TIMER_ABSTIME</c>.</summary>
    public const int TimerAbstime = 1;

    /// <summary><c>int clock_gettime(clockid_t, struct timespec*)</c>; a timespec is two longs (seconds, nanoseconds).</summary>
    [LibraryImport(Library, EntryPoint = "clock_gettime")]
    public static partial int ClockGettime(int clock, long* timespec);

    /// <summary><c>int clock_nanosleep(clockid_t, int, const struct timespec*, struct timespec*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "clock_nanosleep")]
    public static partial int ClockNanosleep(int clock, int flags, long* request, long* remain);

    // ---- dynamic linking

    /// <summary><c>RTLD_NOW</c>.</summary>
    public const int RtldNow = 2;

    /// <summary><c>RTLD_GLOBAL</c>.</summary>
    public const int RtldGlobal = 0x100;

    /// <summary><c>void* dlopen(const char*, int)</c>; a null file is the main program.</summary>
    [LibraryImport(Library, EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Dlopen(string? file, int mode);

    /// <summary><c>void* dlsym(void*, const char*)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "dlsym", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Dlsym(nint handle, string name);

    /// <summary><c>int dladdr(const void*, Dl_info*)</c>; <c>Dl_info</c> is four pointers.</summary>
    [LibraryImport(Library, EntryPoint = "dladdr")]
    public static partial int Dladdr(nint address, nint* info);

    // ---- raw system calls

    /// <summary><c>SYS_read</c>.</summary>
    public const int SysRead = 0;

    /// <summary><c>SYS_close</c>.</summary>
    public const int SysClose = 3;

    /// <summary><c>SYS_ioctl</c>.</summary>
    public const int SysIoctl = 16;

    /// <summary><c>SYS_fcntl</c>.</summary>
    public const int SysFcntl = 72;

    /// <summary><c>SYS_gettid</c>.</summary>
    public const int SysGettid = 186;

    /// <summary><c>SYS_futex</c>.</summary>
    public const int SysFutex = 202;

    /// <summary><c>SYS_timer_create</c>.</summary>
    public const int SysTimerCreate = 222;

    /// <summary><c>SYS_timer_settime</c>.</summary>
    public const int SysTimerSettime = 223;

    /// <summary><c>SYS_timer_delete</c>.</summary>
    public const int SysTimerDelete = 226;

    /// <summary><c>SYS_perf_event_open</c>.</summary>
    public const int SysPerfEventOpen = 298;

    /// <summary><c>FUTEX_WAIT_PRIVATE</c>.</summary>
    public const int FutexWaitPrivate = 128;

    /// <summary><c>FUTEX_WAKE_PRIVATE</c>.</summary>
    public const int FutexWakePrivate = 129;

    /// <summary><c>long syscall(long, ...)</c> with three arguments.</summary>
    [LibraryImport(Library, EntryPoint = "syscall")]
    public static partial long Syscall(long number, long a0, long a1, long a2);

    /// <summary><c>long syscall(long, ...)</c> with four arguments.</summary>
    [LibraryImport(Library, EntryPoint = "syscall")]
    public static partial long Syscall(long number, long a0, long a1, long a2, long a3);

    /// <summary><c>long syscall(long, ...)</c> with five arguments.</summary>
    [LibraryImport(Library, EntryPoint = "syscall")]
    public static partial long Syscall(long number, long a0, long a1, long a2, long a3, long a4);

    /// <summary><c>long syscall(long, ...)</c> with six arguments.</summary>
    [LibraryImport(Library, EntryPoint = "syscall")]
    public static partial long Syscall(long number, long a0, long a1, long a2, long a3, long a4, long a5);
}
