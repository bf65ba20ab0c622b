package dev.flexilib.routing;

import dev.flexilib.Request;
import dev.flexilib.plugin.PluginSlot;
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
     * The route for {@code request}. A plugin route's slot is retained for the
     * request: the caller must call {@code slot().release()} when done.
     */
    public Optional<Route> route(Request request) {
        while (true) {
            Optional<Route> route = table.match(request);
            if (route.isEmpty() || !(route.get() instanceof Route.PluginRoute plugin) || plugin.slot().tryRetain()) {
                return route;
            }
            // the slot closed after a newer table replaced ours: that table is published already
        }
    }

    /** The slot of the Lambda function {@code name}, retained for the request as {@link #route} does. */
    public Optional<PluginSlot> function(String name) {
        while (true) {
            Optional<PluginSlot> slot = table.function(name);
            if (slot.isEmpty() || slot.get().tryRetain()) {
                return slot;
            }
        }
    }

    /** The route for a request head, retaining nothing: to see whether a request goes to an upstream. */
    public Optional<Route> peek(Request head) {
        return table.match(head);
    }

    /** Publishes {@code next} and releases the slots only the old table held. Not thread-safe: one writer. */
    public synchronized void replace(RouteTable next) {
        RouteTable old = table;
        table = next;
        old.release();
    }
}
