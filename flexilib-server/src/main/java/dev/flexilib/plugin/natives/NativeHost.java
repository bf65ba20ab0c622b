package dev.flexilib.plugin.natives;

import dev.flexilib.ResponseMemory;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.plugin.Plugin;
import dev.flexilib.plugin.PluginHost;
import dev.flexilib.plugin.PluginLoadException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hosts shared libraries with FlexiLib's C ABI on a fixed pool of platform
 * worker threads ({@code SERVER_THREAD_COUNT}), each with its own native arena
 * of {@code RESPONSE_PREALLOCATION_KB}. A library that exports
 * {@code flexilib_nonblocking} (flexilib's extension of the ABI: its presence
 * is the declaration) is called on the network event loops instead, each with
 * an arena of the same size, made on its first such call and kept for the
 * thread's life.
 */
public final class NativeHost implements PluginHost {
    /** The symbol whose presence says that handle_request never blocks. */
    static final String NONBLOCKING = "flexilib_nonblocking";
    private final ThreadPoolExecutor workers;
    private final ThreadLocal<WorkerArena> eventLoopArenas;
    private final ResponseMemory responseMemory;

    /** A host whose response bodies are copied into arrays (no network layer's memory). */
    public NativeHost(int threads, int preallocationBytes) {
        this(threads, preallocationBytes, ResponseMemory.HEAP);
    }

    /** A host whose plugins' response bodies are copied into {@code responseMemory}. */
    public NativeHost(int threads, int preallocationBytes, ResponseMemory responseMemory) {
        this.responseMemory = responseMemory;
        this.eventLoopArenas = ThreadLocal.withInitial(() -> new WorkerArena(preallocationBytes));
        AtomicInteger counter = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                work -> new NativeWorker(work, "flexilib-native-" + counter.incrementAndGet(), preallocationBytes));
        workers.prestartAllCoreThreads();
    }

    @Override
    public Plugin load(PluginSpec spec, Path file) throws PluginLoadException {
        DynamicLibrary library = DynamicLibrary.open(file);
        try {
            MemorySegment handleRequest = library.find("handle_request").orElseThrow(() -> new PluginLoadException(
                    "the library exports no handle_request symbol (FlexiLib's ABI requires it)"));
            return new NativePlugin(library, handleRequest, library.find("zigInit"), library.find("request_deinit"),
                    library.find(NONBLOCKING).isPresent(), eventLoopArenas, responseMemory);
        } catch (RuntimeException e) {
            library.close();
            throw e;
        }
    }

    @Override
    public Executor executor() {
        return workers;
    }

    @Override
    public void close() {
        workers.shutdown();
    }
}
