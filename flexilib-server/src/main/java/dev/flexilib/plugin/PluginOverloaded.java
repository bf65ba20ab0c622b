package dev.flexilib.plugin;

import dev.flexilib.FlexilibException;

/** The plugin already runs as many requests as its route allows: the client gets 503. */
public final class PluginOverloaded extends FlexilibException {
    public PluginOverloaded(String message) {
        super(message);
    }
}
