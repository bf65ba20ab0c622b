/*
 * A test plugin that lets a test hold a request on its worker deterministically:
 * with `x-started: FIFO` it writes one byte to FIFO when the request starts, and
 * with `x-release: FIFO` it blocks until it can read one byte from FIFO.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "flexilib.h"

static __thread struct flexilib_response response;

static int header(const struct flexilib_request *request, const char *name, char *out, size_t size) {
    size_t name_len = strlen(name);
    for (size_t i = 0; i < request->headers_len; i++) {
        const struct flexilib_header *h = &request->headers[i];
        if (h->name_len == name_len && strncasecmp(h->name_ptr, name, name_len) == 0 && h->value_len < size) {
            memcpy(out, h->value_ptr, h->value_len);
            out[h->value_len] = '\0';
            return 1;
        }
    }
    return 0;
}

struct flexilib_response *handle_request(struct flexilib_request *request) {
    char path[4096];
    char byte = 's';
    if (header(request, "x-started", path, sizeof path)) {
        int fd = open(path, O_WRONLY);
        if (fd < 0 || write(fd, &byte, 1) != 1) return NULL;
        close(fd);
    }
    if (header(request, "x-release", path, sizeof path)) {
        int fd = open(path, O_RDONLY);
        if (fd < 0 || read(fd, &byte, 1) != 1) return NULL;
        close(fd);
    }
    memset(&response, 0, sizeof response);
    response.ptr = "released";
    response.len = 8;
    return &response;
}
