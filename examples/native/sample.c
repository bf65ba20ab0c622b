/*
 * Behaves like FlexiLib's sample library. The body is a space and the number of
 * request headers, and the response carries "X-custom-foo: bar". Request headers
 * (names case-insensitive) steer it:
 *   x-status: N    answer with status N
 *   x-log-this: V  put the bytes V before the body
 *   x-slow: MS     sleep MS milliseconds before answering
 *   x-throw        fail: return NULL, so the client gets 500
 *   Host: iam...   the body is "iam response" instead
 * The response is malloc'd per request and freed in request_deinit.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flexilib.h"

static __thread struct flexilib_response *response;
static __thread struct flexilib_header *headers;
static __thread char *body;

static bool name_is(const struct flexilib_header *header, const char *name)
{
    size_t len = strlen(name);
    if (header->name_len != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)header->name_ptr[i];
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c != (unsigned char)name[i])
            return false;
    }
    return true;
}

static const struct flexilib_header *find(const struct flexilib_request *request, const char *lowercase_name)
{
    for (size_t i = 0; i < request->headers_len; i++)
        if (name_is(&request->headers[i], lowercase_name))
            return &request->headers[i];
    return NULL;
}

/* A decimal value; false when it is empty, not all digits, or too large. */
static bool parse_number(const struct flexilib_header *header, size_t *out)
{
    if (header == NULL || header->value_len == 0 || header->value_len > 9)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < header->value_len; i++) {
        char c = header->value_ptr[i];
        if (c < '0' || c > '9')
            return false;
        n = n * 10 + (size_t)(c - '0');
    }
    *out = n;
    return true;
}

static void sleep_ms(size_t ms)
{
    struct timespec left = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };
    /* The JVM hosting us uses signals; keep sleeping through them. */
    while (nanosleep(&left, &left) == -1 && errno == EINTR)
        ;
}

void request_deinit(void)
{
    free(body);
    free(headers);
    free(response);
    body = NULL;
    headers = NULL;
    response = NULL;
}

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    /* Normally a no-op; frees what a host that skipped request_deinit left behind. */
    request_deinit();

    size_t ms;
    if (parse_number(find(request, "x-slow"), &ms))
        sleep_ms(ms);
    if (find(request, "x-throw") != NULL)
        return NULL;

    static const char iam[] = "iam response";
    const struct flexilib_header *host = find(request, "host");
    bool is_iam = host != NULL && host->value_len >= 3 && memcmp(host->value_ptr, "iam", 3) == 0;
    const struct flexilib_header *log_this = find(request, "x-log-this");
    size_t prefix_len = log_this != NULL ? log_this->value_len : 0;

    /* Room for the prefix, " ", and a size_t in decimal with its NUL. */
    body = malloc(is_iam ? sizeof iam : prefix_len + 22);
    headers = malloc(sizeof *headers);
    response = malloc(sizeof *response);
    if (body == NULL || headers == NULL || response == NULL) {
        request_deinit();
        return NULL;
    }

    size_t len;
    if (is_iam) {
        memcpy(body, iam, sizeof iam - 1);
        len = sizeof iam - 1;
    } else {
        if (prefix_len > 0)
            memcpy(body, log_this->value_ptr, prefix_len);
        len = prefix_len + (size_t)snprintf(body + prefix_len, 22, " %zu", request->headers_len);
    }

    size_t status = 0;
    parse_number(find(request, "x-status"), &status);

    *headers = (struct flexilib_header){ "X-custom-foo", 12, "bar", 3 };
    *response = (struct flexilib_response){
        .ptr = body,
        .len = len,
        .headers = headers,
        .headers_len = 1,
        .status = status,
    };
    return response;
}
