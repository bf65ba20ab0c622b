package dev.flexilib;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.http.RequestHandler;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.plugin.PluginFailure;
import dev.flexilib.plugin.PluginOverloaded;
import dev.flexilib.plugin.PluginSlot;
import dev.flexilib.plugin.ServedPlugin;
import dev.flexilib.plugin.lambda.InvokeApi;
import dev.flexilib.proxy.ProxyTarget;
import dev.flexilib.routing.Route;
import dev.flexilib.routing.Router;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Routes each request and runs its plugin on the plugin's own threads. This is
 * the one place where a plugin's failure becomes a status code; the reason goes
 * to the log, never into the response body.
 */
final class Dispatcher implements RequestHandler {
    static final Response NOT_FOUND = Response.text(404, "Not Found\n");
    static final Response PLUGIN_FAILED = Response.text(500, "Internal Server Error\n");
    static final Response UNAVAILABLE = Response.text(503, "Service Unavailable\n");
    private static final Runnable NOTHING = () -> { };

    private final Router router;
    private final Diagnostics diagnostics;

    Dispatcher(Router router, Diagnostics diagnostics) {
        this.router = router;
        this.diagnostics = diagnostics;
    }

    @Override
    public Optional<CompletionStage<ProxyTarget>> proxyFor(Request head) {
        return router.peek(head).flatMap(route -> switch (route) {
            case Route.ProxyRoute proxy -> Optional.of(CompletableFuture.completedFuture(
                    new ProxyTarget(proxy.upstreams(), proxy.spec().key().pathPrefix())));
            case Route.PluginRoute plugin when plugin.slot().spec().kind() == PluginSpec.Kind.WORKER ->
                    Optional.of(served(plugin));
            case Route.PluginRoute plugin -> Optional.empty();
        });
    }

    /** A Worker route's target: the workerd of the generation current now, held until the exchange ends. */
    private CompletionStage<ProxyTarget> served(Route.PluginRoute route) {
        String prefix = route.spec().key().pathPrefix();
        return route.slot().lease().thenCompose(lease -> {
            if (!(lease.plugin() instanceof ServedPlugin served)) {
                lease.release().run();
                return CompletableFuture.failedFuture(new PluginFailure(route.slot().spec() + " is not a served plugin"));
            }
            return served.upstreams().handle((group, failure) -> {
                if (failure != null) {
                    lease.release().run();
                    throw failure instanceof CompletionException wrapped ? wrapped : new CompletionException(failure);
                }
                return new ProxyTarget(group, prefix, true, lease.release());
            });
        }).whenComplete((target, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException wrapped && wrapped.getCause() != null
                        ? wrapped.getCause() : failure;
                diagnostics.warn(Event.REQUEST_FAILED, head(route) + ": " + cause.getMessage());
            }
        });
    }

    private static String head(Route.PluginRoute route) {
        return route.slot().spec().toString();
    }

    @Override
    public boolean proxies() {
        return router.table().hasStreamedRoutes();
    }

    @Override
    public Runnable handle(Request request, Consumer<Handled> done) {
        if (router.table().hasFunctions()) {
            Optional<String> function = InvokeApi.functionName(request);
            if (function.isPresent()) {
                Optional<PluginSlot> slot = router.function(function.get());
                if (slot.isEmpty()) {
                    done.accept(Handled.of(InvokeApi.notFound(function.get())));
                    return NOTHING;
                }
                return dispatch(slot.get(), request, done);
            }
        }
        Optional<Route> route = router.route(request);
        if (route.isEmpty()) {
            done.accept(Handled.of(NOT_FOUND));
            return NOTHING;
        }
        if (!(route.get() instanceof Route.PluginRoute pluginRoute)) {
            // the route table changed between the request's head and its end: the head was not proxied
            done.accept(Handled.of(UNAVAILABLE));
            return NOTHING;
        }
        return dispatch(pluginRoute.slot(), request, done);
    }

    /**
     * Runs {@code request} on the plugin's own threads, or here on the event loop if its
     * current generation never blocks; the slot was retained for it.
     */
    private Runnable dispatch(PluginSlot slot, Request request, Consumer<Handled> done) {
        Optional<Handled> inline = answer(slot, request, () -> slot.handleIfNonBlocking(request));
        if (inline.isPresent()) {
            done.accept(inline.get());
            return NOTHING;
        }
        Call call = new Call(slot, request, done);
        try {
            slot.executor().execute(call);
        } catch (RejectedExecutionException e) {
            slot.release();
            done.accept(Handled.of(UNAVAILABLE));
            return NOTHING;
        }
        return call::abandon;
    }

    /** One request's run on a plugin thread. */
    private final class Call implements Runnable {
        private final PluginSlot slot;
        private final Request request;
        private final Consumer<Handled> done;
        private volatile Thread thread;

        Call(PluginSlot slot, Request request, Consumer<Handled> done) {
            this.slot = slot;
            this.request = request;
            this.done = done;
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            try {
                done.accept(Dispatcher.this.run(slot, request));
            } finally {
                thread = null;
            }
        }

        /** A Java handler can be interrupted; native code cannot, and runs to its end. */
        void abandon() {
            Thread running = thread;
            if (running != null && running.isVirtual()) {
                running.interrupt();
            }
        }
    }

    private Handled run(PluginSlot slot, Request request) {
        return answer(slot, request, () -> Optional.of(slot.handle(request))).orElseThrow();
    }

    /**
     * What {@code call} answers, its failures mapped to their status codes; the slot is
     * released when there is an answer (empty: nothing ran, and the slot stays retained).
     */
    private Optional<Handled> answer(PluginSlot slot, Request request, Supplier<Optional<Handled>> call) {
        Optional<Handled> answer;
        try {
            answer = call.get();
        } catch (PluginOverloaded e) {
            diagnostics.warn(Event.REQUEST_FAILED, describe(request, slot) + ": " + e.getMessage() + "; answered 503");
            answer = Optional.of(Handled.of(UNAVAILABLE));
        } catch (PluginFailure e) {
            diagnostics.warn(Event.REQUEST_FAILED, describe(request, slot) + ": " + e.getMessage());
            answer = Optional.of(Handled.of(PLUGIN_FAILED));
        } catch (RuntimeException e) {
            diagnostics.error(Event.REQUEST_FAILED, describe(request, slot) + ": unexpected failure", e);
            answer = Optional.of(Handled.of(PLUGIN_FAILED));
        }
        if (answer.isPresent()) {
            slot.release();
        }
        return answer;
    }

    private static String describe(Request request, PluginSlot slot) {
        return request.method() + " " + request.target() + " (" + slot.spec() + ")";
    }
}
