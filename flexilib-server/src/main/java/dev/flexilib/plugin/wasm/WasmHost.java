package dev.flexilib.plugin.wasm;

import dev.flexilib.Diagnostics;
import dev.flexilib.config.ConfigError;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.WasmConfig;
import dev.flexilib.plugin.Plugin;
import dev.flexilib.plugin.PluginHost;
import dev.flexilib.plugin.PluginLoadException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Hosts WebAssembly WAGI modules on Chicory. Requests wait on virtual threads; guests run on
 * {@code threads} platform threads of their own (compiled guest code never yields, and on a
 * virtual thread's carrier it would stall every other virtual thread), each request holding
 * its module's memory ceiling out of a budget of {@code memoryBudgetBytes}, so that the
 * guests' memory together stays within what the heap can give.
 */
public final class WasmHost implements PluginHost {
    private static final long GUEST_STACK_BYTES = 8L * 1024 * 1024;

    private final Diagnostics diagnostics;
    private final ExecutorService requests = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("flexilib-wasm-request-", 0).factory());
    private final ThreadPoolExecutor guests;
    private final ScheduledThreadPoolExecutor timer;
    private final Semaphore budget;
    private final int budgetPages;
    private final int threads;
    private final SecureRandom random = new SecureRandom();

    /** {@code threads}: guests run at once; {@code memoryBudgetBytes}: their memory ceilings summed. */
    public WasmHost(Diagnostics diagnostics, int threads, long memoryBudgetBytes) {
        this.diagnostics = diagnostics;
        this.threads = threads;
        this.budgetPages = (int) Math.min(Integer.MAX_VALUE, memoryBudgetBytes / WasmConfig.PAGE_SIZE);
        this.budget = new Semaphore(budgetPages, true);
        AtomicInteger number = new AtomicInteger();
        this.guests = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(null, task, "flexilib-wasm-" + number.getAndIncrement(),
                            GUEST_STACK_BYTES);
                    thread.setDaemon(true);
                    return thread;
                });
        this.timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "flexilib-wasm-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Plugin load(PluginSpec spec, Path copy) throws PluginLoadException {
        WasmConfig config;
        try {
            config = WasmConfig.read(spec.path());
        } catch (ConfigException e) {
            throw new PluginLoadException(e.errors().stream().map(ConfigError::toString)
                    .collect(Collectors.joining("; ")), e);
        }
        if (config.memoryPages() > budgetPages) {
            throw new PluginLoadException("its memory_limit of " + config.memoryPages() * 64 + " KiB is more than"
                    + " the server's whole WASM memory budget of " + budgetPages * 64L + " KiB (FLEXILIB_WASM_MEMORY)");
        }
        CompiledModule module = CompiledModule.compile(copy, config);
        String name = spec.path().getFileName().toString().replaceFirst("\\.wasm$", "");
        try {
            return new WasmPlugin(name, spec.entryPoint().orElse("/"), config, module, this,
                    config.concurrency().orElse(defaultConcurrency()));
        } catch (RuntimeException e) {
            throw new PluginLoadException("cannot instantiate the module: " + e.getMessage(), e);
        }
    }

    /** Parses and checks {@code module} as {@link #load} would, without compiling it ({@code flexilib check}). */
    public static void validate(Path module, WasmConfig config) throws PluginLoadException {
        CompiledModule.parse(module, config);
    }

    /** Half the guest threads, so that one module stuck in loops leaves the others room. */
    int defaultConcurrency() {
        return Math.max(1, threads / 2);
    }

    @Override
    public List<Path> sources(PluginSpec spec) {
        return List.of(spec.path(), WasmConfig.settingsOf(spec.path()));
    }

    @Override
    public Executor executor() {
        return requests;
    }

    ThreadPoolExecutor guests() {
        return guests;
    }

    ScheduledThreadPoolExecutor timer() {
        return timer;
    }

    Semaphore budget() {
        return budget;
    }

    Diagnostics diagnostics() {
        return diagnostics;
    }

    SecureRandom random() {
        return random;
    }

    @Override
    public void close() {
        requests.shutdownNow();
        guests.shutdownNow();
        timer.shutdownNow();
    }
}
