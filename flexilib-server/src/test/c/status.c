/*
 * Sets what the request asks for: x-status (number), x-reason (bytes) and
 * x-content-type (a content-type header only when present). Body "status test".
 */
#include "plugin_util.h"

static __thread struct flexilib_header content_type;
static __thread struct flexilib_response response;

struct flexilib_response *handle_request(struct flexilib_request *request) {
    const struct flexilib_header *status = find_header(request, "x-status");
    const struct flexilib_header *reason = find_header(request, "x-reason");
    const struct flexilib_header *type = find_header(request, "x-content-type");
    /* the request's bytes are valid for the whole call, and the host copies the response before it returns */
    response = (struct flexilib_response){ .ptr = "status test", .len = 11 };
    long code = header_number(status);
    response.status = code > 0 ? (size_t)code : 0;
    if (reason) {
        response.reason_ptr = reason->value_ptr;
        response.reason_len = reason->value_len;
    }
    if (type) {
        content_type = (struct flexilib_header){ "content-type", 12, type->value_ptr, type->value_len };
        response.headers = &content_type;
        response.headers_len = 1;
    }
    return &response;
}
