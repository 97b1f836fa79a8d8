/* Lantern C library: <stdarg.h>.
   The parser implements these builtins (System V x86-64 ABI):
     __builtin_va_list  = struct __va_list_tag { unsigned gp_offset, fp_offset;
                                                 void *overflow_arg_area, *reg_save_area; }[1]
     __builtin_va_start(ap, last), __builtin_va_arg(ap, type),
     __builtin_va_end(ap), __builtin_va_copy(dest, src) */
#ifndef __LANTERN_STDARG_H
#define __LANTERN_STDARG_H

#ifndef __LANTERN_VA_LIST
#define __LANTERN_VA_LIST
typedef __builtin_va_list va_list;
typedef __builtin_va_list __gnuc_va_list;
#endif

#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)
#define va_copy(dest, src) __builtin_va_copy(dest, src)
#define __va_copy(dest, src) __builtin_va_copy(dest, src)

#endif
