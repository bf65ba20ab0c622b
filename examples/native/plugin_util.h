/* Small helpers the example plugins share: header lookup over (ptr, len) pairs. */
#ifndef FLEXILIB_PLUGIN_UTIL_H
#define FLEXILIB_PLUGIN_UTIL_H

#include <strings.h>
#include "flexilib.h"

/* The first request header with this name (case-insensitive), or NULL. */
static inline const struct flexilib_header *find_header(const struct flexilib_request *request, const char *name) {
    size_t name_len = 0;
    while (name[name_len]) name_len++;
    for (size_t i = 0; i < request->headers_len; i++) {
        const struct flexilib_header *h = &request->headers[i];
        if (h->name_len == name_len && strncasecmp(h->name_ptr, name, name_len) == 0) return h;
    }
    return NULL;
}

/* The header's value as a non-negative decimal number, or -1. */
static inline long header_number(const struct flexilib_header *h) {
    if (h == NULL || h->value_len == 0) return -1;
    long value = 0;
    for (size_t i = 0; i < h->value_len; i++) {
        char c = h->value_ptr[i];
        if (c < '0' || c > '9' || value > 100000000) return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

#endif
