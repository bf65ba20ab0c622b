package dev.flexilib.plugin;

import dev.flexilib.FlexilibException;

/**
 * The plugin cannot take the request now — it already runs as many requests as its
 * route allows, or its server is waiting to be restarted: the client gets 503.
 */
public final class PluginOverloaded extends FlexilibException {
    public PluginOverloaded(String message) {
        super(message);
    }
}
