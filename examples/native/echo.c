/*
 * Echo: the body comes back as it was sent, every request header comes back
 * unchanged and in order, plus x-echo-method and x-echo-target.
 */
#include <stdlib.h>
#include <string.h>
#include "flexilib.h"

static __thread struct flexilib_response *response;
static __thread struct flexilib_header *headers;
static __thread char *copy;

struct flexilib_response *handle_request(struct flexilib_request *request) {
    size_t count = request->headers_len + 2;
    size_t bytes = request->content_len + request->target_len + request->method_len;
    for (size_t i = 0; i < request->headers_len; i++) {
        bytes += request->headers[i].name_len + request->headers[i].value_len;
    }
    response = calloc(1, sizeof *response);
    headers = calloc(count, sizeof *headers);
    copy = malloc(bytes + 1);
    if (response == NULL || headers == NULL || copy == NULL) return NULL;

    /* the request's memory is the host's and valid only during this call: copy what goes back */
    char *next = copy;
#define KEEP(dst, src, n) do { memcpy(next, (src), (n)); (dst) = next; next += (n); } while (0)
    for (size_t i = 0; i < request->headers_len; i++) {
        const struct flexilib_header *h = &request->headers[i];
        KEEP(headers[i].name_ptr, h->name_ptr, h->name_len);
        headers[i].name_len = h->name_len;
        KEEP(headers[i].value_ptr, h->value_ptr, h->value_len);
        headers[i].value_len = h->value_len;
    }
    struct flexilib_header *method = &headers[request->headers_len];
    struct flexilib_header *target = &headers[request->headers_len + 1];
    *method = (struct flexilib_header){ "x-echo-method", 13, NULL, request->method_len };
    KEEP(method->value_ptr, request->method, request->method_len);
    *target = (struct flexilib_header){ "x-echo-target", 13, NULL, request->target_len };
    KEEP(target->value_ptr, request->target, request->target_len);
    KEEP(response->ptr, request->content, request->content_len);
#undef KEEP
    response->len = request->content_len;
    response->headers = headers;
    response->headers_len = count;
    return response;
}

void request_deinit(void) {
    free(copy);
    free(headers);
    free(response);
    copy = NULL;
    headers = NULL;
    response = NULL;
}
