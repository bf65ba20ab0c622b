// The smallest WAGI module: CGI headers, an empty line, the body.
#include <stdio.h>

int main(void) {
    fputs("Content-Type: text/plain\n\nHello from WebAssembly!\n", stdout);
    return 0;
}
