// Answers with the request body, byte for byte, under the request's Content-Type.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const char *type = getenv("CONTENT_TYPE");
    printf("Content-Type: %s\n\n", type != NULL && *type != '\0' ? type : "application/octet-stream");
    char buffer[16384];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0) {
        fwrite(buffer, 1, n, stdout);
    }
    return 0;
}
