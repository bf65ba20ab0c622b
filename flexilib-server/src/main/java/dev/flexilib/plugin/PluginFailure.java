package dev.flexilib.plugin;

import dev.flexilib.FlexilibException;

/** A plugin failed to answer a request (NULL response, an exception, a malformed response): the client gets 500. */
public final class PluginFailure extends FlexilibException {
    public PluginFailure(String message) {
        super(message);
    }

    public PluginFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
