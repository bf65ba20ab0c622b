/*
 * Counts the ABI calls it receives and answers "init=A handle=B deinit=C".
 * The counts are taken as handle_request starts, this call included, so the
 * previous request's request_deinit is visible and init equals handle when the
 * host calls zigInit before every request.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "flexilib.h"

static atomic_size_t inits, handles, deinits;

static __thread char body[96];
static __thread struct flexilib_response response;

void zigInit(void *allocator)
{
    (void)allocator;
    atomic_fetch_add(&inits, 1);
}

struct flexilib_response *handle_request(struct flexilib_request *request)
{
    (void)request;
    size_t handle = atomic_fetch_add(&handles, 1) + 1;
    size_t init = atomic_load(&inits);
    size_t deinit = atomic_load(&deinits);
    int len = snprintf(body, sizeof body, "init=%zu handle=%zu deinit=%zu", init, handle, deinit);
    response = (struct flexilib_response){ .ptr = body, .len = (size_t)len };
    return &response;
}

void request_deinit(void)
{
    atomic_fetch_add(&deinits, 1);
}
