/* Not a plugin: a handler's signature under the wrong name, and no handle_request. */
#include "flexilib.h"

FLEXILIB_EXPORT struct flexilib_response *not_the_handler(struct flexilib_request *request);

struct flexilib_response *not_the_handler(struct flexilib_request *request)
{
    (void)request;
    return NULL;
}
