package dev.flexilib;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.http.RequestHandler;
import dev.flexilib.plugin.PluginFailure;
import dev.flexilib.plugin.PluginOverloaded;
import dev.flexilib.plugin.PluginSlot;
import dev.flexilib.routing.Route;
import dev.flexilib.routing.Router;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Routes each request and runs its plugin on the plugin's own threads. This is
 * the one place where a failure becomes a status code; the reason goes to the
 * log, never into the response body.
 */
final class Dispatcher implements RequestHandler, AutoCloseable {
    static final Response NOT_FOUND = Response.text(404, "Not Found\n");
    static final Response PLUGIN_FAILED = Response.text(500, "Internal Server Error\n");
    static final Response UNAVAILABLE = Response.text(503, "Service Unavailable\n");
    static final Response TIMED_OUT = Response.text(504, "Gateway Timeout\n");

    private final Router router;
    private final Duration timeout;
    private final Diagnostics diagnostics;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().name("flexilib-timeouts").daemon().factory());

    Dispatcher(Router router, Duration timeout, Diagnostics diagnostics) {
        this.router = router;
        this.timeout = timeout;
        this.diagnostics = diagnostics;
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void handle(Request request, Consumer<Handled> done) {
        Optional<Route> route = router.route(request);
        if (route.isEmpty()) {
            done.accept(Handled.of(NOT_FOUND));
            return;
        }
        PluginSlot slot = route.get().slot();
        Call call = new Call(slot, request, done);
        try {
            slot.executor().execute(call);
        } catch (RejectedExecutionException e) {
            slot.release();
            done.accept(Handled.of(UNAVAILABLE));
            return;
        }
        call.deadline = timer.schedule(call::timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One request's run on a plugin thread, answered once: by the plugin or by the timeout, whichever is first. */
    private final class Call implements Runnable {
        private final PluginSlot slot;
        private final Request request;
        private final Consumer<Handled> done;
        private final AtomicBoolean answered = new AtomicBoolean();
        private volatile Thread thread;
        volatile ScheduledFuture<?> deadline;

        Call(PluginSlot slot, Request request, Consumer<Handled> done) {
            this.slot = slot;
            this.request = request;
            this.done = done;
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            Handled handled = Dispatcher.this.run(slot, request);
            thread = null;
            ScheduledFuture<?> pending = deadline;
            if (pending != null) {
                pending.cancel(false);
            }
            if (answered.compareAndSet(false, true)) {
                done.accept(handled);
            }
        }

        void timedOut() {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            diagnostics.warn(Event.REQUEST_TIMED_OUT, describe(request, slot) + ": no answer within " + timeout
                    + "; answered 504");
            Thread running = thread;
            if (running != null && running.isVirtual()) {
                running.interrupt(); // a Java handler can stop; native code cannot be interrupted
            }
            done.accept(Handled.of(TIMED_OUT));
        }
    }

    private Handled run(PluginSlot slot, Request request) {
        try {
            return slot.handle(request);
        } catch (PluginOverloaded e) {
            diagnostics.warn(Event.REQUEST_FAILED, describe(request, slot) + ": " + e.getMessage() + "; answered 503");
            return Handled.of(UNAVAILABLE);
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

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
