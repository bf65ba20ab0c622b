package dev.flexilib.plugin.lambda;

import dev.flexilib.Handled;
import dev.flexilib.Response;
import dev.flexilib.http.LocalListeners;
import dev.flexilib.plugin.lambda.Outcome.Cause;
import dev.flexilib.plugin.lambda.Outcome.Failure;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One execution environment of a function, as Lambda has them: a process of the
 * function's runtime, talking to its own Runtime API listener, that handles one
 * invocation at a time. It is ready once its runtime first asks for work
 * ({@code GET /next}) and stays warm between invocations. An invocation that runs
 * past the function's timeout, or a runtime that exits or outgrows MemorySize,
 * ends it; the pool starts another when one is needed.
 */
final class Environment {
    enum State { STARTING, IDLE, BUSY, STOPPED }


    private final int number;
    private final Function function;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<Optional<Failure>> ready = new CompletableFuture<>();
    private Process process;
    private LocalListeners.Listener listener;
    private RuntimeOutput output;

    // guarded by this
    private State state = State.STARTING;
    private Invocation current;
    /** The invocation last handed to the runtime (its /next answered); kept after it ended, until the next. */
    private Invocation handedOut;
    private Consumer<Handled> waitingForNext;
    private byte[] initError;
    private String initErrorType;
    private long initNanos;
    private boolean initReported;
    private String stopReason;
    private long peakRssKb;
    private volatile long idleSinceNanos = System.nanoTime();

    private Environment(int number, Function function) {
        this.number = number;
        this.function = function;
    }

    /** Starts an environment: its Runtime API listener, then its runtime's process. */
    static Environment start(int number, Function function) throws IOException, InterruptedException {
        Environment environment = new Environment(number, function);
        LocalListeners.Listener listener = function.host().listeners().open(new RuntimeApi(environment));
        environment.listener = listener;
        try {
            environment.output = new RuntimeOutput(function.host().outputFile(function, number));
            environment.process = function.host().launcher().start(function, listener.port(), environment.output.file());
        } catch (IOException | RuntimeException e) {
            listener.close();
            if (environment.output != null) {
                environment.output.close();
            }
            throw e;
        }
        environment.process.onExit().thenRun(environment::exited);
        return environment;
    }

    int number() {
        return number;
    }

    long pid() {
        return process.pid();
    }

    /** Completes once the runtime asked for its first invocation (empty), or failed to start (the failure). */
    CompletableFuture<Optional<Failure>> ready() {
        return ready;
    }

    synchronized State state() {
        return state;
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    synchronized long initMillis() {
        return TimeUnit.NANOSECONDS.toMillis(initNanos);
    }

    // --- what the pool asks

    /** Hands {@code invocation} to the runtime (now, if it is waiting for one) and starts its timeout. */
    void invoke(Invocation invocation) {
        Consumer<Handled> waiting;
        synchronized (this) {
            if (state != State.IDLE) {
                invocation.complete(Failure.platform("Runtime.Unknown", invocation.requestId,
                        "the execution environment is " + state.name().toLowerCase(), Cause.EXIT));
                return;
            }
            state = State.BUSY;
            current = invocation;
            waiting = waitingForNext;
            waitingForNext = null;
            if (waiting != null) {
                handedOut = invocation;
            }
            // before the runtime can see the invocation (its next /next may come at once): its end is always noticed
            var timeout = function.host().timers().schedule(() -> timedOut(invocation),
                    function.config().timeout().toMillis(), TimeUnit.MILLISECONDS);
            invocation.outcome().whenComplete((outcome, error) -> {
                timeout.cancel(false);
                finished(invocation, outcome);
                invocation.reported(outcome);
            });
        }
        function.log().start(invocation);
        if (waiting != null) {
            waiting.accept(Handled.of(RuntimeApi.event(invocation, function)));
        }
    }

    private void timedOut(Invocation invocation) {
        if (!invocation.done() && markStopped("its invocation " + invocation.requestId + " timed out")) {
            invocation.complete(Failure.platform("Sandbox.Timedout", invocation.requestId, "Task timed out after "
                    + function.config().timeout().toSeconds() + ".00 seconds", Cause.TIMEOUT));
            kill();
        }
    }

    /** After each invocation: the END and REPORT lines; the environment is idle again if it still runs. */
    private void finished(Invocation invocation, Outcome outcome) {
        readOutput(true);
        long init;
        synchronized (this) {
            init = initReported ? -1 : initNanos;
            if (!initReported) {
                peakRssKb = Math.max(peakRssKb, Memory.peakKb(process.pid())); // later ones: the sweep's samples
            }
            initReported = true;
            if (current == invocation) {
                current = null;
                if (state == State.BUSY) {
                    state = State.IDLE;
                }
            }
        }
        idleSinceNanos = System.nanoTime();
        function.log().end(invocation, outcome, init, peakRssKb);
        function.pool().released(this);
    }

    /** Stops the process (and what it started); the pool forgets the environment once it exited. */
    void stop(String why) {
        if (markStopped(why)) {
            kill();
        }
    }

    /**
     * Marks the environment stopped before its process is killed, so that the
     * invocation it fails meanwhile does not make it idle again.
     */
    private synchronized boolean markStopped(String why) {
        if (state == State.STOPPED) {
            return false;
        }
        stopReason = why;
        state = State.STOPPED;
        return true;
    }

    private void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Notes the runtime's peak resident set, for the next REPORT line. */
    void samplePeak() {
        long peak = Memory.peakKb(process.pid());
        synchronized (this) {
            peakRssKb = Math.max(peakRssKb, peak);
        }
    }

    /** Checks the runtime's memory against MemorySize; an environment over it is stopped, as Lambda stops it. */
    void checkMemory() {
        long rss = Memory.treeKb(process.pid());
        Invocation running;
        synchronized (this) {
            peakRssKb = Math.max(peakRssKb, rss);
            running = state == State.BUSY ? current : null;
        }
        if (rss > function.config().memoryMb() * 1024L && markStopped("it used " + rss / 1024
                + " MB, more than its MemorySize of " + function.config().memoryMb() + " MB")) {
            if (running != null) {
                running.complete(Failure.platform("Runtime.OutOfMemory", running.requestId,
                        "Runtime exited with error: signal: killed", Cause.EXIT));
            }
            kill();
        }
    }

    private void exited() {
        Invocation running;
        String why;
        byte[] init;
        String initType;
        synchronized (this) {
            running = state == State.BUSY ? current : null;
            why = stopReason;
            state = State.STOPPED;
            init = initError;
            initType = initErrorType;
            if (waitingForNext != null) {
                waitingForNext = null; // its connection goes with the listener
            }
        }
        closeListener();
        readOutput(true);
        output.close();
        String status = exitStatus();
        if (!ready.isDone()) {
            ready.complete(Optional.of(init != null ? new Failure(init, initType, Cause.INIT)
                    : Failure.platform("Runtime.ExitError", null, "Runtime exited with error: " + status, Cause.INIT)));
        }
        if (running != null) {
            running.complete(Failure.platform("Runtime.ExitError", running.requestId,
                    "Runtime exited with error: " + status, Cause.EXIT));
        }
        function.log().environment(this, why != null ? "stopped: " + why : "its runtime exited (" + status + ")");
        function.pool().gone(this);
    }

    private String exitStatus() {
        int code = process.exitValue();
        return code > 128 ? "signal: " + Signals.name(code - 128) : "exit status " + code;
    }

    private void closeListener() {
        listener.close();
    }

    /**
     * Logs what the runtime printed since the last look, each line with the request id
     * of the invocation it printed it during (a runtime waiting for work printed it
     * during the invocation it last had); {@code all}: a line without its newline too.
     */
    void readOutput(boolean all) {
        Invocation running;
        synchronized (this) {
            running = current != null ? current : handedOut;
        }
        output.read(line -> function.log().output(running, line), all);
    }

    // --- what the runtime asks, through its Runtime API

    /** {@code GET /next}: answers now with the waiting invocation, or later, when one comes. */
    synchronized Optional<Response> next(Consumer<Handled> later) {
        if (state == State.STARTING) {
            state = State.IDLE;
            initNanos = System.nanoTime() - startNanos;
            idleSinceNanos = System.nanoTime();
            ready.complete(Optional.empty());
        }
        if (state == State.BUSY && current != null && !current.done()) {
            handedOut = current; // a runtime that asks again gets the same event, as Lambda answers it
            return Optional.of(RuntimeApi.event(current, function));
        }
        waitingForNext = later;
        return Optional.empty();
    }

    /** The runtime gave up waiting for work (its connection closed). */
    synchronized void stopWaiting(Consumer<Handled> waiting) {
        if (waitingForNext == waiting) {
            waitingForNext = null;
        }
    }

    /** Whether {@code requestId} is the invocation the runtime holds now. */
    synchronized boolean isCurrent(String requestId) {
        return handedOut != null && handedOut.requestId.equals(requestId);
    }

    /** {@code /response} or {@code /error} for the current invocation; false if it had ended already. */
    boolean answer(String requestId, Outcome outcome) {
        Invocation invocation;
        synchronized (this) {
            if (!isCurrent(requestId)) {
                return false;
            }
            invocation = handedOut;
        }
        return invocation.complete(outcome);
    }

    /** Whether {@code requestId}'s response was refused for its size (its error then follows from the runtime). */
    boolean refusedAsTooLarge(String requestId) {
        Invocation invocation;
        synchronized (this) {
            invocation = isCurrent(requestId) ? handedOut : null;
        }
        return invocation != null && invocation.outcome().getNow(null) instanceof Failure failure
                && failure.cause() == Cause.RESPONSE_TOO_LARGE;
    }

    /** {@code /init/error}: allowed only before the runtime first asked for work. */
    synchronized boolean initFailed(String errorType, byte[] error) {
        if (state != State.STARTING) {
            return false;
        }
        initErrorType = errorType;
        initError = error;
        return true;
    }

    synchronized String stateName() {
        return switch (state) {
            case STARTING -> "Started";
            case BUSY -> "Running";
            case IDLE -> handedOut != null && handedOut.done() ? "RuntimeResponseSentState" : "Ready";
            case STOPPED -> "Stopped";
        };
    }
}
