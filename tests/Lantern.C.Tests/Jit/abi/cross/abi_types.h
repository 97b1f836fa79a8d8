/* Types shared by the gcc-compiled callee library and the caller run by the JIT. */
struct I2 { int a, b; };
struct C3 { char c[3]; };
struct LL { long a, b; };
struct III { int a, b, c; };
struct F2 { float x, y; };
struct D2 { double x, y; };
struct F3 { float x, y, z; };
struct DL { double d; long l; };
struct LD { long l; double d; };
struct IF { int i; float f; };
struct Big { long a, b, c; };
struct Odd13 { char c[13]; };

struct I2 abi_mk_i2(int a, int b);
struct C3 abi_mk_c3(char a);
struct LL abi_mk_ll(long a, long b);
struct III abi_mk_iii(int a);
struct F2 abi_mk_f2(float x, float y);
struct D2 abi_mk_d2(double x, double y);
struct F3 abi_mk_f3(float s);
struct DL abi_mk_dl(double d, long l);
struct LD abi_mk_ld(long l, double d);
struct IF abi_mk_if(int i, float f);
struct Big abi_mk_big(long s);
struct Odd13 abi_mk_odd13(int base);

double abi_sum_all(struct I2 a, struct C3 b, struct LL c, struct III d, struct F2 e, struct D2 f, struct F3 g,
                   struct DL h, struct LD i, struct IF j, struct Big k, struct Odd13 l);
long abi_ints(int a, long b, short c, char d, int e, long f, int g, long h, unsigned char i, int j);
double abi_doubles(double a, float b, double c, float d, double e, float f, double g, float h, double i, float j, double k);
double abi_variadic(int n, ...);

/* the callee calls these back into the caller's code */
typedef struct D2 (*d2_fn)(struct D2, struct LL, double);
typedef struct Big (*big_fn)(struct Big, int);
typedef struct DL (*dl_fn)(struct IF, struct F3, struct LD);
double abi_call_back(d2_fn f, big_fn g, dl_fn h);
