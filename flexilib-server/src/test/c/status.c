/*
 * Answers with what the request asks for: x-status (a number) as the status,
 * x-reason (bytes) as the reason phrase, and x-content-type (bytes) as a
 * content-type header, which is sent only when x-content-type is present.
 * The body is "status test".
 */
#include <string.h>

#include "flexilib.h"

/* Longer reasons or content types fail the request rather than being cut. */
#define MAX_VALUE 1024

static __thread struct flexilib_response response;
static __thread struct flexilib_header content_type;
static __thread char reason[MAX_VALUE];
static __thread char type[MAX_VALUE];

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

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    const struct flexilib_header *x_reason = find(request, "x-reason");
    const struct flexilib_header *x_type = find(request, "x-content-type");
    if ((x_reason != NULL && x_reason->value_len > MAX_VALUE) || (x_type != NULL && x_type->value_len > MAX_VALUE))
        return NULL;

    response = (struct flexilib_response){ .ptr = "status test", .len = 11 };
    parse_number(find(request, "x-status"), &response.status);
    /* The request's bytes are gone once we return, so what goes back is copied. */
    if (x_reason != NULL && x_reason->value_len > 0) {
        memcpy(reason, x_reason->value_ptr, x_reason->value_len);
        response.reason_ptr = reason;
        response.reason_len = x_reason->value_len;
    }
    if (x_type != NULL) {
        if (x_type->value_len > 0)
            memcpy(type, x_type->value_ptr, x_type->value_len);
        content_type = (struct flexilib_header){ "content-type", 12, type, x_type->value_len };
        response.headers = &content_type;
        response.headers_len = 1;
    }
    return &response;
}
