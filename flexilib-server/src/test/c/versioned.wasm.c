// A WAGI module that says which build it is: header X-Version and the version 64 times.
#include <stdio.h>

#ifndef VERSION
#define VERSION "v0"
#endif

int main(void) {
    printf("Content-Type: text/plain\nX-Version: %s\n\n", VERSION);
    for (int i = 0; i < 64; i++) {
        fputs(VERSION, stdout);
    }
    return 0;
}
