#include <stdio.h>

struct DL { double d; long l; };
struct LD { long l; double d; };
struct IF { int i; float f; };
struct FI { float f; int i; };
struct FFI { float a, b; int c; };
struct DI { double d; int i; };

struct DL mk_dl(double d, long l) { struct DL r = { d * 2, l * 2 }; return r; }
struct LD mk_ld(long l, double d) { struct LD r = { l + 1, d + 1 }; return r; }
struct IF mk_if(int i, float f) { struct IF r = { i, f }; return r; }
struct FI mk_fi(float f, int i) { struct FI r = { f, i }; return r; }
struct FFI mk_ffi(float a, float b, int c) { struct FFI r = { a, b, c }; return r; }
struct DI mk_di(double d, int i) { struct DI r = { d, i }; return r; }

double use(struct DL a, struct LD b, struct IF c, struct FI d, struct FFI e, struct DI f)
{
    return a.d + a.l + b.l + b.d + c.i + c.f + d.f + d.i + e.a + e.b + e.c + f.d + f.i;
}

int main(void)
{
    struct DL dl = mk_dl(1.25, 3);
    struct LD ld = mk_ld(7, 2.5);
    struct IF i_f = mk_if(-4, 0.75f);
    struct FI fi = mk_fi(1.5f, 9);
    struct FFI ffi = mk_ffi(0.25f, 0.5f, 11);
    struct DI di = mk_di(100.125, -6);
    printf("dl %g %ld\n", dl.d, dl.l);
    printf("ld %ld %g\n", ld.l, ld.d);
    printf("if %d %g fi %g %d\n", i_f.i, i_f.f, fi.f, fi.i);
    printf("ffi %g %g %d di %g %d\n", ffi.a, ffi.b, ffi.c, di.d, di.i);
    printf("use %g\n", use(dl, ld, i_f, fi, ffi, di));
    return 0;
}
