package dev.flexilib.http;

import dev.flexilib.AccessLog;
import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.config.ServerSettings;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every client connection of one server shares: where requests go, the
 * logs, the limits, and the budgets that bound what all connections together
 * may hold — how many there are, and the bytes of bodies in memory. One
 * object, so that an idle connection costs one reference for all of it.
 */
final class Connections {
    private static final long REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    final RequestHandler handler;
    final Upstreams upstreams;
    final AccessLog accessLog;
    final Diagnostics diagnostics;
    final MemoryBudget budget;
    final ServerSettings settings;
    final long requestTimeoutNanos;
    final long idleTimeoutNanos;
    final long headerTimeoutNanos;
    final long bodyTimeoutNanos;
    final long bodyRateGraceNanos;
    private final AtomicInteger open = new AtomicInteger();
    private final Throttled connectionsRefused;
    private final Throttled bodiesRefused;

    Connections(ServerSettings settings, RequestHandler handler, Upstreams upstreams, AccessLog accessLog,
                Diagnostics diagnostics) {
        this.settings = settings;
        this.handler = handler;
        this.upstreams = upstreams;
        this.accessLog = accessLog;
        this.diagnostics = diagnostics;
        this.budget = new MemoryBudget(settings.maxBodyMemoryBytes());
        this.requestTimeoutNanos = settings.requestTimeout().toNanos();
        this.idleTimeoutNanos = settings.idleTimeout().toNanos();
        this.headerTimeoutNanos = settings.headerTimeout().toNanos();
        this.bodyTimeoutNanos = settings.bodyTimeout().toNanos();
        this.bodyRateGraceNanos = ServerSettings.BODY_RATE_GRACE.toNanos();
        this.connectionsRefused = new Throttled("FLEXILIB_MAX_CONNECTIONS=" + settings.maxConnections()
                + " connections are open: new connections answered 503");
        this.bodiesRefused = new Throttled("FLEXILIB_MAX_BODY_MEMORY=" + settings.maxBodyMemoryBytes()
                + " bytes of bodies are held: requests with a body answered 503");
    }

    /** Counts a new connection in, unless the limit is reached (then it is reported and not counted). */
    boolean admit() {
        if (open.incrementAndGet() <= settings.maxConnections()) {
            return true;
        }
        open.decrementAndGet();
        connectionsRefused.count();
        return false;
    }

    /** An admitted connection closed. */
    void closed() {
        open.decrementAndGet();
    }

    int open() {
        return open.get();
    }

    /** A request body did not fit the memory budget. */
    void bodyRefused() {
        bodiesRefused.count();
    }

    /**
     * A refusal reported at most once per ten seconds, with how many there were,
     * so that a flood writes a few lines, not one per connection.
     */
    private final class Throttled {
        private final String what;
        private final AtomicInteger count = new AtomicInteger();
        private final AtomicLong nextReport = new AtomicLong(System.nanoTime());

        Throttled(String what) {
            this.what = what;
        }

        void count() {
            count.incrementAndGet();
            long now = System.nanoTime();
            long next = nextReport.get();
            if (now - next >= 0 && nextReport.compareAndSet(next, now + REPORT_INTERVAL_NANOS)) {
                diagnostics.warn(Event.LIMIT_REACHED, what + " (" + count.getAndSet(0) + " since the last report)");
            }
        }
    }
}
