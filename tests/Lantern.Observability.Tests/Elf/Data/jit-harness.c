/* A minimal JIT host for testing symfiles with gdb's JIT interface: maps code at a fixed address, registers the
   symfile through __jit_debug_descriptor, then calls the code. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef enum { JIT_NOACTION = 0, JIT_REGISTER_FN, JIT_UNREGISTER_FN } jit_actions_t;
struct jit_code_entry { struct jit_code_entry *next_entry; struct jit_code_entry *prev_entry; const char *symfile_addr; uint64_t symfile_size; };
struct jit_descriptor { uint32_t version; uint32_t action_flag; struct jit_code_entry *relevant_entry; struct jit_code_entry *first_entry; };
void __attribute__((noinline)) __jit_debug_register_code(void) { __asm__ volatile("" ::: "memory"); }
struct jit_descriptor __jit_debug_descriptor = { 1, 0, 0, 0 };

static char *slurp(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END); *size = ftell(f); fseek(f, 0, SEEK_SET);
    char *buffer = malloc(*size);
    if (fread(buffer, 1, *size, f) != (size_t)*size) { perror("read"); exit(2); }
    fclose(f);
    return buffer;
}

static int __attribute__((noinline)) call_jit(int (*fn)(int, int), int a, int b)
{
    int result = fn(a, b);
    return result;
}

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: harness CODE SYMFILE ADDRESS\n"); return 2; }
    long codeSize, symSize;
    char *code = slurp(argv[1], &codeSize);
    char *symfile = slurp(argv[2], &symSize);
    uintptr_t address = strtoull(argv[3], 0, 16);
    void *at = mmap((void *)address, (codeSize + 4095) & ~4095L, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (at != (void *)address) { perror("mmap"); return 2; }
    memcpy(at, code, codeSize);

    static struct jit_code_entry entry;
    entry.symfile_addr = symfile;
    entry.symfile_size = symSize;
    __jit_debug_descriptor.first_entry = &entry;
    __jit_debug_descriptor.relevant_entry = &entry;
    __jit_debug_descriptor.action_flag = JIT_REGISTER_FN;
    __jit_debug_register_code();

    printf("add(2, 3) = %d\n", call_jit((int (*)(int, int))at, 2, 3));
    return 0;
}
