static int down(int n) { volatile char buf[256]; buf[0] = n; return down(n + 1) + buf[0]; }
int main(void) { return down(0); }
