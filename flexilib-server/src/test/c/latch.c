/*
 * A test plugin that lets a test hold a request on its worker deterministically:
 * with `x-started: FIFO` it writes one byte to FIFO when the request starts, and
 * with `x-release: FIFO` it blocks until it can read one byte from FIFO. It
 * answers "released", or with `x-size: N` N bytes, byte i being (i * 31) % 251;
 * `x-status: N` sets the status, `x-bad-header: 1` adds a header HTTP cannot carry.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "flexilib.h"

static __thread struct flexilib_response response;
static __thread struct flexilib_header bad_header;
static __thread char *body;
static __thread size_t body_size;

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
    char value[32];
    if (header(request, "x-size", value, sizeof value)) {
        size_t size = strtoul(value, NULL, 10);
        if (size > body_size) {
            free(body);
            body = malloc(size);
            if (body == NULL) return NULL;
            body_size = size;
        }
        for (size_t i = 0; i < size; i++) body[i] = (char) ((i * 31) % 251);
        response.ptr = body;
        response.len = size;
    }
    if (header(request, "x-status", value, sizeof value)) {
        response.status = strtoul(value, NULL, 10);
    }
    if (header(request, "x-bad-header", value, sizeof value)) {
        bad_header.name_ptr = "bad\r\nheader";
        bad_header.name_len = 11;
        bad_header.value_ptr = "x";
        bad_header.value_len = 1;
        response.headers = &bad_header;
        response.headers_len = 1;
    }
    return &response;
}
