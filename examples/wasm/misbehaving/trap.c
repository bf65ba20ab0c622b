// Traps (an unreachable instruction) after a line on stderr: 500, the trap in the log.
#include <stdio.h>

int main(void) {
    fputs("about to trap\n", stderr);
    fflush(stderr);
    __builtin_trap();
}
