package dev.flexilib.routing;

import dev.flexilib.Request;
import java.util.Optional;

/**
 * Routes requests through the current {@link RouteTable}. A new table is
 * published with one reference write; requests already routed keep the slot
 * they retained.
 */
public final class Router {
    private volatile RouteTable table;

    public Router(RouteTable table) {
        this.table = table;
    }

    public RouteTable table() {
        return table;
    }

    /**
     * The route for {@code request}, with its slot retained for the request: the
     * caller must call {@code route.slot().release()} when done.
     */
    public Optional<Route> route(Request request) {
        while (true) {
            Optional<Route> route = table.match(request);
            if (route.isEmpty() || route.get().slot().tryRetain()) {
                return route;
            }
            // the slot closed after a newer table replaced ours: that table is published already
        }
    }

    /** Publishes {@code next} and releases the slots only the old table held. Not thread-safe: one writer. */
    public synchronized void replace(RouteTable next) {
        RouteTable old = table;
        table = next;
        old.release();
    }
}
