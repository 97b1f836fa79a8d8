#include <stdio.h>
static int deref(int *p) { return *p; }
static int middle(int *p) { return deref(p) + 1; }
int main(void) { printf("before\n"); fflush(stdout); return middle((int *)0); }
