package dev.flexilib.plugin;

import dev.flexilib.Diagnostics;
import dev.flexilib.Handled;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Request;
import dev.flexilib.config.PluginSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The current generation of one plugin. The first request loads it; a change
 * of its file builds the next generation aside and publishes it with one
 * reference write, so requests never wait for a reload: those that started
 * earlier finish on the generation they took, which closes behind them.
 *
 * <p>Route tables retain the slots they name; a slot that no table names any
 * more closes its generation once the requests still using it are done.
 */
public final class PluginSlot extends RefCounted {
    private final PluginSpec spec;
    private final PluginHost host;
    private final Plugins plugins;
    private final Diagnostics diagnostics;

    private volatile Generation current;
    /** Guarded by this: the file version that last failed to load, so it is not tried again per request. */
    private FailedLoad failure;
    private int generations;
    private boolean closed;
    /** Guarded by this: the watches on the plugin's sources, by path. */
    private final Map<Path, AutoCloseable> watches = new HashMap<>();

    private record FailedLoad(SourcesFingerprint source, String message) {}

    PluginSlot(PluginSpec spec, PluginHost host, Plugins plugins, Diagnostics diagnostics) {
        this.spec = spec;
        this.host = host;
        this.plugins = plugins;
        this.diagnostics = diagnostics;
    }

    public PluginSpec spec() {
        return spec;
    }

    /** The threads {@link #handle} must be called on. */
    public Executor executor() {
        return host.executor(spec);
    }

    /**
     * Answers one request on the generation current when it starts, loading the
     * plugin first if this is its first request. Called on an {@link #executor()}
     * thread by a caller that {@link #tryRetain retained} the slot. Throws
     * {@link PluginFailure} when the plugin cannot be loaded or fails.
     */
    public Handled handle(Request request) {
        Generation generation = acquireGeneration();
        try {
            return generation.plugin().handle(request);
        } finally {
            generation.release();
        }
    }

    /**
     * Answers on the calling thread (a network event loop) when the current generation is
     * loaded and {@linkplain Plugin#nonBlocking never blocks}; otherwise does nothing and
     * returns empty, for the caller to {@link #handle} on an {@link #executor()} thread.
     */
    public Optional<Handled> handleIfNonBlocking(Request request) {
        Generation generation = current;
        if (generation == null || !generation.plugin().nonBlocking() || !generation.tryRetain()) {
            return Optional.empty();
        }
        try {
            return Optional.of(generation.plugin().handle(request));
        } finally {
            generation.release();
        }
    }

    /** A generation's plugin held for one exchange; {@code release} lets the generation go. */
    public record Lease(Plugin plugin, Runnable release) {}

    /**
     * The current generation's plugin, held for an exchange the network layer streams
     * itself (a {@link ServedPlugin}'s): at once when it is loaded, else once it has
     * loaded on an {@link #executor()} thread (failing with {@link PluginFailure}).
     * The caller runs the lease's release when the exchange is over.
     */
    public CompletableFuture<Lease> lease() {
        Generation generation = current;
        if (generation != null && generation.tryRetain()) {
            return CompletableFuture.completedFuture(new Lease(generation.plugin(), generation::release));
        }
        if (!tryRetain()) {
            return CompletableFuture.failedFuture(new PluginFailure("plugin " + spec + " is no longer routed"));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                Generation loaded = acquireGeneration();
                return new Lease(loaded.plugin(), loaded::release);
            } finally {
                release();
            }
        }, executor());
    }

    /** Loads the plugin now rather than on its first request; a failure is logged and answers 500 later. */
    public void preload() {
        try {
            acquireGeneration().release();
        } catch (PluginFailure e) {
            // logged as plugin.load_failed when it happened
        }
    }

    private Generation acquireGeneration() {
        while (true) {
            Generation generation = current;
            if (generation == null) {
                generation = loadFirst();
            }
            if (generation.tryRetain()) {
                return generation;
            }
        }
    }

    private synchronized Generation loadFirst() {
        if (current != null) {
            return current;
        }
        List<Path> sources = host.sources(spec);
        SourcesFingerprint source = SourcesFingerprint.of(sources);
        if (failure != null && failure.source().equals(source)) {
            throw new PluginFailure("plugin " + spec + " is not loaded: " + failure.message());
        }
        watch(sources, source);
        try {
            current = build(source);
            return current;
        } catch (PluginLoadException e) {
            failure = new FailedLoad(source, e.getMessage());
            diagnostics.warn(Event.PLUGIN_LOAD_FAILED, "cannot load " + spec + ": " + e.getMessage());
            throw new PluginFailure("plugin " + spec + " is not loaded: " + e.getMessage(), e);
        }
    }

    /**
     * Starts watching before the first load, so that a change made while (or right
     * after) the file is copied is seen: fileChanged then compares fingerprints.
     */
    private void watch(List<Path> sources, SourcesFingerprint source) {
        for (Path path : sources) {
            if (watches.containsKey(path)) {
                continue;
            }
            try {
                watches.put(path, plugins.watch(path, this::fileChanged));
            } catch (IOException e) {
                if (source.exists()) {
                    diagnostics.warn(Event.WATCH_FAILED, "cannot watch " + path + " (of " + spec + ") for changes: "
                            + e + "; it will not be reloaded when that changes");
                }
            }
        }
    }

    /** Called by the watcher once the file has been quiet: loads the new version if it differs. */
    synchronized void fileChanged() {
        Generation old = current;
        if (closed || old == null) {
            return;
        }
        List<Path> sources = host.sources(spec);
        SourcesFingerprint source = SourcesFingerprint.of(sources);
        watch(sources, source); // the settings may name other code now
        if (source.equals(old.source()) || (failure != null && failure.source().equals(source))) {
            return;
        }
        if (!source.exists()) {
            diagnostics.warn(Event.RELOAD_SKIPPED, spec + " was removed; generation " + old.number() + " keeps serving");
            return;
        }
        try {
            Generation next = build(source);
            current = next;
            diagnostics.info(Event.GENERATION_SWAPPED, spec + ": generation " + next.number()
                    + " serves new requests, generation " + old.number() + " drains");
            old.release();
        } catch (PluginLoadException e) {
            failure = new FailedLoad(source, e.getMessage());
            diagnostics.warn(Event.PLUGIN_LOAD_FAILED, "cannot load the new version of " + spec + ": "
                    + e.getMessage() + "; generation " + old.number() + " keeps serving");
        }
    }

    private Generation build(SourcesFingerprint source) throws PluginLoadException {
        PrivateCopies.Copy copy = plugins.copies().copy(spec.path());
        Plugin plugin;
        try {
            plugin = host.load(spec, copy.path());
        } catch (RuntimeException e) {
            FileTrees.deleteQuietly(copy.path());
            throw e instanceof PluginLoadException p ? p : new PluginLoadException(e.toString(), e);
        }
        failure = null;
        int number = ++generations;
        diagnostics.info(Event.PLUGIN_LOADED, spec + ": generation " + number + " loaded from " + copy.path());
        return new Generation(number, plugin, copy.path(), source, diagnostics);
    }

    @Override
    protected synchronized void closed() {
        closed = true;
        for (AutoCloseable watch : watches.values()) {
            try {
                watch.close();
            } catch (Exception ignored) {
                // removing a listener from a map does not fail
            }
        }
        watches.clear();
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
