/* Lantern C library: <memory.h> (historical: same as <string.h>). */
#include <string.h>
