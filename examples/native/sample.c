/*
 * Behaves like FlexiLib's sample library: the body is a space and the number
 * of request headers; it adds "X-custom-foo: bar". Request headers steer it:
 *   x-status: N    answer with status N
 *   x-log-this: V  put V before the body
 *   x-slow: MS     sleep MS milliseconds first
 *   x-throw        fail (NULL, so the client gets 500)
 *   Host: iam...   answer "iam response"
 * Memory comes from malloc and goes back in request_deinit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "plugin_util.h"

static __thread struct flexilib_response *response;
static __thread char *body;

static struct flexilib_header custom_foo = { "X-custom-foo", 12, "bar", 3 };

static void sleep_ms(long ms) {
    struct timespec duration = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&duration, &duration) != 0) {
    }
}

static int starts_with(const struct flexilib_header *h, const char *prefix) {
    size_t n = strlen(prefix);
    return h != NULL && h->value_len >= n && memcmp(h->value_ptr, prefix, n) == 0;
}

struct flexilib_response *handle_request(struct flexilib_request *request) {
    long slow = header_number(find_header(request, "x-slow"));
    if (slow > 0) sleep_ms(slow);
    if (find_header(request, "x-throw") != NULL) return NULL;

    const struct flexilib_header *log_this = find_header(request, "x-log-this");
    size_t prefix_len = log_this ? log_this->value_len : 0;
    body = malloc(prefix_len + 32);
    response = calloc(1, sizeof *response);
    if (body == NULL || response == NULL) return NULL;

    size_t len;
    if (starts_with(find_header(request, "Host"), "iam")) {
        len = (size_t)snprintf(body, 32, "iam response");
    } else {
        if (prefix_len) memcpy(body, log_this->value_ptr, prefix_len);
        len = prefix_len + (size_t)snprintf(body + prefix_len, 32, " %zu", request->headers_len);
    }
    long status = header_number(find_header(request, "x-status"));
    response->ptr = body;
    response->len = len;
    response->headers = &custom_foo;
    response->headers_len = 1;
    response->status = status > 0 ? (size_t)status : 0;
    return response;
}

void request_deinit(void) {
    free(body);
    free(response);
    body = NULL;
    response = NULL;
}
