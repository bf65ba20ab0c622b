/*
 * Echo: the body comes back byte for byte, every request header comes back
 * unchanged and in order, followed by x-echo-method and x-echo-target.
 * The response is malloc'd per request and freed in request_deinit.
 */
#include <stdlib.h>
#include <string.h>

#include "flexilib.h"

/* It copies memory and nothing else: it never blocks. */
FLEXILIB_NONBLOCKING;

static __thread struct flexilib_response *response;
static __thread struct flexilib_header *headers;
static __thread char *bytes;

/* Copies len bytes to *next and returns where they went; src is not read when len is 0. */
static const char *keep(char **next, const char *src, size_t len)
{
    char *dst = *next;
    if (len > 0)
        memcpy(dst, src, len);
    *next += len;
    return dst;
}

void request_deinit(void)
{
    free(bytes);
    free(headers);
    free(response);
    bytes = NULL;
    headers = NULL;
    response = NULL;
}

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    /* Normally a no-op; frees what a host that skipped request_deinit left behind. */
    request_deinit();

    size_t n = request->headers_len;
    size_t total = request->content_len + request->method_len + request->target_len;
    for (size_t i = 0; i < n; i++)
        total += request->headers[i].name_len + request->headers[i].value_len;

    /* The request's memory is gone once we return, so everything echoed is copied. */
    bytes = malloc(total + 1); /* + 1: never malloc(0) */
    headers = malloc((n + 2) * sizeof *headers);
    response = malloc(sizeof *response);
    if (bytes == NULL || headers == NULL || response == NULL) {
        request_deinit();
        return NULL;
    }

    char *next = bytes;
    for (size_t i = 0; i < n; i++) {
        const struct flexilib_header *h = &request->headers[i];
        headers[i].name_ptr = keep(&next, h->name_ptr, h->name_len);
        headers[i].name_len = h->name_len;
        headers[i].value_ptr = keep(&next, h->value_ptr, h->value_len);
        headers[i].value_len = h->value_len;
    }
    headers[n] = (struct flexilib_header){
        "x-echo-method", 13, keep(&next, request->method, request->method_len), request->method_len,
    };
    headers[n + 1] = (struct flexilib_header){
        "x-echo-target", 13, keep(&next, request->target, request->target_len), request->target_len,
    };
    *response = (struct flexilib_response){
        .ptr = keep(&next, request->content, request->content_len),
        .len = request->content_len,
        .headers = headers,
        .headers_len = n + 2,
    };
    return response;
}
