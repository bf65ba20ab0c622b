package dev.flexilib.http;

import dev.flexilib.Handled;
import dev.flexilib.Request;
import java.util.function.Consumer;

/** What the network layer hands complete requests to. */
public interface RequestHandler {

    /**
     * Answers {@code request} by calling {@code done} exactly once, on any thread.
     * Called on an event loop, so it must not block.
     */
    void handle(Request request, Consumer<Handled> done);
}
