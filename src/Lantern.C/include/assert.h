/* Lantern C library: <assert.h>. Deliberately no include guard: NDEBUG is honoured at each inclusion.
   A failed assertion calls glibc's __assert_fail(expr, file, line, function). */
#ifndef __LANTERN_ASSERT_FAIL
#define __LANTERN_ASSERT_FAIL
_Noreturn void __assert_fail(const char *assertion, const char *file, unsigned int line, const char *function);
#endif

#undef assert
#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr) ((expr) ? (void)0 : __assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif

#ifndef static_assert
#define static_assert _Static_assert
#endif
