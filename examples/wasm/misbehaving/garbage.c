// Writes what is not a CGI response, chosen by the first query part: ?noheader (a line
// without a colon), ?noblank (headers never ended), ?nothing, ?status (a status that is not
// a number), ?insufficient (no Content-Type, Location or Status), ?flood (more than any
// output_limit).
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "noheader";
    if (strcmp(what, "noheader") == 0) {
        fputs("this is not a header\n\nbody\n", stdout);
    } else if (strcmp(what, "noblank") == 0) {
        fputs("Content-Type: text/plain\nX-More: 1\n", stdout);
    } else if (strcmp(what, "status") == 0) {
        fputs("Status: abc\nContent-Type: text/plain\n\nbody\n", stdout);
    } else if (strcmp(what, "insufficient") == 0) {
        fputs("X-Only: this\n\nbody\n", stdout);
    } else if (strcmp(what, "flood") == 0) {
        fputs("Content-Type: text/plain\n\n", stdout);
        char block[65536];
        memset(block, 'x', sizeof block);
        for (;;) {
            fwrite(block, 1, sizeof block, stdout);
        }
    }
    return 0;
}
