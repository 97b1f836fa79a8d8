static volatile unsigned long counter;

static void spin(void)
{
    for (;;)
        counter++;
}

int main(void)
{
    spin();
    return 0;
}
