package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Diagnostics.Report;
import dev.flexilib.config.ServerSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The one fixture every HTTP test uses: a real server on a free loopback port,
 * with its access log and diagnostics captured so tests can assert on them.
 */
public final class TestServer implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Server server;
    private final Path configFile;
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<String> accessLog = new CopyOnWriteArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private TestServer(ServerSettings settings, Path configFile) throws InterruptedException, IOException {
        this.configFile = configFile;
        Diagnostics diagnostics = new Diagnostics(System.err);
        diagnostics.addListener(this::reported);
        this.server = Server.start(settings, configFile, new LineSink(this::logged), diagnostics);
    }

    /**
     * The settings a test wants: loopback, a free port, 4 workers, and any further
     * environment variables as name, value pairs, read exactly as the server reads them.
     */
    public static ServerSettings settings(String... environment) {
        Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "LISTEN_ADDRESS", "127.0.0.1",
                "SERVER_THREAD_COUNT", "4"));
        for (int i = 0; i < environment.length; i += 2) {
            env.put(environment[i], environment[i + 1]);
        }
        return ServerSettings.fromEnvironment(env);
    }

    public static TestServer start(Path configFile) throws InterruptedException, IOException {
        return start(settings(), configFile);
    }

    public static TestServer start(ServerSettings settings, Path configFile) throws InterruptedException, IOException {
        return new TestServer(settings, configFile);
    }

    /** Writes {@code ini} as proxy.ini in {@code directory} and serves it. */
    public static TestServer withConfig(Path directory, String ini) throws InterruptedException, IOException {
        return start(writeConfig(directory, ini));
    }

    public static Path writeConfig(Path directory, String ini) {
        try {
            return Files.writeString(directory.resolve("proxy.ini"), ini);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository root, where examples/ lives. */
    public static Path repo() {
        return Path.of(System.getProperty("flexilib.repo", "..")).toAbsolutePath().normalize();
    }

    /** A bundled example plugin built by the normal build: {@code example("echo")} is libecho.so. */
    public static Path example(String name) {
        Path library = repo().resolve("examples/native/build/lib" + name + ".so");
        assertThat(library).as("example plugin (built by the examples/native module)").exists();
        return library;
    }

    /** A bundled WebAssembly module built by the normal build: {@code wasm("misbehaving/loop")}. */
    public static Path wasm(String name) {
        Path module = repo().resolve("examples/wasm/" + name + ".wasm");
        assertThat(module).as("example module (built by the examples/wasm module)").exists();
        return module;
    }

    public Server server() {
        return server;
    }

    public Path configFile() {
        return configFile;
    }

    public int port() {
        return server.address().getPort();
    }

    public URI uri(String target) {
        return URI.create("http://127.0.0.1:" + port() + target);
    }

    public HttpClient client() {
        return client;
    }

    public HttpRequest.Builder request(String target) {
        return HttpRequest.newBuilder(uri(target)).timeout(TIMEOUT);
    }

    public HttpResponse<String> get(String target, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder builder = request(target);
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return client.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
    }

    public HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Every diagnostic reported so far. */
    public List<Report> reports() {
        return List.copyOf(reports);
    }

    /** Waits until an event of this kind whose message matches has been reported (now or earlier). */
    public Report awaitEvent(Event event, Predicate<String> message) throws InterruptedException {
        return awaitEvent(event, message, TIMEOUT);
    }

    /** As {@link #awaitEvent(Event, Predicate)}, for an event that can take up to {@code timeout} to come. */
    public synchronized Report awaitEvent(Event event, Predicate<String> message, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Report report : reports) {
                if (report.event() == event && message.test(report.message())) {
                    return report;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + event.id() + " event matched within " + timeout + "; reports: " + reports);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Waits until at least {@code count} events of this kind whose message matches have been reported. */
    public synchronized void awaitEvents(Event event, Predicate<String> message, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (countEvents(event, message) < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(count + " " + event.id() + " events expected within " + TIMEOUT + "; reports: "
                        + reports);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** How many events of this kind whose message matches have been reported. */
    public long countEvents(Event event, Predicate<String> message) {
        return reports.stream().filter(r -> r.event() == event && message.test(r.message())).count();
    }

    private synchronized void reported(Report report) {
        reports.add(report);
        notifyAll();
    }

    /** The first access-log line for a request with this target, waiting for it to be written. */
    public String nextAccessLogLineFor(String target) throws InterruptedException {
        return awaitAccessLog(line -> line.contains(" " + target + " HTTP/"));
    }

    /** The first access-log line that matches, waiting for it to be written. */
    public synchronized String awaitAccessLog(Predicate<String> match) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            for (String line : accessLog) {
                if (match.test(line)) {
                    return line;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no access-log line matched within " + TIMEOUT + "; lines: " + accessLog);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Every access-log line written so far. */
    public List<String> accessLog() {
        return List.copyOf(accessLog);
    }

    private synchronized void logged(String line) {
        accessLog.add(line);
        notifyAll();
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }

    /** Splits what the access log writes into lines. */
    private static final class LineSink extends OutputStream {
        private final Consumer<String> lines;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineSink(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.accept(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }
}
