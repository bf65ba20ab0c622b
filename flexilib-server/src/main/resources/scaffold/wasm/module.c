// {{name}}: a WAGI module. The request arrives as CGI variables (REQUEST_METHOD, PATH_INFO,
// QUERY_STRING, HTTP_* headers...), the query's parts as arguments and the body on stdin;
// the response is CGI headers, an empty line, then the body, on stdout.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    const char *method = getenv("REQUEST_METHOD");
    const char *path = getenv("PATH_INFO");
    printf("Content-Type: text/plain\n\n");
    printf("Hello from {{name}}: %s %s", method != NULL ? method : "?", path != NULL && *path ? path : "/");
    for (int i = 1; i < argc; i++) {
        printf(" %s", argv[i]);
    }
    printf("\n");
    return 0;
}
