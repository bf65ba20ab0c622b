/* A library that takes its process down as soon as it is loaded: its constructor aborts. */
#include <stdlib.h>

#include "flexilib.h"

__attribute__((constructor)) static void crash_on_load(void)
{
    abort();
}

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    (void)request;
    return NULL;
}
