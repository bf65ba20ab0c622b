/*
 * Allocates its whole response through the Zig allocator it receives in
 * zigInit, the way Zig plugins built for FlexiLib do, so the host's allocator
 * is exercised without a Zig toolchain. It also calls resize and free once.
 */
#include <string.h>
#include "flexilib.h"

static __thread struct flexilib_zig_allocator *allocator;

void zigInit(void *zig_allocator) {
    allocator = zig_allocator;
}

static void *alloc(size_t len, uint8_t log2_align) {
    return allocator->vtable->alloc(allocator->ctx, len, log2_align, 0);
}

static const char prefix[] = "zig allocator: ";

struct flexilib_response *handle_request(struct flexilib_request *request) {
    if (allocator == NULL) return NULL;

    char *scratch = alloc(64, 0);
    if (scratch == NULL) return NULL;
    /* growth may be refused (the host's arena does); then Zig would allocate anew and copy */
    if (!allocator->vtable->resize(allocator->ctx, scratch, 64, 0, 128, 0)) {
        allocator->vtable->resize(allocator->ctx, scratch, 64, 0, 32, 0);
    }
    allocator->vtable->free(allocator->ctx, scratch, 32, 0, 0);

    struct flexilib_response *response = alloc(sizeof *response, 3);
    struct flexilib_header *header = alloc(sizeof *header, 3);
    size_t len = sizeof prefix - 1 + request->target_len;
    char *body = alloc(len, 0);
    if (response == NULL || header == NULL || body == NULL) return NULL;

    memcpy(body, prefix, sizeof prefix - 1);
    memcpy(body + sizeof prefix - 1, request->target, request->target_len);
    *header = (struct flexilib_header){ "x-allocator", 11, "zig", 3 };
    *response = (struct flexilib_response){ .ptr = body, .len = len, .headers = header, .headers_len = 1 };
    allocator = NULL; /* the arena is reset after this request */
    return response;
}
