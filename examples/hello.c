#include <stdio.h>

int main(void)
{
    printf("Hello from Lantern!\n");
    return 0;
}
