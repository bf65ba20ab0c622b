/*
 * Answers with its build's VERSION (-DVERSION=\"v1\"): header x-version, and
 * the version repeated 64 times as the body, so that a response mixing two
 * generations would show. -DSLOW_MS=n makes every request take n ms.
 */
#include <time.h>
#include "flexilib.h"

#ifndef VERSION
#define VERSION "unversioned"
#endif
#ifndef SLOW_MS
#define SLOW_MS 0
#endif

#define R4(s) s s s s
#define BODY R4(R4(R4(VERSION)))

static struct flexilib_header version = { "x-version", 9, VERSION, sizeof VERSION - 1 };
static struct flexilib_response response = {
    .ptr = BODY, .len = sizeof BODY - 1, .headers = &version, .headers_len = 1,
};

struct flexilib_response *handle_request(struct flexilib_request *request) {
    (void)request;
    if (SLOW_MS > 0) {
        struct timespec duration = { SLOW_MS / 1000, (SLOW_MS % 1000) * 1000000L };
        nanosleep(&duration, NULL);
    }
    return &response;
}
