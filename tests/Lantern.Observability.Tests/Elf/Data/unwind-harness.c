/* A host for testing unwind information with the system unwinder (libgcc's, used by glibc's backtrace()):
     unwind-harness so PATH.so            dlopen the object, call its `call(cb)`: found through PT_GNU_EH_FRAME
     unwind-harness register FILE ADDRESS map FILE (code at +0, .eh_frame at +0x800) at ADDRESS, libgcc_s's
                                          __register_frame
   The code is `int call(int (*fn)(void))`, which calls fn; fn prints the backtrace. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>


int __attribute__((noinline)) callback(void)
{
    void *frames[32];
    int count = backtrace(frames, 32);
    fflush(stdout);
    backtrace_symbols_fd(frames, count, STDOUT_FILENO);
    return 41;
}

int main(int argc, char **argv)
{
    int (*call)(int (*)(void));
    if (argc == 3 && strcmp(argv[1], "so") == 0) {
        void *handle = dlopen(argv[2], RTLD_NOW);
        if (!handle) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
        call = (int (*)(int (*)(void)))dlsym(handle, "call");
        if (!call) { fprintf(stderr, "dlsym: %s\n", dlerror()); return 2; }
    } else if (argc == 4 && strcmp(argv[1], "register") == 0) {
        FILE *f = fopen(argv[2], "rb");
        if (!f) { perror(argv[2]); return 2; }
        char buffer[65536];
        size_t size = fread(buffer, 1, sizeof buffer, f);
        fclose(f);
        uintptr_t address = strtoull(argv[3], 0, 16);
        void *at = mmap((void *)address, 65536, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (at != (void *)address) { perror("mmap"); return 2; }
        memcpy(at, buffer, size);
        /* The unwinder glibc's backtrace() uses is libgcc_s.so.1's: register there (a static libgcc_eh copy
           linked into this program would keep its own, unseen list). */
        void *libgcc = dlopen("libgcc_s.so.1", RTLD_NOW);
        void (*register_frame)(void *) = libgcc ? (void (*)(void *))dlsym(libgcc, "__register_frame") : 0;
        if (!register_frame) { fprintf(stderr, "no __register_frame in libgcc_s.so.1\n"); return 2; }
        register_frame((char *)at + 0x800);
        call = (int (*)(int (*)(void)))at;
    } else {
        fprintf(stderr, "usage: unwind-harness so PATH | register FILE ADDRESS\n");
        return 2;
    }

    printf("call returned %d\n", call(callback));
    return 0;
}
