/* A plugin that always fails: handle_request returns NULL, so the host answers 500. */
#include "flexilib.h"

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    (void)request;
    return NULL;
}
