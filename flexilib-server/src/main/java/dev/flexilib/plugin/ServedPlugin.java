package dev.flexilib.plugin;

import dev.flexilib.proxy.UpstreamGroup;
import java.util.concurrent.CompletionStage;

/**
 * A plugin whose generation is a server of its own (a Worker's workerd): its
 * requests are streamed to it by the reverse-proxy code instead of handed to
 * {@link #handle}.
 */
public interface ServedPlugin extends Plugin {

    /** Where this generation's server listens; completes once it is ready (a crashed one is restarted first). */
    CompletionStage<UpstreamGroup> upstreams();
}
