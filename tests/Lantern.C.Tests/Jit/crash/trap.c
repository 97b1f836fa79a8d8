#include <stdio.h>
static void check(int ok) { if (!ok) __builtin_trap(); }
static void middle(int v) { check(v > 10); }
int main(void) { printf("before\n"); fflush(stdout); middle(3); return 0; }
