package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A library that exports flexilib_nonblocking is called on the event loop, not on the native
 * workers; one that does not keeps FlexiLib's meaning and runs on them.
 */
class NonBlockingPluginTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(TestServer.settings("SERVER_THREAD_COUNT", "1"), TestServer.writeConfig(dir, """
                /latch = %s
                /hello-workers = %s
                /hello = %s
                /echo = %s
                """.formatted(Gcc.compile("latch", dir.resolve("liblatch.so")), TestServer.example("hello-workers"),
                TestServer.example("hello"), TestServer.example("echo"))));
        // loaded on the worker first (a first request loads its plugin there), so later calls can go inline
        assertThat(server.get("/hello").body()).isEqualTo("Hello, World!");
        assertThat(server.get("/echo").statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aNonBlockingLibraryAnswersWhileTheOnlyWorkerIsBusyAndABlockingOneWaitsForIt() throws Exception {
        Path started = fifo("started");
        Path release = fifo("release");
        CompletableFuture<HttpResponse<String>> held = server.client().sendAsync(server.request("/latch")
                .header("x-started", started.toString()).header("x-release", release.toString()).build(),
                HttpResponse.BodyHandlers.ofString());
        try (var in = Files.newInputStream(started)) {
            assertThat(in.read()).as("the only native worker is held").isEqualTo('s');
        }
        CompletableFuture<HttpResponse<String>> onWorkers = server.client().sendAsync(
                server.request("/hello-workers").build(), HttpResponse.BodyHandlers.ofString());

        for (int i = 0; i < 20; i++) {
            assertThat(server.get("/hello").body()).isEqualTo("Hello, World!");
            assertThat(server.client().send(server.request("/echo").POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString("body " + i)).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("body " + i);
        }

        assertThat(onWorkers).as("the library without flexilib_nonblocking waits for the worker").isNotDone();
        Files.write(release, new byte[] {'r'});
        assertThat(held.get(1, TimeUnit.MINUTES).body()).isEqualTo("released");
        assertThat(onWorkers.get(1, TimeUnit.MINUTES).body()).isEqualTo("Hello, World!");
    }

    @Test
    void pipelinedRequestsAnsweredOnTheEventLoopComeBackInOrder() throws Exception {
        int count = 50;
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < count; i++) {
            requests.append("POST /echo/").append(i).append(" HTTP/1.1\r\nHost: x\r\nContent-Length: ")
                    .append(Integer.toString(i).length()).append("\r\n\r\n").append(i);
        }
        requests.append("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String responses;
        try (Socket socket = RawHttp.open(server.port())) {
            socket.getOutputStream().write(requests.toString().getBytes(StandardCharsets.ISO_8859_1));
            responses = RawHttp.readAll(socket.getInputStream());
        }

        int from = 0;
        for (int i = 0; i < count; i++) {
            int at = responses.indexOf("x-echo-target: /echo/" + i + "\r\n", from);
            assertThat(at).as("response %d, after response %d", i, i - 1).isGreaterThan(from - 1);
            from = at;
        }
        assertThat(responses).endsWith("Hello, World!");
    }

    private static Path fifo(String name) throws Exception {
        Path path = dir.resolve(name);
        assertThat(new ProcessBuilder("mkfifo", path.toString()).start().waitFor()).isZero();
        return path;
    }
}
