/* The benchmark plugin: "Hello, World!" with no allocation at all. */
#include "flexilib.h"

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
