// The CGI response rules, chosen by the first query part: ?cookies (two Set-Cookie headers),
// ?redirect (Location, then an explicit Status 301), ?location (Location alone: 302),
// ?reason (Status with a reason phrase), ?crlf (headers ended with CRLF), ?binary (every
// byte value in the body), ?counter (a static counter: 1 on every request, as a fresh
// instance would say).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int counter;
static char *remembered;

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "cookies") == 0) {
        fputs("Content-Type: text/plain\nSet-Cookie: a=1; Path=/\nSet-Cookie: b=2; Path=/\n\ntwo cookies\n", stdout);
    } else if (strcmp(what, "redirect") == 0) {
        fputs("Location: https://example.com/moved\nStatus: 301 Moved Permanently\n\n", stdout);
    } else if (strcmp(what, "location") == 0) {
        fputs("Location: https://example.com/found\n\n", stdout);
    } else if (strcmp(what, "reason") == 0) {
        fputs("Status: 418 I'm a teapot\nContent-Type: text/plain\n\nshort and stout\n", stdout);
    } else if (strcmp(what, "crlf") == 0) {
        fputs("Content-Type: text/plain\r\nX-Line-Ending: crlf\r\n\r\nbody after crlf\n", stdout);
    } else if (strcmp(what, "binary") == 0) {
        fputs("Content-Type: application/octet-stream\n\n", stdout);
        for (int i = 0; i < 256; i++) {
            putchar(i);
        }
    } else if (strcmp(what, "counter") == 0) {
        counter++;
        const char *before = remembered != NULL ? remembered : "(nothing)";
        printf("Content-Type: text/plain\n\ncounter=%d remembered=%s\n", counter, before);
        remembered = malloc(64);
        snprintf(remembered, 64, "from request %s", argc > 2 ? argv[2] : "?");
    } else {
        fputs("Status: 400\nContent-Type: text/plain\n\nunknown rule\n", stdout);
    }
    return 0;
}
