// Takes memory a mebibyte at a time, touching every page, until there is no more; then
// aborts (a trap). Its memory_limit must stop it before it hurts the server.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *kept[65536];

int main(void) {
    size_t taken = 0;
    for (;;) {
        char *block = malloc(1024 * 1024);
        if (block == NULL) {
            fprintf(stderr, "out of memory after %zu MiB\n", taken);
            abort();
        }
        memset(block, (int) taken, 1024 * 1024);
        kept[taken % 65536] = block;
        taken++;
    }
}
