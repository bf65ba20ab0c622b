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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Hosts WebAssembly WAGI modules on Chicory. Each module runs on platform threads of its own,
 * as many as its concurrency (compiled guest code never yields: on a virtual thread's carrier
 * it would stall every other virtual thread, and on threads shared with other modules one
 * module stuck in loops would hold up the rest); up to {@link #QUEUE} more requests wait for
 * them, and further ones answer 503. Each running request holds its module's memory ceiling
 * out of a budget of {@code memoryBudgetBytes}, so that the guests' memory together stays
 * within what the heap can give.
 */
public final class WasmHost implements PluginHost {
    /** Requests one module keeps waiting for its threads; more answer 503. */
    public static final int QUEUE = 1024;
    private static final long GUEST_STACK_BYTES = 8L * 1024 * 1024;
    private static final long IDLE_THREAD_SECONDS = 30;

    private final Diagnostics diagnostics;
    private final Map<PluginSpec, ThreadPoolExecutor> threads = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timer;
    private final Semaphore budget;
    private final int budgetPages;
    private final int defaultConcurrency;
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;

    /**
     * {@code defaultConcurrency}: requests a module runs at once unless its settings say;
     * {@code memoryBudgetBytes}: the memory ceilings of all running requests, summed.
     */
    public WasmHost(Diagnostics diagnostics, int defaultConcurrency, long memoryBudgetBytes) {
        this.diagnostics = diagnostics;
        this.defaultConcurrency = defaultConcurrency;
        this.budgetPages = (int) Math.min(Integer.MAX_VALUE, memoryBudgetBytes / WasmConfig.PAGE_SIZE);
        this.budget = new Semaphore(budgetPages, true);
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
        int concurrency = config.concurrency().orElse(defaultConcurrency);
        resize(spec, concurrency);
        try {
            return new WasmPlugin(name, spec.entryPoint().orElse("/"), config, module, this, concurrency);
        } catch (RuntimeException e) {
            throw new PluginLoadException("cannot instantiate the module: " + e.getMessage(), e);
        }
    }

    /** Parses and checks {@code module} as {@link #load} would, without compiling it ({@code flexilib check}). */
    public static void validate(Path module, WasmConfig config) throws PluginLoadException {
        CompiledModule.parse(module, config);
    }

    /** The module's threads: as many as its concurrency, started as requests come, ended when idle. */
    @Override
    public Executor executor(PluginSpec spec) {
        return threads.computeIfAbsent(spec, s -> {
            String name = s.path().getFileName().toString().replaceFirst("\\.wasm$", "");
            AtomicInteger number = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(defaultConcurrency, defaultConcurrency,
                    IDLE_THREAD_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUE), task -> {
                        Thread thread = new Thread(null, task, "flexilib-wasm-" + name + "-" + number.getAndIncrement(),
                                GUEST_STACK_BYTES);
                        thread.setDaemon(true);
                        return thread;
                    });
            pool.allowCoreThreadTimeOut(true);
            if (closed) {
                pool.shutdown();
            }
            return pool;
        });
    }

    /** A new generation may run more or fewer requests at once than the last. */
    private void resize(PluginSpec spec, int concurrency) {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) executor(spec);
        synchronized (pool) {
            if (concurrency > pool.getMaximumPoolSize()) {
                pool.setMaximumPoolSize(concurrency);
                pool.setCorePoolSize(concurrency);
            } else {
                pool.setCorePoolSize(concurrency);
                pool.setMaximumPoolSize(concurrency);
            }
        }
    }

    @Override
    public List<Path> sources(PluginSpec spec) {
        return List.of(spec.path(), WasmConfig.settingsOf(spec.path()));
    }

    /** Modules run on threads of their own: {@link #executor(PluginSpec)}. */
    @Override
    public Executor executor() {
        throw new UnsupportedOperationException("each WebAssembly module runs on its own threads: executor(spec)");
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
        closed = true;
        threads.values().forEach(ThreadPoolExecutor::shutdownNow);
        timer.shutdownNow();
    }
}
