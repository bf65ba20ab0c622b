// Shows what a WAGI module is given: its arguments (the path, then the query's parts),
// every environment variable (the CGI ones, the HTTP_ headers, env.* from env.properties),
// and the request body's length as read from stdin.
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("Content-Type: text/plain; charset=utf-8\n\n");
    for (int i = 0; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    for (char **variable = environ; *variable != NULL; variable++) {
        printf("%s\n", *variable);
    }
    size_t body = 0;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0) {
        body += n;
    }
    printf("stdin=%zu bytes\n", body);
    return 0;
}
