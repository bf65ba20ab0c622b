package dev.flexilib.plugin.java;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import dev.flexilib.plugin.java.JarBuilder.Jar;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Rebuilding a plugin JAR under load loses no request, however the file is replaced. */
class JavaHotReloadTest {
    private static final int CLIENTS = 8;
    private static final int REBUILDS = 5;
    /** Responses each generation must give before the next rebuild, so that every swap happens under load. */
    private static final int RESPONSES_PER_GENERATION = 200;

    /** v0 .. v5, each compiled once: the version is a constant of the handler class. */
    private static final List<Jar> versions = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void compileVersions() {
        for (int i = 0; i <= REBUILDS; i++) {
            versions.add(JarBuilder.plugin().source("versioned.Versioned", """
                    package versioned;

                    import dev.flexilib.api.*;

                    public final class Versioned implements Handler {
                        static final String VERSION = "v%d";

                        @Override
                        public Response handle(Request request) {
                            return Response.status(200).header("x-version", VERSION).body(VERSION.repeat(64)).build();
                        }
                    }
                    """.formatted(i)).service("versioned.Versioned").build());
        }
    }

    /** How a rebuilt JAR replaces the old one. */
    enum Replacement {
        /** Write aside, then rename into place: a new inode appears atomically. */
        RENAME_INTO_PLACE {
            @Override
            void replace(Jar jar, Path target) throws IOException {
                jar.moveIntoPlace(target);
            }
        },
        /** {@code cp new.jar plugin.jar}: the same inode is truncated and rewritten. */
        COPY_OVER {
            @Override
            void replace(Jar jar, Path target) throws IOException, InterruptedException {
                Path built = jar.writeInPlace(target.resolveSibling("build.jar.out"));
                Process cp = new ProcessBuilder("cp", built.toString(), target.toString()).inheritIO().start();
                assertThat(cp.waitFor()).isZero();
            }
        },
        /** A build tool writing the JAR itself, in place. */
        REWRITE_IN_PLACE {
            @Override
            void replace(Jar jar, Path target) throws IOException {
                jar.writeInPlace(target);
            }
        };

        abstract void replace(Jar jar, Path target) throws IOException, InterruptedException;
    }

    @ParameterizedTest
    @EnumSource(Replacement.class)
    void rebuildingUnderLoadFailsNoRequestAndNeverMixesGenerations(Replacement replacement) throws Exception {
        Path plugin = versions.getFirst().writeInPlace(dir.resolve("versioned.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/v = versioned.jar\n");
             Load load = new Load(server)) {
            load.awaitResponses("v0");
            List<Long> latencies = new ArrayList<>();
            for (int i = 1; i <= REBUILDS; i++) {
                long replaced = System.nanoTime();
                replacement.replace(versions.get(i), plugin);
                load.awaitResponses("v" + i);
                latencies.add(TimeUnit.NANOSECONDS.toMillis(load.firstSeen.get("v" + i) - replaced));
            }
            load.stop();
            System.out.printf("%s: %d requests; from file replacement to the first response of the new version: "
                    + "%s ms (the reload quiet period is 200 ms)%n", replacement, load.total.get(), latencies);

            assertThat(load.failures).as("failed requests: %s", load.failureSamples).hasValue(0);
            assertThat(load.torn).as("responses mixing two generations").hasValue(0);
            assertThat(load.regressions).as("a client saw an older generation after a newer one").hasValue(0);
            assertThat(load.firstSeen).containsOnlyKeys("v0", "v1", "v2", "v3", "v4", "v5");
            assertThat(server.countEvents(Event.PLUGIN_LOAD_FAILED, m -> true)).isZero();
            for (int generation = 1; generation <= REBUILDS; generation++) {
                String unloaded = "generation " + generation + " ";
                server.awaitEvent(Event.GENERATION_UNLOADED, m -> m.startsWith(unloaded));
            }
        }
    }

    /** CLIENTS threads sending requests back to back until stopped, checking every response. */
    private static final class Load implements AutoCloseable {
        final AtomicInteger total = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger torn = new AtomicInteger();
        final AtomicInteger regressions = new AtomicInteger();
        final Set<String> failureSamples = ConcurrentHashMap.newKeySet();
        /** When each version answered first (System.nanoTime). */
        final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
        private final Map<String, CountDownLatch> responses = new ConcurrentHashMap<>();
        private final TestServer server;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
        private final List<Future<?>> clients = new ArrayList<>();

        Load(TestServer server) {
            this.server = server;
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(threads.submit(this::run));
            }
        }

        private void run() {
            // one kept-alive connection per client thread, like a load generator
            try (HttpClient client = HttpClient.newBuilder().connectTimeout(TestServer.TIMEOUT).build()) {
                int newest = -1;
                while (running.get()) {
                    newest = check(client, newest);
                }
            }
        }

        private int check(HttpClient client, int newest) {
            try {
                HttpResponse<String> response = client.send(server.request("/v").build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
                long now = System.nanoTime();
                total.incrementAndGet();
                if (response.statusCode() != 200) {
                    failures.incrementAndGet();
                    failureSamples.add("status " + response.statusCode());
                    return newest;
                }
                String version = response.headers().firstValue("x-version").orElse("?");
                if (!response.body().equals(version.repeat(64))) {
                    torn.incrementAndGet();
                }
                firstSeen.merge(version, now, Math::min);
                latch(version).countDown();
                int number = Integer.parseInt(version.substring(1));
                if (number < newest) {
                    regressions.incrementAndGet();
                }
                return Math.max(newest, number);
            } catch (IOException | RuntimeException e) {
                failures.incrementAndGet();
                failureSamples.add(e.toString());
                return newest;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running.set(false);
                return newest;
            }
        }

        private CountDownLatch latch(String version) {
            return responses.computeIfAbsent(version, v -> new CountDownLatch(RESPONSES_PER_GENERATION));
        }

        void awaitResponses(String version) throws InterruptedException {
            assertThat(latch(version).await(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .as("clients got %d responses from %s", RESPONSES_PER_GENERATION, version).isTrue();
        }

        void stop() throws Exception {
            running.set(false);
            for (Future<?> client : clients) {
                client.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() {
            running.set(false);
            threads.shutdownNow();
        }
    }
}
