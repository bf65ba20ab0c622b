package dev.flexilib.plugin.wasm;

import com.dylibso.chicory.log.Logger;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExecutionCompletedException;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Handled;
import dev.flexilib.Request;
import dev.flexilib.Response;
import dev.flexilib.config.WasmConfig;
import dev.flexilib.plugin.Plugin;
import dev.flexilib.plugin.PluginFailure;
import dev.flexilib.plugin.PluginOverloaded;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One generation of a WAGI module, called on its module's own threads (as many as its
 * concurrency). A request takes its module's memory ceiling out of the host's memory
 * budget (waiting at most the time limit for it), then runs {@code _start} with a time
 * limit: past it the guest is interrupted and the request answered 504. Guest instances
 * are reused, reset to their first state, so that every request sees a fresh instance;
 * the pool holds at most {@code concurrency} of them.
 */
final class WasmPlugin implements Plugin {
    private static final Response TRAPPED = Response.text(500, "Internal Server Error\n");
    private static final Response BAD_OUTPUT = Response.text(502, "Bad Gateway\n");
    private static final Response TIMED_OUT = Response.text(504, "Gateway Timeout\n");
    private static final Response UNAVAILABLE = Response.text(503, "Service Unavailable\n");
    /**
     * WASI's own tracing, off: given no logger, Chicory looks for Android's classes on every
     * request, and the exception that lookup throws cost more than the rest of the request.
     */
    static final Logger QUIET = new Logger() {
        @Override
        public void log(Level level, String message, Throwable throwable) {
        }

        @Override
        public boolean isLoggable(Level level) {
            return false;
        }
    };

    private final String name;
    private final String prefix;
    private final WasmConfig config;
    private final CompiledModule module;
    private final WasmHost host;
    private final int concurrency;
    private final List<Boolean> volumesWritable;
    private final ConcurrentLinkedDeque<GuestInstance> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    WasmPlugin(String name, String prefix, WasmConfig config, CompiledModule module, WasmHost host, int concurrency) {
        this.name = name;
        this.prefix = prefix;
        this.config = config;
        this.module = module;
        this.host = host;
        this.concurrency = concurrency;
        this.volumesWritable = config.volumes().stream().map(WasmConfig.Volume::writable).toList();
        // an instance made now reports a module that cannot be instantiated as a load failure
        keep(GuestInstance.create(module));
    }

    @Override
    public Handled handle(Request request) {
        try {
            if (!host.budget().tryAcquire(config.memoryPages(), config.timeLimit().toNanos(), TimeUnit.NANOSECONDS)) {
                throw new PluginOverloaded(name + ": the server's WASM memory budget (FLEXILIB_WASM_MEMORY) was taken"
                        + " by other requests for longer than its time_limit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginFailure(name + ": the request was given up while it waited for memory");
        }
        TimeLimit limit = new TimeLimit(Thread.currentThread());
        ScheduledFuture<?> timer = host.timer().schedule(limit::expire, config.timeLimit().toNanos(),
                TimeUnit.NANOSECONDS);
        try {
            return new Run(request, limit).execute();
        } finally {
            timer.cancel(false);
            limit.end();
            host.budget().release(config.memoryPages());
        }
    }

    private void keep(GuestInstance guest) {
        if (idleCount.incrementAndGet() <= concurrency) {
            idle.push(guest);
        } else {
            idleCount.decrementAndGet();
        }
    }

    private GuestInstance take() {
        GuestInstance guest = idle.poll();
        if (guest == null) {
            return GuestInstance.create(module);
        }
        idleCount.decrementAndGet();
        return guest;
    }

    /**
     * The time limit of one run: {@link #expire} interrupts the thread while the run is on,
     * and {@link #end} makes sure that an interrupt delivered late is cleared, so that it
     * cannot reach the thread's next request.
     */
    private static final class TimeLimit {
        private static final int RUNNING = 0;
        private static final int STOPPING = 1;
        private static final int STOPPED = 2;
        private static final int DONE = 3;
        private final AtomicInteger state = new AtomicInteger(RUNNING);
        private final Thread thread;

        TimeLimit(Thread thread) {
            this.thread = thread;
        }

        void expire() {
            if (state.compareAndSet(RUNNING, STOPPING)) {
                thread.interrupt();
                state.set(STOPPED);
            }
        }

        boolean expired() {
            return state.get() != RUNNING && state.get() != DONE;
        }

        void end() {
            if (!state.compareAndSet(RUNNING, DONE)) {
                while (state.get() != STOPPED) {
                    Thread.onSpinWait();
                }
                Thread.interrupted();
            }
        }
    }

    /** One request's run of the module, on the calling thread. */
    private final class Run {
        private final Request request;
        private final TimeLimit limit;

        Run(Request request, TimeLimit limit) {
            this.request = request;
            this.limit = limit;
        }

        private Handled execute() {
            GuestInstance guest = take();
            CgiRequest cgi = CgiRequest.of(request, prefix, config.environment());
            BoundedOutput out = new BoundedOutput(config.outputLimit());
            StderrLines err = new StderrLines(name, host.diagnostics());
            WasiOptions.Builder options = WasiOptions.builder()
                    .withStdin(new ByteArrayInputStream(request.body().toArray()), false)
                    .withStdout(out, false)
                    .withStderr(err, false)
                    .withArguments(cgi.arguments())
                    .withRandom(host.random());
            cgi.environment().forEach(options::withEnvironment);
            config.volumes().forEach(volume -> options.withDirectory(volume.guest(), volume.host()));
            boolean reusable = module.reusable();
            int exitStatus = 0;
            int pages = guest.initialPages();
            try (WasiPreview1 wasi = WasiPreview1.builder().withLogger(QUIET).withOptions(options.build())
                    .build()) {
                guest.run(wasi, new Sandbox(volumesWritable));
            } catch (WasiExitException e) {
                exitStatus = e.exitCode();
            } catch (ExecutionCompletedException e) {
                exitStatus = 0;
            } catch (ChicoryInterruptedException e) {
                reusable = false;
                return interrupted();
            } catch (BoundedOutput.LimitExceeded e) {
                reusable = false;
                return failed(BAD_OUTPUT, e.getMessage() + "; answered 502");
            } catch (ChicoryException e) {
                reusable = false;
                return failed(TRAPPED, "trapped: " + e.getMessage() + "; answered 500");
            } catch (StackOverflowError e) {
                reusable = false;
                return failed(TRAPPED, "trapped: call stack exhausted (too deep a recursion); answered 500");
            } finally {
                err.flush();
                pages = guest.pages();
                if (reusable && guest.reset()) {
                    keep(guest);
                }
            }
            try {
                Response response = CgiResponse.parse(out.bytes(), out.length());
                return new Handled(response, (long) guest.initialPages() * WasmConfig.PAGE_SIZE,
                        (long) pages * WasmConfig.PAGE_SIZE);
            } catch (CgiResponse.Malformed e) {
                return failed(BAD_OUTPUT, "malformed CGI output: " + e.getMessage()
                        + (exitStatus != 0 ? " (it exited with status " + exitStatus + ")" : "") + "; answered 502");
            }
        }

        private Handled interrupted() {
            if (!limit.expired()) {
                // the server is stopping its threads
                return Handled.of(UNAVAILABLE);
            }
            host.diagnostics().warn(Event.REQUEST_TIMED_OUT, describe() + ": stopped at its time_limit of "
                    + config.timeLimit().toMillis() + " ms; answered 504");
            return Handled.of(TIMED_OUT);
        }

        private Handled failed(Response response, String why) {
            host.diagnostics().warn(Event.REQUEST_FAILED, describe() + ": " + why);
            return Handled.of(response);
        }

        private String describe() {
            return name + " (" + request.method() + " " + request.target() + ")";
        }
    }

    @Override
    public void close() {
        idle.clear();
    }
}
