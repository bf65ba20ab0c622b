package dev.flexilib.plugin.workers;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Handled;
import dev.flexilib.Request;
import dev.flexilib.Response;
import dev.flexilib.config.WorkerConfig;
import dev.flexilib.plugin.PluginOverloaded;
import dev.flexilib.plugin.ServedPlugin;
import dev.flexilib.proxy.UpstreamGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One generation of a Worker: a workerd serving one version of its code and
 * settings. Its requests are streamed to workerd by the proxy code. A workerd that
 * dies is started again by the next request, after a pause that doubles while it
 * keeps dying (up to {@link #MAX_BACKOFF}); requests meanwhile get 503.
 */
final class Worker implements ServedPlugin {
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    /** A workerd that ran this long before it died was not crash-looping: the next one starts at once. */
    private static final Duration STABLE = Duration.ofSeconds(60);

    private final WorkersHost host;
    private final WorkerConfig config;
    private final Path wrangler;
    private final int number;
    private WorkerProcess process;
    private CompletableFuture<UpstreamGroup> restarting;
    private Duration backoff = Duration.ZERO;
    private long notBeforeNanos;
    private int restarts;
    private boolean closed;

    private Worker(WorkersHost host, WorkerConfig config, Path wrangler, int number, WorkerProcess process) {
        this.host = host;
        this.config = config;
        this.wrangler = wrangler;
        this.number = number;
        this.process = process;
    }

    /** Starts this generation's workerd and waits until it listens; throws with workerd's own words if it cannot. */
    static Worker start(WorkersHost host, WorkerConfig config, Path wrangler, int number, Duration readiness)
            throws IOException, InterruptedException {
        WorkerProcess process = WorkerProcess.start(host, config.name(), wrangler, config.directory(),
                host.scratch().resolve("g" + number));
        try {
            process.ready().get(readiness.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            process.stop();
            throw new IOException("workerd did not listen within " + readiness.toSeconds() + " s" + process.tail());
        } catch (InterruptedException e) {
            process.stop();
            throw e;
        }
        host.diagnostics().info(Event.WORKER_PROCESS, config.name() + ": workerd (pid " + process.pid()
                + ") serves " + config.file());
        return new Worker(host, config, wrangler, number, process);
    }

    WorkerConfig config() {
        return config;
    }

    @Override
    public synchronized CompletionStage<UpstreamGroup> upstreams() {
        if (closed) {
            return CompletableFuture.failedFuture(new PluginOverloaded(config.name() + " is stopping"));
        }
        if (process.alive()) {
            return process.ready();
        }
        if (restarting != null && !restarting.isDone()) {
            return restarting;
        }
        long now = System.nanoTime();
        if (now - notBeforeNanos < 0) {
            return CompletableFuture.failedFuture(new PluginOverloaded(config.name() + ": workerd exited; it restarts "
                    + "in " + Duration.ofNanos(notBeforeNanos - now).toMillis() + " ms"));
        }
        // the first restart is at once; while they keep dying young, each waits twice as long as the one before
        backoff = process.lived().compareTo(STABLE) >= 0 ? Duration.ZERO
                : backoff.isZero() ? FIRST_BACKOFF : min(backoff.multipliedBy(2), MAX_BACKOFF);
        notBeforeNanos = now + backoff.toNanos();
        restarting = CompletableFuture.supplyAsync(this::restart, host.executor());
        return restarting;
    }

    private UpstreamGroup restart() {
        try {
            WorkerProcess next = WorkerProcess.start(host, config.name(), wrangler, config.directory(),
                    host.scratch().resolve("g" + number + "r" + (++restarts)));
            synchronized (this) {
                if (closed) {
                    next.stop();
                    throw new PluginOverloaded(config.name() + " is stopping");
                }
                process = next;
            }
            UpstreamGroup group = next.ready().join();
            host.diagnostics().info(Event.WORKER_PROCESS, config.name() + ": workerd (pid " + next.pid()
                    + ") started again");
            return group;
        } catch (IOException | CompletionException e) {
            throw new CompletionException(new PluginOverloaded(config.name() + ": workerd could not be restarted: "
                    + (e instanceof CompletionException ? e.getCause().getMessage() : e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Not called: a Worker route's requests are streamed (this answers one that raced a route-table change). */
    @Override
    public Handled handle(Request request) {
        return Handled.of(Response.text(503, "Service Unavailable\n"));
    }

    /** The generation is drained: its workerd stops. */
    @Override
    public synchronized void close() {
        closed = true;
        process.stop();
        host.stopped(this);
    }

    @Override
    public String toString() {
        return config.name() + " generation " + number;
    }
}
