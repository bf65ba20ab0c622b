/*
 * Answers with the VERSION it was built with (-DVERSION=\"v1\"): header
 * x-version, and VERSION repeated 64 times as the body, so that a response torn
 * between two generations of the library would show. -DSLOW_MS=n makes every
 * request take n ms. Everything is static and read-only, so it is thread-safe.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <time.h>

#include "flexilib.h"

#ifndef VERSION
#error "build with -DVERSION=\"...\""
#endif
#ifndef SLOW_MS
#define SLOW_MS 0
#endif

#define TIMES4(s) s s s s
#define BODY TIMES4(TIMES4(TIMES4(VERSION)))

static const struct flexilib_header version = { "x-version", 9, VERSION, sizeof VERSION - 1 };

static const struct flexilib_response response = {
    .ptr = BODY,
    .len = sizeof BODY - 1,
    .headers = (struct flexilib_header *)&version,
    .headers_len = 1,
};

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    (void)request;
    if (SLOW_MS > 0) {
        struct timespec left = { .tv_sec = SLOW_MS / 1000, .tv_nsec = (SLOW_MS % 1000) * 1000000L };
        while (nanosleep(&left, &left) == -1 && errno == EINTR)
            ;
    }
    /* The ABI's pointer is not const, but the host only reads the response. */
    return (struct flexilib_response *)&response;
}
