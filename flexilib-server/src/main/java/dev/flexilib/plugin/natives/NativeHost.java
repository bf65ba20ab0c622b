package dev.flexilib.plugin.natives;

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
 * of {@code RESPONSE_PREALLOCATION_KB}.
 */
public final class NativeHost implements PluginHost {
    private final ThreadPoolExecutor workers;

    public NativeHost(int threads, int preallocationBytes) {
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
            return new NativePlugin(library, handleRequest, library.find("zigInit"), library.find("request_deinit"));
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
