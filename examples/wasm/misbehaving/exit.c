// Ends with exit(): ?after writes a response first and exits 3 (the response stands),
// ?before exits 0 having written nothing (502). Either way only this request ends.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "before") == 0) {
        exit(0);
    }
    fputs("Content-Type: text/plain\n\nwritten, then exit(3)\n", stdout);
    fflush(stdout);
    exit(3);
}
