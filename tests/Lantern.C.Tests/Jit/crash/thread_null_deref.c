#include <pthread.h>
static int deref(int *p) { return *p; }
static void *worker(void *arg) { return (void *)(long)deref((int *)arg); }
int main(void) { pthread_t t; pthread_create(&t, 0, worker, 0); pthread_join(t, 0); return 0; }
