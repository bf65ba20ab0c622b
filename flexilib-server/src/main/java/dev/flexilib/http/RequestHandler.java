package dev.flexilib.http;

import dev.flexilib.Handled;
import dev.flexilib.Request;
import dev.flexilib.proxy.ProxyTarget;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** What the network layer hands requests to. */
public interface RequestHandler {

    /**
     * Whether the request with this head (its body not read yet, so empty) goes to
     * upstream servers — a reverse-proxy route's, or a Worker's workerd — which get
     * it streamed once the target completes; otherwise its body is read whole and it
     * goes to {@link #handle}. Called on an event loop, so it must not block.
     */
    Optional<CompletionStage<ProxyTarget>> proxyFor(Request head);

    /** Whether any route goes to upstream servers now (proxies or Workers): when none does, heads need no look. */
    boolean proxies();

    /**
     * Answers {@code request} by calling {@code done} exactly once, on any thread.
     * Called on an event loop, so it must not block. Returns what to do if the
     * server gives up on the request (it timed out, or the client left): stop
     * working on it where possible; {@code done} may still be called, and is ignored.
     */
    Runnable handle(Request request, Consumer<Handled> done);
}
