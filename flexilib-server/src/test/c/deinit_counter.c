/* Counts the ABI calls it receives and reports them: "init=A handle=B deinit=C". */
#include <stdatomic.h>
#include <stdio.h>
#include "flexilib.h"

static atomic_long inits, handles, deinits;
static __thread char body[96];
static __thread struct flexilib_response response;

void zigInit(void *allocator) {
    (void)allocator;
    atomic_fetch_add(&inits, 1);
}

struct flexilib_response *handle_request(struct flexilib_request *request) {
    (void)request;
    long handled = atomic_fetch_add(&handles, 1) + 1;
    int len = snprintf(body, sizeof body, "init=%ld handle=%ld deinit=%ld", atomic_load(&inits), handled,
                       atomic_load(&deinits));
    response = (struct flexilib_response){ .ptr = body, .len = (size_t)len };
    return &response;
}

void request_deinit(void) {
    atomic_fetch_add(&deinits, 1);
}
