package dev.flexilib.plugin;

import dev.flexilib.FlexilibException;

/** A plugin file could not be loaded; the message says why in the loader's words. */
public final class PluginLoadException extends FlexilibException {
    public PluginLoadException(String message) {
        super(message);
    }

    public PluginLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
