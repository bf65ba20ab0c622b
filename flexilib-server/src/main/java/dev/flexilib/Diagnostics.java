package dev.flexilib;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Diagnostics on stderr, one line per event. Every event has a stable name
 * (see {@link Event}) so that operators can grep for it and tests can wait for
 * it; the access log is separate and goes to stdout.
 */
public final class Diagnostics {

    /** The names of the events the server reports. */
    public enum Event {
        SERVER_STARTED("server.started"),
        SERVER_STOPPED("server.stopped"),
        CONFIG_WARNING("config.warning"),
        CONFIG_RELOADED("config.reloaded"),
        CONFIG_REJECTED("config.rejected"),
        PLUGIN_LOADED("plugin.loaded"),
        PLUGIN_LOAD_FAILED("plugin.load_failed"),
        GENERATION_SWAPPED("generation.swapped"),
        GENERATION_UNLOADED("generation.unloaded"),
        RELOAD_SKIPPED("reload.skipped"),
        REQUEST_FAILED("request.failed"),
        REQUEST_TIMED_OUT("request.timed_out"),
        PLUGIN_LOG("plugin.log"),
        PLUGIN_LEAK("plugin.leak"),
        CONNECTION_ERROR("connection.error"),
        WATCH_FAILED("watch.failed"),
        SUPERVISOR_STARTED("supervisor.started"),
        SUPERVISOR_STOPPED("supervisor.stopped"),
        CHILD_STARTED("child.started"),
        CHILD_EXITED("child.exited"),
        SERVER_DRAINING("server.draining"),
        PROXY_FAILED("proxy.failed"),
        LIMIT_REACHED("limit.reached"),
        LAMBDA_LOG("lambda.log"),
        LAMBDA_ENVIRONMENT("lambda.environment"),
        WORKER_LOG("worker.log"),
        WORKER_PROCESS("worker.process"),
        WASM_LOG("wasm.log");

        private final String id;

        Event(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** One reported event, as listeners see it. */
    public record Report(Event event, String message, Optional<Throwable> cause) {}

    private final PrintStream out;
    private final List<Consumer<Report>> listeners = new CopyOnWriteArrayList<>();

    public Diagnostics(PrintStream out) {
        this.out = out;
    }

    public static Diagnostics toStderr() {
        return new Diagnostics(System.err);
    }

    public void addListener(Consumer<Report> listener) {
        listeners.add(listener);
    }

    public void info(Event event, String message) {
        report("INFO", new Report(event, message, Optional.empty()));
    }

    public void warn(Event event, String message) {
        report("WARN", new Report(event, message, Optional.empty()));
    }

    public void error(Event event, String message, Throwable cause) {
        report("ERROR", new Report(event, message, Optional.of(cause)));
    }

    /** Formats by hand and writes the line at once: a Formatter and a write per field cost a busy server. */
    private void report(String level, Report report) {
        String line = new StringBuilder(64 + report.message().length()).append(Instant.now()).append(' ')
                .append(level).append(level.length() == 4 ? "  " : " ").append(report.event().id()).append(' ')
                .append(report.message()).append(System.lineSeparator()).toString();
        synchronized (out) {
            out.print(line);
            report.cause().ifPresent(cause -> cause.printStackTrace(out));
        }
        listeners.forEach(listener -> listener.accept(report));
    }
}
