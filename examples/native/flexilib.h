/*
 * FlexiLib's C ABI for native plugins (x86_64 Linux, LP64).
 *
 * A plugin is a shared library exporting:
 *
 *   handle_request  required  answers one request; NULL means failure and the
 *                             host answers 500.
 *   zigInit         optional  called on the same worker thread right before each
 *                             handle_request, with the host's Zig allocator.
 *   request_deinit  optional  called after the host copied the response out;
 *                             free per-request memory here.
 *   flexilib_nonblocking      optional, flexilib's extension: its presence says that
 *                             handle_request never blocks (no I/O, no locks held long,
 *                             no sleeping), so flexilib calls the library on the network
 *                             event loop that read the request, as nginx calls its
 *                             modules, saving two thread hand-offs. Declare it with
 *                             FLEXILIB_NONBLOCKING; it is never read. FlexiLib ignores it.
 *
 * Several worker threads call the plugin concurrently: per-request state must be
 * thread-local (__thread), never a plain static.
 *
 * Byte ranges are (pointer, length) pairs of arbitrary bytes: they are not
 * NUL-terminated and may contain NUL. When a length is 0 the pointer may be
 * anything and must not be dereferenced. Everything handed to the plugin is
 * valid only during the call that receives it.
 */
#ifndef FLEXILIB_H
#define FLEXILIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FLEXILIB_EXPORT __attribute__((visibility("default")))
#else
#define FLEXILIB_EXPORT
#endif

/* 32 bytes. */
struct flexilib_header {
    const char *name_ptr;
    size_t name_len;
    const char *value_ptr;
    size_t value_len;
};

/* 64 bytes. */
struct flexilib_request {
    const char *target; /* request target as sent, e.g. "/path?q=1" */
    size_t target_len;
    const char *method; /* NUL-terminated, e.g. "GET" */
    size_t method_len;
    const char *content; /* request body */
    size_t content_len;
    struct flexilib_header *headers; /* in the order received */
    size_t headers_len;
};

/*
 * 56 bytes. The response and everything it points to must stay valid until the
 * host has copied it out (that is, until request_deinit, or until the next call
 * on the same thread when the plugin has no request_deinit).
 */
struct flexilib_response {
    const char *ptr; /* body */
    size_t len;
    struct flexilib_header *headers;
    size_t headers_len;
    size_t status; /* 0 means 200 */
    const char *reason_ptr;
    size_t reason_len; /* 0 means the standard reason phrase for status */
};
/* Without a content-type header in the response the host sends text/plain. */

/*
 * Zig 0.11's std.mem.Allocator, as handed to zigInit. log2_align is the base-2
 * logarithm of the alignment (3 for 8 bytes); ret_addr is only for the
 * allocator's diagnostics. Memory from it stays valid until the host copied the
 * response out, and the host resets it after each request.
 */
struct flexilib_zig_allocator_vtable {
    void *(*alloc)(void *ctx, size_t len, uint8_t log2_align, size_t ret_addr); /* NULL on failure */
    bool (*resize)(void *ctx, void *buf, size_t buf_len, uint8_t log2_align, size_t new_len,
                   size_t ret_addr); /* false: not resized, buf is unchanged */
    void (*free)(void *ctx, void *buf, size_t buf_len, uint8_t log2_align, size_t ret_addr);
};

/* 16 bytes. */
struct flexilib_zig_allocator {
    void *ctx;
    const struct flexilib_zig_allocator_vtable *vtable;
};

FLEXILIB_EXPORT struct flexilib_response *handle_request(struct flexilib_request *request);

/* allocator points to a struct flexilib_zig_allocator. */
FLEXILIB_EXPORT void zigInit(void *allocator);

FLEXILIB_EXPORT void request_deinit(void);

/* Put FLEXILIB_NONBLOCKING; at file scope in a library whose handle_request never blocks. */
FLEXILIB_EXPORT extern const char flexilib_nonblocking;
#define FLEXILIB_NONBLOCKING FLEXILIB_EXPORT const char flexilib_nonblocking = 1

#ifdef __cplusplus
}
#endif

#endif /* FLEXILIB_H */
