/*
 * Allocates its whole response through the Zig allocator handed to zigInit, as
 * Zig plugins built for FlexiLib do, so the host's allocator is exercised
 * without a Zig toolchain. Answers "zig allocator: <target>" with
 * "x-allocator: zig", and goes through alloc, resize and free once on a scratch
 * buffer to exercise the whole vtable.
 */
#include <string.h>

#include "flexilib.h"

#define ALIGN_BYTES 0  /* log2(1) */
#define ALIGN_STRUCT 3 /* log2(8) */

/* Valid from zigInit until the end of the handle_request that follows it. */
static __thread struct flexilib_zig_allocator allocator;

void zigInit(void *zig_allocator)
{
    allocator = *(const struct flexilib_zig_allocator *)zig_allocator;
}

static void *zig_alloc(size_t len, uint8_t log2_align)
{
    return allocator.vtable->alloc(allocator.ctx, len, log2_align, (size_t)__builtin_return_address(0));
}

static bool zig_resize(void *buf, size_t len, uint8_t log2_align, size_t new_len)
{
    return allocator.vtable->resize(allocator.ctx, buf, len, log2_align, new_len,
                                    (size_t)__builtin_return_address(0));
}

/* Zig's free takes the length last allocated or resized to; NULL is skipped. */
static void zig_free(void *buf, size_t len, uint8_t log2_align)
{
    if (buf != NULL)
        allocator.vtable->free(allocator.ctx, buf, len, log2_align, (size_t)__builtin_return_address(0));
}

static bool exercise_vtable(void)
{
    size_t len = 64;
    char *scratch = zig_alloc(len, ALIGN_BYTES);
    if (scratch == NULL)
        return false;
    memset(scratch, 'z', len);
    /* An arena may refuse to grow in place; then the buffer keeps its old length. */
    if (zig_resize(scratch, len, ALIGN_BYTES, 2 * len)) {
        len *= 2;
        memset(scratch, 'z', len);
    }
    zig_free(scratch, len, ALIGN_BYTES);
    return true;
}

static struct flexilib_response *respond(const struct flexilib_request *request)
{
    static const char prefix[] = "zig allocator: ";
    static const char name[] = "x-allocator";
    static const char value[] = "zig";

    if (!exercise_vtable())
        return NULL;

    size_t len = sizeof prefix - 1 + request->target_len;
    struct flexilib_response *response = zig_alloc(sizeof *response, ALIGN_STRUCT);
    struct flexilib_header *header = zig_alloc(sizeof *header, ALIGN_STRUCT);
    char *body = zig_alloc(len, ALIGN_BYTES);
    if (response == NULL || header == NULL || body == NULL) {
        zig_free(body, len, ALIGN_BYTES);
        zig_free(header, sizeof *header, ALIGN_STRUCT);
        zig_free(response, sizeof *response, ALIGN_STRUCT);
        return NULL;
    }

    memcpy(body, prefix, sizeof prefix - 1);
    if (request->target_len > 0)
        memcpy(body + sizeof prefix - 1, request->target, request->target_len);
    *header = (struct flexilib_header){ name, sizeof name - 1, value, sizeof value - 1 };
    *response = (struct flexilib_response){
        .ptr = body,
        .len = len,
        .headers = header,
        .headers_len = 1,
        .status = 200,
    };
    return response;
}

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    if (allocator.vtable == NULL)
        return NULL;
    struct flexilib_response *response = respond(request);
    /* The host resets the allocator after the request: never reuse it for the next one. */
    allocator = (struct flexilib_zig_allocator){ 0 };
    return response;
}
