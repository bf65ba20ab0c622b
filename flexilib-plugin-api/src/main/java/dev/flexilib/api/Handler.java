package dev.flexilib.api;

/**
 * A Java plugin: answers the requests of the routes that name its JAR.
 *
 * <p>The server finds the implementation with {@link java.util.ServiceLoader}
 * (list it in {@code META-INF/services/dev.flexilib.api.Handler}), or takes the
 * class named after {@code #} in proxy.ini ({@code /x = plugin.jar#com.example.MyHandler}).
 * It needs a public no-argument constructor.
 *
 * <p>Lifecycle: one instance per loaded generation of the JAR. {@link #init}
 * runs once before the first request; {@link #handle} runs for every request;
 * {@link #close} runs once, after the generation's last request finished —
 * when a rebuilt JAR replaced it, its route was removed, or the server stops.
 *
 * <p>Threads: {@code handle} runs on a virtual thread per request, many at once;
 * it may block (I/O, locks, sleeping). Instances must be thread-safe.
 */
public interface Handler {

    /** Prepares the plugin; an exception here fails the load and the previous generation keeps serving. */
    default void init(PluginContext context) throws Exception {
    }

    /**
     * Answers one request. An exception answers 500 with a short body; the
     * server logs it with the plugin's name and the stack trace.
     */
    Response handle(Request request) throws Exception;

    /** Releases what {@link #init} took: threads, pools, files. Exceptions are logged. */
    default void close() throws Exception {
    }
}
