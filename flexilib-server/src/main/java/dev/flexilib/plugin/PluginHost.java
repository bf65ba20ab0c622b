package dev.flexilib.plugin;

import dev.flexilib.config.PluginSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

/** Loads plugins of one kind and owns the threads they run on. */
public interface PluginHost extends AutoCloseable {

    /**
     * Loads one generation of {@code spec} from {@code copy}, a private copy of its
     * file that nobody else writes to. Called off the event loops; may block.
     */
    Plugin load(PluginSpec spec, Path copy) throws PluginLoadException;

    /**
     * The files whose change makes a new generation of {@code spec}: its own file, and
     * for a kind whose code lives elsewhere, that code (a file, or a directory whose
     * top level is watched). Called off the event loops.
     */
    default List<Path> sources(PluginSpec spec) {
        return List.of(spec.path());
    }

    /** The threads that call {@link Plugin#handle} for this kind of plugin. */
    Executor executor();

    /**
     * The threads that call {@link Plugin#handle} for {@code spec}: the kind's, unless the
     * kind gives each plugin threads of its own.
     */
    default Executor executor(PluginSpec spec) {
        return executor();
    }

    /** Stops the threads; called once, when the server stops. */
    @Override
    void close();
}
