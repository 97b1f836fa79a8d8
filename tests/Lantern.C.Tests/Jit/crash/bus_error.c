#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
static int touch(volatile char *page) { return page[100]; }
static int map_truncated(void)
{
    char path[] = "/tmp/lantern-sigbus-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, 4096) != 0) { perror("setup"); return 1; }
    char *p = mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    unlink(path);
    ftruncate(fd, 0);
    return touch(p);
}
int main(void) { printf("before\n"); fflush(stdout); return map_truncated(); }
