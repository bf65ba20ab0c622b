// Never ends: the sandbox's time_limit must stop it.
#include <stdio.h>

int main(void) {
    fputs("Content-Type: text/plain\n\n", stdout);
    fflush(stdout);
    volatile unsigned long spins = 0;
    for (;;) {
        spins++;
    }
}
