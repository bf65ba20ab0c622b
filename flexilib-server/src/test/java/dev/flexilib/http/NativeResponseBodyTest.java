package dev.flexilib.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Gcc;
import dev.flexilib.TestServer;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A native plugin's response body is copied once, into the network layer's
 * memory, and written from there: it arrives whole, and every way a response
 * can end unwritten — a HEAD request, a status without a body, headers HTTP
 * cannot carry, an answer after the request timed out, a client gone before
 * the answer — gives that memory back.
 */
class NativeResponseBodyTest {
    private static final int LARGE = 1024 * 1024 + 3;

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path config = TestServer.writeConfig(dir, "/latch = %s\n".formatted(
                Gcc.compile("latch", dir.resolve("liblatch.so"))));
        server = TestServer.start(TestServer.settings("FLEXILIB_REQUEST_TIMEOUT_S", "1"), config);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void nothingIsHeld() throws InterruptedException {
        awaitNoBodyHeld();
    }

    @Test
    void aLargeBodyArrivesWhole() throws Exception {
        for (int size : new int[] {1, 1024, 1025, 64 * 1024, LARGE}) {
            HttpResponse<byte[]> response = server.send(server.request("/latch").header("x-size", Integer.toString(size))
                    .build());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-length")).hasValue(Integer.toString(size));
            assertThat(response.body()).as("%d bytes", size).isEqualTo(pattern(size));
        }
        assertThat(DirectBodies.held()).isZero();
    }

    @Test
    void aHeadRequestGetsTheLengthAndNoBody() throws Exception {
        HttpResponse<byte[]> response = server.send(server.request("/latch").header("x-size", Integer.toString(LARGE))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-length")).hasValue(Integer.toString(LARGE));
        assertThat(response.body()).isEmpty();
        assertThat(DirectBodies.held()).isZero();
    }

    @Test
    void aStatusWithoutABodySendsNone() throws Exception {
        HttpResponse<byte[]> response = server.send(server.request("/latch").header("x-size", Integer.toString(LARGE))
                .header("x-status", "204").build());
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(server.get("/latch").body()).as("the connection goes on").isEqualTo("released");
        assertThat(DirectBodies.held()).isZero();
    }

    @Test
    void headersHttpCannotCarryAnswer500() throws Exception {
        HttpResponse<byte[]> response = server.send(server.request("/latch").header("x-size", Integer.toString(LARGE))
                .header("x-bad-header", "1").build());
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(new String(response.body(), StandardCharsets.US_ASCII)).isEqualTo("Internal Server Error\n");
        assertThat(DirectBodies.held()).isZero();
    }

    @Test
    void anAnswerAfterTheTimeoutIsDropped() throws Exception {
        Path started = fifo("timeout-started");
        Path release = fifo("timeout-release");
        CompletableFuture<HttpResponse<byte[]>> late = server.client().sendAsync(server.request("/latch")
                .header("x-size", Integer.toString(LARGE))
                .header("x-started", started.toString()).header("x-release", release.toString()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        awaitStarted(started);
        assertThat(late.get(1, TimeUnit.MINUTES).statusCode()).isEqualTo(504);

        Files.write(release, new byte[] {'r'});
        awaitNoBodyHeld();
    }

    @Test
    void anAnswerToAClientGoneIsDropped() throws Exception {
        Path started = fifo("gone-started");
        Path release = fifo("gone-release");
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("GET /latch HTTP/1.1\r\nHost: x\r\nx-size: " + LARGE + "\r\nx-started: "
                    + started + "\r\nx-release: " + release + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            awaitStarted(started);
        }
        // whether the server saw the close before the answer or wrote the answer into a closed socket, the body goes back
        Files.write(release, new byte[] {'r'});
        awaitNoBodyHeld();
    }

    private static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ((i * 31L) % 251);
        }
        return bytes;
    }

    private static void awaitStarted(Path started) throws Exception {
        try (InputStream in = Files.newInputStream(started)) {
            assertThat(in.read()).as("the request is running on a worker").isEqualTo('s');
        }
    }

    /** Waits for the plugin's late answer to reach the connection, which releases it. */
    private static void awaitNoBodyHeld() throws InterruptedException {
        long deadline = System.nanoTime() + TestServer.TIMEOUT.toNanos();
        while (DirectBodies.held() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.sleep(1);
        }
        assertThat(DirectBodies.held()).as("direct bodies neither written nor released").isZero();
    }

    private static Path fifo(String name) throws Exception {
        Path path = dir.resolve(name);
        assertThat(new ProcessBuilder("mkfifo", path.toString()).start().waitFor()).isZero();
        return path;
    }
}
