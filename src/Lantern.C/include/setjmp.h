/* Lantern C library: <setjmp.h>. jmp_buf is glibc's struct __jmp_buf_tag[1] (200 bytes, align 8). */
#ifndef __LANTERN_SETJMP_H
#define __LANTERN_SETJMP_H

struct __jmp_buf_tag
{
    long __jmpbuf[8];
    int __mask_was_saved;
    struct
    {
        unsigned long __val[16];
    } __saved_mask;
};

typedef struct __jmp_buf_tag jmp_buf[1];
typedef struct __jmp_buf_tag sigjmp_buf[1];

int setjmp(jmp_buf env);
int _setjmp(jmp_buf env);
_Noreturn void longjmp(jmp_buf env, int val);
_Noreturn void _longjmp(jmp_buf env, int val);
int __sigsetjmp(sigjmp_buf env, int savemask);
#define sigsetjmp(env, savemask) __sigsetjmp(env, savemask)
_Noreturn void siglongjmp(sigjmp_buf env, int val);

#endif
