/*
 * A plugin that crashes on demand, to show what the supervisor does:
 *   x-crash: segfault   dereferences NULL (SIGSEGV)
 *   x-crash: abort      calls abort() (SIGABRT)
 *   x-crash: exit       calls exit(7)
 * Without x-crash it answers "still alive". The crash takes the whole server
 * child down; the supervisor starts a new one while new connections wait.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flexilib.h"

static struct flexilib_response alive = { .ptr = "still alive", .len = 11 };

static const struct flexilib_header *find(const struct flexilib_request *request, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < request->headers_len; i++) {
        const struct flexilib_header *h = &request->headers[i];
        if (h->name_len == len && strncasecmp(h->name_ptr, name, len) == 0)
            return h;
    }
    return NULL;
}

static int is(const struct flexilib_header *h, const char *value)
{
    size_t len = strlen(value);
    return h->value_len == len && memcmp(h->value_ptr, value, len) == 0;
}

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    const struct flexilib_header *crash = find(request, "x-crash");
    if (crash != NULL) {
        if (is(crash, "segfault")) {
            volatile int *nowhere = NULL;
            *nowhere = 1;
        } else if (is(crash, "abort")) {
            abort();
        } else if (is(crash, "exit")) {
            exit(7);
        }
    }
    return &alive;
}
