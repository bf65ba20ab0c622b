package dev.flexilib.plugin;

import dev.flexilib.Handled;
import dev.flexilib.Request;

/**
 * One loaded generation of a plugin: the contract every plugin host implements.
 *
 * <p>Threads: {@link #handle} is called on a thread of the host's
 * {@link PluginHost#executor(dev.flexilib.config.PluginSpec) executor}, never on a network event loop, and may
 * block for as long as the plugin needs; many threads call it at once.
 * {@link #close} is called once, after the last {@code handle} call returned.
 *
 * <p>Memory: the request and its arrays belong to the caller and must not be
 * kept after {@code handle} returns; the returned response and its arrays
 * belong to the caller.
 */
public interface Plugin {

    /** Answers one request; throws {@link PluginFailure} when the plugin failed. */
    Handled handle(Request request);

    /**
     * Whether {@link #handle} never blocks and may be called on a network event loop, as
     * nginx calls its modules, saving the hand-off to the host's threads and back. Only
     * plugins that say so are called there; the default is no.
     */
    default boolean nonBlocking() {
        return false;
    }

    /** Releases everything the generation holds (for a native library: unloads it). */
    void close();
}
