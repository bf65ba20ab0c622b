/*
 * The benchmark plugin: "Hello, World!" with no allocation at all. It never blocks, and says so:
 * flexilib calls it on the event loop. Built with -DHELLO_ON_WORKERS (libhello-workers.so) it does
 * not, and runs on the native workers as FlexiLib's libraries do.
 */
#include "flexilib.h"

#ifndef HELLO_ON_WORKERS
FLEXILIB_NONBLOCKING;
#endif

static const char body[] = "Hello, World!";

static const struct flexilib_response response = {
    .ptr = body,
    .len = sizeof body - 1,
};

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    (void)request;
    /* The ABI's pointer is not const, but the host only reads the response. */
    return (struct flexilib_response *)&response;
}
