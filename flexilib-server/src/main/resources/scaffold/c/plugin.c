/*
 * {{name}}: a flexilib plugin in C. Answers "Hello from {{name}}! You asked for TARGET".
 * flexilib.h describes the whole ABI: what the server passes in, what it expects
 * back, and how long each piece of memory must stay valid.
 */
#include <stdio.h>

#include "flexilib.h"

/*
 * Several worker threads call handle_request at once, so the response is
 * thread-local; the server copies it out before this thread's next call.
 */
static __thread char body[1024];
static __thread struct flexilib_response response;

/* Only read, so one copy serves every thread. */
static struct flexilib_header headers[] = {
    { "content-type", 12, "text/plain; charset=utf-8", 25 },
};

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    /* The whole request-target, the route's prefix included: "/{{name}}/x?y=1". */
    int len = snprintf(body, sizeof body, "Hello from {{name}}! You asked for %.*s\n",
                       (int)request->target_len, request->target_len > 0 ? request->target : "");
    if (len < 0)
        return NULL; /* the client gets 500 */

    response = (struct flexilib_response){
        .ptr = body,
        .len = (size_t)len < sizeof body ? (size_t)len : sizeof body - 1, /* snprintf truncated it */
        .headers = headers,
        .headers_len = sizeof headers / sizeof headers[0],
    };
    return &response;
}
