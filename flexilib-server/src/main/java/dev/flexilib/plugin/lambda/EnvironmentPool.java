package dev.flexilib.plugin.lambda;

import dev.flexilib.plugin.lambda.Outcome.Cause;
import dev.flexilib.plugin.lambda.Outcome.Failure;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The execution environments of one function generation: a warm one for each
 * invocation when there is one (the most recently used first), a new one when
 * there is not, up to the function's concurrency; past it, throttled, as Lambda
 * throttles. Environments idle for the host's idle timeout are stopped.
 */
final class EnvironmentPool {
    /** Lambda's limit for a runtime's initialisation, unless the function's timeout is longer. */
    private static final long INIT_LIMIT_MILLIS = 10_000;

    private final Function function;
    private final List<Environment> all = new ArrayList<>();
    private final ArrayDeque<Environment> idle = new ArrayDeque<>();
    private int started;
    /** Environments being started: they count against the concurrency before they are in {@link #all}. */
    private int starting;
    private boolean closed;

    EnvironmentPool(Function function) {
        this.function = function;
    }

    /** More invocations at once than the function's concurrency allows. */
    static final class Throttled extends Exception {
        Throttled() {
            super("the function's concurrency is taken", null, false, false);
        }
    }

    /** An environment whose runtime failed to initialise: {@code failure} is what the invoker gets. */
    static final class InitFailed extends Exception {
        final transient Failure failure;

        InitFailed(Failure failure) {
            super(new String(failure.payload(), java.nio.charset.StandardCharsets.UTF_8), null, false, false);
            this.failure = failure;
        }
    }

    /** A ready environment for one invocation: a warm one, or one started now (a cold start). */
    Environment acquire() throws Throttled, InitFailed {
        Environment environment;
        int number;
        synchronized (this) {
            while ((environment = idle.pollFirst()) != null) {
                if (environment.state() == Environment.State.IDLE) {
                    return environment;
                }
            }
            if (closed || all.size() + starting >= function.config().concurrency()) {
                throw new Throttled();
            }
            starting++;
            number = ++started;
        }
        return startEnvironment(number);
    }

    private Environment startEnvironment(int number) throws InitFailed {
        Environment environment = null;
        try {
            environment = Environment.start(number, function);
        } catch (IOException e) {
            throw new InitFailed(Failure.platform("Runtime.InvalidEntrypoint", null, e.getMessage(), Cause.INIT));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InitFailed(Failure.platform("Runtime.Unknown", null, "interrupted while starting", Cause.INIT));
        } finally {
            synchronized (this) {
                starting--;
                if (environment != null) {
                    all.add(environment);
                }
            }
        }
        Optional<Failure> failure = awaitInit(environment);
        if (failure.isEmpty() && Thread.currentThread().isInterrupted()) {
            keepWhenReady(environment); // the request went away, not the environment: it serves the next one
            throw new InitFailed(Failure.platform("Runtime.Unknown", null, "interrupted while starting", Cause.INIT));
        }
        if (failure.isPresent()) {
            environment.stop("its initialisation failed: " + new String(failure.get().payload(),
                    java.nio.charset.StandardCharsets.UTF_8));
            throw new InitFailed(failure.get());
        }
        function.log().environment(environment, "is ready: its runtime initialised in "
                + environment.initMillis() + " ms");
        return environment;
    }

    private Optional<Failure> awaitInit(Environment environment) {
        long limit = Math.max(INIT_LIMIT_MILLIS, function.config().timeout().toMillis());
        try {
            return environment.ready().get(limit, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Optional.of(Failure.platform("Runtime.Unknown", null, "the runtime did not ask for an invocation "
                    + "within " + limit / 1000 + " s of starting", Cause.INIT));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty(); // startEnvironment sees the interrupt
        } catch (ExecutionException e) {
            return Optional.of(Failure.platform("Runtime.Unknown", null, e.getCause().toString(), Cause.INIT));
        }
    }

    /** An environment still initialising whose request went away: warm for the next one once ready, or stopped. */
    private void keepWhenReady(Environment environment) {
        environment.ready().whenComplete((failure, error) -> {
            if (failure != null && failure.isEmpty()) {
                released(environment);
            } else {
                environment.stop("its initialisation failed");
            }
        });
    }

    /** An invocation ended on {@code environment}: it is warm for the next one, unless it stopped (or the pool did). */
    void released(Environment environment) {
        synchronized (this) {
            if (!closed) {
                if (environment.state() == Environment.State.IDLE && !idle.contains(environment)) {
                    idle.addFirst(environment);
                }
                return;
            }
        }
        environment.stop("its generation was unloaded"); // it was starting or busy when the pool closed
    }

    /** {@code environment}'s process exited. */
    synchronized void gone(Environment environment) {
        all.remove(environment);
        idle.remove(environment);
    }

    synchronized List<Environment> environments() {
        return List.copyOf(all);
    }

    /** Stops the environments idle since before {@code idleSinceBefore} (System.nanoTime). */
    void stopIdle(long idleSinceBefore) {
        List<Environment> stale = new ArrayList<>();
        synchronized (this) {
            for (Environment environment : idle) {
                if (environment.idleSinceNanos() - idleSinceBefore < 0) {
                    stale.add(environment);
                }
            }
            idle.removeAll(stale);
        }
        stale.forEach(environment -> environment.stop("it was idle for the idle timeout"));
    }

    /** Stops every environment: the generation is done. */
    void close() {
        List<Environment> environments;
        synchronized (this) {
            closed = true;
            environments = List.copyOf(all);
            idle.clear();
        }
        environments.forEach(environment -> environment.stop("its generation was unloaded"));
    }
}
