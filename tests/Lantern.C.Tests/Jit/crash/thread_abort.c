#include <pthread.h>
#include <stdlib.h>
static void fail(void) { abort(); }
static void *worker(void *arg) { fail(); return arg; }
int main(void) { pthread_t t; pthread_create(&t, 0, worker, 0); pthread_join(t, 0); return 0; }
