package dev.flexilib.plugin.wasm;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One generation of a WAGI module. A request waits (on its own virtual thread) for one of
 * the module's {@code concurrency} places and for its memory ceiling in the host's memory
 * budget, then runs on a guest thread with a time limit: past it the guest is interrupted
 * and the request answered 504. Guest instances are reused, reset to their first state,
 * so that every request sees a fresh instance; the pool holds at most {@code concurrency}.
 */
final class WasmPlugin implements Plugin {
    private static final Response TRAPPED = Response.text(500, "Internal Server Error\n");
    private static final Response BAD_OUTPUT = Response.text(502, "Bad Gateway\n");
    private static final Response TIMED_OUT = Response.text(504, "Gateway Timeout\n");

    private final String name;
    private final String prefix;
    private final WasmConfig config;
    private final CompiledModule module;
    private final WasmHost host;
    private final int concurrency;
    private final Semaphore places;
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
        this.places = new Semaphore(concurrency, true);
        this.volumesWritable = config.volumes().stream().map(WasmConfig.Volume::writable).toList();
        // an instance made now reports a module that cannot be instantiated as a load failure
        keep(GuestInstance.create(module));
    }

    @Override
    public Handled handle(Request request) {
        long waitNanos = config.timeLimit().toNanos();
        long started = System.nanoTime();
        try {
            if (!places.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
                throw new PluginOverloaded(name + " ran its " + concurrency + " requests at once (concurrency in "
                        + config.settings().getFileName() + ") for longer than its time_limit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginFailure(name + ": the request was given up while it waited to run");
        }
        Run run = new Run(request);
        try {
            if (!host.budget().tryAcquire(config.memoryPages(), waitNanos - (System.nanoTime() - started),
                    TimeUnit.NANOSECONDS)) {
                places.release();
                throw new PluginOverloaded(name + ": the server's WASM memory budget (FLEXILIB_WASM_MEMORY) was taken"
                        + " by other requests for longer than its time_limit");
            }
        } catch (InterruptedException e) {
            places.release();
            Thread.currentThread().interrupt();
            throw new PluginFailure(name + ": the request was given up while it waited to run");
        }
        try {
            host.guests().execute(run);
        } catch (RejectedExecutionException e) {
            run.release();
            throw new PluginOverloaded(name + ": the WASM threads are stopping");
        }
        return run.await();
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

    /** What ends a run before its module does. */
    private enum Stop { TIME_LIMIT, GIVEN_UP }

    /**
     * One request's run on a guest thread. Its places are released when the guest has
     * stopped, not when the request is answered, so that the bounds hold for what runs.
     * An interrupt that stops the guest is delivered and cleared before the thread is
     * given back, so that it cannot reach the thread's next request.
     */
    private final class Run implements Runnable {
        private static final int QUEUED = 0;
        private static final int RUNNING = 1;
        private static final int STOPPING = 2;
        private static final int STOPPED = 3;
        private static final int DONE = 4;

        private final Request request;
        private final CompletableFuture<Handled> result = new CompletableFuture<>();
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        private volatile Thread thread;
        private volatile Stop stop;

        Run(Request request) {
            this.request = request;
        }

        Handled await() {
            try {
                return result.get();
            } catch (InterruptedException e) {
                stop(Stop.GIVEN_UP);
                Thread.currentThread().interrupt();
                throw new PluginFailure(name + ": the request was given up while the module ran; it is stopped");
            } catch (ExecutionException e) {
                throw new PluginFailure(name + " failed: " + e.getCause(), e.getCause());
            }
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            if (!state.compareAndSet(QUEUED, RUNNING)) {
                release();
                result.complete(Handled.of(TIMED_OUT));
                return;
            }
            ScheduledFuture<?> timer = host.timer().schedule(() -> stop(Stop.TIME_LIMIT),
                    config.timeLimit().toNanos(), TimeUnit.NANOSECONDS);
            try {
                result.complete(execute());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            } finally {
                timer.cancel(false);
                if (!state.compareAndSet(RUNNING, DONE)) {
                    while (state.get() != STOPPED) {
                        Thread.onSpinWait();
                    }
                    Thread.interrupted();
                }
                release();
            }
        }

        void stop(Stop why) {
            stop = why;
            if (state.compareAndSet(QUEUED, STOPPED)) {
                return;
            }
            if (state.compareAndSet(RUNNING, STOPPING)) {
                thread.interrupt();
                state.set(STOPPED);
            }
        }

        void release() {
            host.budget().release(config.memoryPages());
            places.release();
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
            try (WasiPreview1 wasi = WasiPreview1.builder().withOptions(options.build()).build()) {
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
            if (stop == Stop.TIME_LIMIT) {
                host.diagnostics().warn(Event.REQUEST_TIMED_OUT, describe() + ": stopped at its time_limit of "
                        + config.timeLimit().toMillis() + " ms; answered 504");
            }
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
