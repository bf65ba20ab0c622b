package dev.flexilib;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.http.RequestHandler;
import dev.flexilib.plugin.PluginFailure;
import dev.flexilib.plugin.PluginSlot;
import dev.flexilib.routing.Route;
import dev.flexilib.routing.Router;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Routes each request and runs its plugin on the plugin's own threads. This is
 * the one place where a failure becomes a status code; the reason goes to the
 * log, never into the response body.
 */
final class Dispatcher implements RequestHandler {
    static final Response NOT_FOUND = Response.text(404, "Not Found\n");
    static final Response PLUGIN_FAILED = Response.text(500, "Internal Server Error\n");
    static final Response UNAVAILABLE = Response.text(503, "Service Unavailable\n");

    private final Router router;
    private final Diagnostics diagnostics;

    Dispatcher(Router router, Diagnostics diagnostics) {
        this.router = router;
        this.diagnostics = diagnostics;
    }

    @Override
    public void handle(Request request, Consumer<Handled> done) {
        Optional<Route> route = router.route(request);
        if (route.isEmpty()) {
            done.accept(Handled.of(NOT_FOUND));
            return;
        }
        PluginSlot slot = route.get().slot();
        try {
            slot.executor().execute(() -> done.accept(run(slot, request)));
        } catch (RejectedExecutionException e) {
            slot.release();
            done.accept(Handled.of(UNAVAILABLE));
        }
    }

    private Handled run(PluginSlot slot, Request request) {
        try {
            return slot.handle(request);
        } catch (PluginFailure e) {
            diagnostics.warn(Event.REQUEST_FAILED, describe(request, slot) + ": " + e.getMessage());
            return Handled.of(PLUGIN_FAILED);
        } catch (RuntimeException e) {
            diagnostics.error(Event.REQUEST_FAILED, describe(request, slot) + ": unexpected failure", e);
            return Handled.of(PLUGIN_FAILED);
        } finally {
            slot.release();
        }
    }

    private static String describe(Request request, PluginSlot slot) {
        return request.method() + " " + request.target() + " (" + slot.spec() + ")";
    }
}
