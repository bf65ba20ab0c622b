package dev.flexilib.http;

import dev.flexilib.Handled;
import dev.flexilib.Request;
import java.util.function.Consumer;

/** What the network layer hands complete requests to. */
public interface RequestHandler {

    /**
     * Answers {@code request} by calling {@code done} exactly once, on any thread.
     * Called on an event loop, so it must not block. Returns what to do if the
     * server gives up on the request (it timed out, or the client left): stop
     * working on it where possible; {@code done} may still be called, and is ignored.
     */
    Runnable handle(Request request, Consumer<Handled> done);
}
