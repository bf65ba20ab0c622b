package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests on many workers at once never see each other's memory, and a slow one blocks nobody else. */
class ConcurrencyTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.withConfig(dir, """
                /echo = %s
                /latch = %s
                """.formatted(TestServer.example("echo"), Gcc.compile("latch", dir.resolve("liblatch.so"))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void thousandsOfConcurrentRequestsEachGetTheirOwnBodyBack() throws Exception {
        int requests = 3000;
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            // distinct lengths too, so a body from another request cannot match by accident
            String body = "request-" + i + "-" + "x".repeat(i % 500);
            inFlight.acquire();
            HttpRequest request = server.request("/echo/" + i).header("x-id", Integer.toString(i))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            int id = i;
            checks.add(server.client().sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1))
                    .whenComplete((response, error) -> inFlight.release())
                    .thenAccept(response -> {
                        assertThat(response.statusCode()).isEqualTo(200);
                        assertThat(response.body()).isEqualTo(body);
                        assertThat(response.headers().firstValue("x-id")).hasValue(Integer.toString(id));
                        assertThat(response.headers().firstValue("x-echo-target")).hasValue("/echo/" + id);
                    }));
        }

        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    }

    @Test
    void aSlowRequestDoesNotDelayRequestsToAnotherRoute() throws Exception {
        Path started = fifo("started");
        Path release = fifo("release");
        CompletableFuture<HttpResponse<String>> slow = server.client().sendAsync(server.request("/latch")
                .header("x-started", started.toString()).header("x-release", release.toString()).build(),
                HttpResponse.BodyHandlers.ofString());
        try (var in = Files.newInputStream(started)) {
            assertThat(in.read()).as("the slow request is running on a worker").isEqualTo('s');
        }

        for (int i = 0; i < 20; i++) {
            assertThat(server.get("/echo/fast").statusCode()).isEqualTo(200);
        }

        assertThat(slow).as("the slow request is still held").isNotDone();
        Files.write(release, new byte[] {'r'});
        assertThat(slow.get(1, TimeUnit.MINUTES).body()).isEqualTo("released");
    }

    private static Path fifo(String name) throws Exception {
        Path path = dir.resolve(name);
        assertThat(new ProcessBuilder("mkfifo", path.toString()).start().waitFor()).isZero();
        return path;
    }
}
