package dev.flexilib.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Gcc;
import dev.flexilib.RawHttp;
import dev.flexilib.ServerProcess;
import dev.flexilib.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process model: a supervisor owns the socket, so a crashing child never refuses a client. */
class SupervisorTest {
    private static final Pattern CHILD_STARTED = Pattern.compile("child\\.started server child (\\d+) started");
    private static final Pattern NEXT_START = Pattern.compile("next start in (\\d+) ms");

    @TempDir
    Path dir;

    private static String get(int port, String target, String... headers) throws IOException {
        StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        return RawHttp.exchange(port, request.append("\r\n").toString());
    }

    private static long latestChild(ServerProcess process) {
        Matcher matcher = CHILD_STARTED.matcher(process.stderr());
        long pid = -1;
        while (matcher.find()) {
            pid = Long.parseLong(matcher.group(1));
        }
        assertThat(pid).as("a child was started").isPositive();
        return pid;
    }

    private static void kill9(long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor()).isZero();
    }

    @Test
    void theChildJvmGetsTheLaunchersOptionsThenFlexilibJavaOptsWhichWin() throws Exception {
        Files.writeString(dir.resolve("proxy.ini"), "/hello = %s\n".formatted(TestServer.example("hello")));

        try (ServerProcess process = ServerProcess.start(dir,
                Map.of("PORT", "0", "FLEXILIB_JAVA_OPTS", "-Xmx48m -Dflexilib.test.from=user"),
                List.of("-Dflexilib.serverJavaOptions=-Xmx40m -Dflexilib.test.from=launcher"), "serve")) {
            int port = process.awaitPort();
            assertThat(get(port, "/hello")).startsWith("HTTP/1.1 200");

            // read from /proc: ProcessHandle.Info has no arguments for a command line as long as the tests' class path
            long childPid = ProcessHandle.of(process.pid()).orElseThrow().children().findFirst().orElseThrow().pid();
            List<String> child = List.of(Files.readString(Path.of("/proc", Long.toString(childPid), "cmdline"))
                    .split("\u0000"));
            assertThat(child).containsSubsequence("-Xmx40m", "-Dflexilib.test.from=launcher", "-Xmx48m",
                    "-Dflexilib.test.from=user", ServerChild.class.getName(), "--inherited-socket", "--config",
                    "proxy.ini");
        }
    }

    @Test
    void aSegfaultFailsItsRequestAndTheNextRequestsSucceed() throws Exception {
        Files.writeString(dir.resolve("proxy.ini"), "/crash = %s\n/hello = %s\n"
                .formatted(TestServer.example("crash"), TestServer.example("hello")));

        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0"))) {
            int port = process.awaitPort();
            assertThat(get(port, "/hello")).startsWith("HTTP/1.1 200");

            String crashed = get(port, "/crash", "x-crash", "segfault");
            long crashedAt = System.nanoTime();
            String after = get(port, "/hello");
            long recovered = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);

            assertThat(crashed).as("the crashing request gets no response").isEmpty();
            assertThat(after).startsWith("HTTP/1.1 200").endsWith("Hello, World!");
            assertThat(get(port, "/crash")).endsWith("still alive");
            process.awaitStderr(line -> line.contains("child.exited") && line.contains("SIGSEGV"));
            System.out.println("crash to next response: " + recovered + " ms");
        }
    }

    @Test
    void killingTheChildUnderLoadRefusesNoConnection() throws Exception {
        Files.writeString(dir.resolve("proxy.ini"), "/hello = " + TestServer.example("hello") + "\n");
        int clients = 4;
        int kills = 3;

        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0"))) {
            int port = process.awaitPort();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            ExecutorService threads = Executors.newFixedThreadPool(clients);
            List<Future<?>> load = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                load.add(threads.submit(() -> {
                    while (running.get()) {
                        try {
                            (get(port, "/hello").endsWith("Hello, World!") ? ok : failed).incrementAndGet();
                        } catch (ConnectException e) {
                            refused.incrementAndGet();
                        } catch (IOException e) {
                            failed.incrementAndGet(); // in flight on the child that died
                        }
                    }
                }));
            }
            for (int kill = 1; kill <= kills; kill++) {
                int before = ok.get();
                long child = latestChild(process);
                kill9(child);
                process.awaitStderr(line -> line.contains("child.exited server child " + child));
                int served = ok.get();
                while (ok.get() < served + 50) {
                    Thread.onSpinWait(); // the load threads count successes; the new child must serve them
                    assertThat(process.stderr()).doesNotContain("supervisor.stopped");
                }
                assertThat(ok.get()).isGreaterThan(before);
            }
            running.set(false);
            for (Future<?> client : load) {
                client.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            threads.shutdown();

            assertThat(refused).as("connections refused while children restarted").hasValue(0);
            assertThat(failed.get()).as("only requests in flight on a killed child fail").isLessThanOrEqualTo(clients * kills);
            System.out.println("kill -9 under load: ok=" + ok + " failed=" + failed + " refused=" + refused);
        }
    }

    @Test
    void aChildThatCrashesAtStartIsRestartedWithBackoffUntilThePluginIsFixed() throws Exception {
        Path plugin = Gcc.compile("crash_on_load", dir.resolve("libplugin.so"));
        Files.writeString(dir.resolve("proxy.ini"), "/ = libplugin.so\n");

        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0", "FLEXILIB_PRELOAD", "1"))) {
            process.awaitStderr(line -> countMatches(process.stderr(), "child.exited") >= 4);
            List<Long> delays = new ArrayList<>();
            Matcher matcher = NEXT_START.matcher(process.stderr());
            while (matcher.find()) {
                delays.add(Long.parseLong(matcher.group(1)));
            }
            assertThat(delays).as("each quick death waits longer before the next start").hasSizeGreaterThanOrEqualTo(3)
                    .isSortedAccordingTo(Long::compare);
            assertThat(delays.getLast()).isGreaterThan(delays.getFirst());

            Path fixed = Gcc.compile("versioned", dir.resolve("fixed.so"), "VERSION=\"fixed\"");
            Files.move(fixed, plugin, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            int port = process.awaitPort();

            assertThat(get(port, "/")).startsWith("HTTP/1.1 200").contains("x-version: fixed");
        }
    }

    @Test
    void theSupervisorAndAServerWithoutOneServeTheSocketSystemdPasses() throws Exception {
        Path activate = Gcc.program("socket_activate", dir.resolve("socket-activate"));
        Files.writeString(dir.resolve("proxy.ini"), "/hello = " + TestServer.example("hello") + "\n");
        Path portFile = dir.resolve("port");

        for (List<String> args : List.of(List.of("serve"), List.of("serve", "--no-supervisor"))) {
            // PORT names another port: a socket from systemd is served as it is
            try (ServerProcess process = ServerProcess.start(List.of(activate.toString(), portFile.toString()), dir,
                    Map.of("PORT", "1"), List.of(), args.toArray(String[]::new))) {
                int port = process.awaitPort();
                assertThat(port).as("%s serves systemd's socket", args)
                        .isEqualTo(Integer.parseInt(Files.readString(portFile).strip()));
                assertThat(get(port, "/hello")).startsWith("HTTP/1.1 200").endsWith("Hello, World!");
                if (args.size() == 1) {
                    assertThat(process.stderr()).contains("supervisor.started listening on 127.0.0.1:" + port
                            + " (a socket from systemd; ");
                    long child = latestChild(process);
                    kill9(child);
                    process.awaitStderr(line -> line.contains("child.exited server child " + child));
                    assertThat(get(port, "/hello")).as("the next child serves the same socket").endsWith("Hello, World!");
                } else {
                    assertThat(process.stderr()).doesNotContain("supervisor.started");
                }
                process.signal("TERM");
                assertThat(process.awaitExit()).isZero();
            }
        }
    }

    private static long countMatches(String text, String part) {
        return text.lines().filter(line -> line.contains(part)).count();
    }

    @Test
    void sigtermFinishesRequestsInFlightRefusesNewConnectionsAndExitsZero() throws Exception {
        Path started = fifo("started");
        Path release = fifo("release");
        Files.writeString(dir.resolve("proxy.ini"), "/latch = " + Gcc.compile("latch", dir.resolve("liblatch.so")) + "\n");

        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0"))) {
            int port = process.awaitPort();
            CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return get(port, "/latch", "x-started", started.toString(), "x-release", release.toString());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (InputStream in = Files.newInputStream(started)) {
                assertThat(in.read()).as("the request is running in the child").isEqualTo('s');
            }

            process.signal("TERM");
            process.awaitStderr(line -> line.contains("server.draining"));
            try (Socket refused = new Socket()) {
                assertThat(connects(refused, port)).as("a new connection after SIGTERM").isFalse();
            }
            Files.write(release, new byte[] {'r'});

            assertThat(inFlight.get(1, TimeUnit.MINUTES)).startsWith("HTTP/1.1 200").endsWith("released");
            assertThat(process.awaitExit()).isZero();
        }
    }

    @Test
    void aSecondSigintStopsAtOnceWithoutWaitingForRequestsInFlight() throws Exception {
        Path started = fifo("started");
        Files.writeString(dir.resolve("proxy.ini"), "/latch = " + Gcc.compile("latch", dir.resolve("liblatch.so")) + "\n");

        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0", "FLEXILIB_SHUTDOWN_TIMEOUT_S", "600"))) {
            int port = process.awaitPort();
            CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> {
                try {
                    return get(port, "/latch", "x-started", started.toString(), "x-release", fifo("never").toString());
                } catch (Exception e) {
                    return "failed: " + e;
                }
            });
            try (InputStream in = Files.newInputStream(started)) {
                assertThat(in.read()).isEqualTo('s');
            }

            process.signal("INT");
            process.awaitStderr(line -> line.contains("server.draining"));
            process.signal("INT");

            assertThat(process.awaitExit()).as("stopped at once, not after the 600 s deadline").isNotZero();
            assertThat(held.get(1, TimeUnit.MINUTES)).doesNotStartWith("HTTP/1.1 200");
        }
    }

    private static boolean connects(Socket socket, int port) {
        try {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Path fifo(String name) throws Exception {
        Path path = dir.resolve(name);
        assertThat(new ProcessBuilder("mkfifo", path.toString()).start().waitFor()).isZero();
        return path;
    }
}
