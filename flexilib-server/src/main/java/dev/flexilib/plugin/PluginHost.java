package dev.flexilib.plugin;

import java.nio.file.Path;
import java.util.concurrent.Executor;

/** Loads plugins of one kind and owns the threads they run on. */
public interface PluginHost extends AutoCloseable {

    /**
     * Loads one generation from {@code file}, a private copy nobody else writes to.
     * Called off the request path's event loops; may block.
     */
    Plugin load(Path file) throws PluginLoadException;

    /** The threads that call {@link Plugin#handle} for this kind of plugin. */
    Executor executor();

    /** Stops the threads; called once, when the server stops. */
    @Override
    void close();
}
