package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

/**
 * Clients hammering a route of a versioned plugin (body: its version 64 times, header
 * x-version) while its file is replaced: each thread sends requests back to back on
 * its own kept-alive connection until stopped, and checks every response.
 */
public final class VersionedLoad implements AutoCloseable {
    public final AtomicInteger total = new AtomicInteger();
    public final AtomicInteger failures = new AtomicInteger();
    public final AtomicInteger torn = new AtomicInteger();
    public final AtomicInteger regressions = new AtomicInteger();
    public final Set<String> failureSamples = ConcurrentHashMap.newKeySet();
    /** When each version answered first (System.nanoTime). */
    public final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> responses = new ConcurrentHashMap<>();
    private final TestServer server;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService threads;
    private final String target;
    private final int responsesPerGeneration;
    private final List<Future<?>> clients = new ArrayList<>();

    public VersionedLoad(TestServer server, String target, int threadCount, int responsesPerGeneration) {
        this.server = server;
        this.target = target;
        this.responsesPerGeneration = responsesPerGeneration;
        this.threads = Executors.newFixedThreadPool(threadCount);
        for (int i = 0; i < threadCount; i++) {
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
            HttpResponse<String> response = client.send(server.request(target).build(),
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
        return responses.computeIfAbsent(version, v -> new CountDownLatch(responsesPerGeneration));
    }

    public void awaitResponses(String version) throws InterruptedException {
        assertThat(latch(version).await(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .as("clients got %d responses from %s", responsesPerGeneration, version).isTrue();
    }

    public void stop() throws Exception {
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
