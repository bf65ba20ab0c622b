package dev.flexilib.plugin.java;

import dev.flexilib.JarBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import dev.flexilib.config.ServerSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Handlers run on virtual threads: one stuck past the request timeout is answered
 * 504 and interrupted, and a plugin runs at most its concurrency limit at once.
 *
 * <p>The handler holds where the test says: it connects to a loopback socket the
 * test owns (port in {@code x-gate}), which tells the test it is running, then
 * sleeps ({@code ?sleep}) or reads until the test closes the connection.
 */
class JavaPluginThreadsTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void build() throws Exception {
        JarBuilder.plugin().source("gate.Gate", """
                package gate;

                import dev.flexilib.api.*;
                import java.net.InetAddress;
                import java.net.Socket;
                import java.nio.charset.StandardCharsets;
                import java.util.Optional;

                public final class Gate implements Handler {
                    @Override
                    public Response handle(Request request) throws Exception {
                        Optional<String> port = request.header("x-gate");
                        if (port.isEmpty()) {
                            return Response.ok("passed");
                        }
                        try (Socket gate = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(port.get()))) {
                            if (request.query().orElse("").equals("sleep")) {
                                try {
                                    Thread.sleep(Long.MAX_VALUE);
                                } catch (InterruptedException e) {
                                    String report = "interrupted virtual=" + Thread.currentThread().isVirtual() + "\\n";
                                    gate.getOutputStream().write(report.getBytes(StandardCharsets.UTF_8));
                                    throw e;
                                }
                            }
                            gate.getInputStream().read();
                        }
                        return Response.ok("released");
                    }
                }
                """).service("gate.Gate").build().writeInPlace(dir.resolve("gate.jar"));
        JarBuilder.plugin().source("slow.SlowInit", """
                package slow;

                import dev.flexilib.api.*;
                import java.net.InetAddress;
                import java.net.Socket;

                /** Its init holds at the gate named in slowinit.properties, like a plugin warming a cache. */
                public final class SlowInit implements Handler {
                    @Override
                    public void init(PluginContext context) throws Exception {
                        int port = Integer.parseInt(context.config().get("gate"));
                        try (Socket gate = new Socket(InetAddress.getLoopbackAddress(), port)) {
                            gate.getInputStream().read();
                        }
                    }

                    @Override
                    public Response handle(Request request) {
                        return Response.ok("ready");
                    }
                }
                """).service("slow.SlowInit").build().writeInPlace(dir.resolve("slowinit.jar"));
        TestServer.writeConfig(dir, """
                /gate = gate.jar
                /slow = slowinit.jar
                """);
    }

    @Test
    void aHandlerStuckPastTheTimeoutIsAnswered504AndInterruptedWhileOthersAreServed() throws Exception {
        ServerSettings settings = TestServer.settings("FLEXILIB_REQUEST_TIMEOUT_S", "2");
        try (ServerSocket gate = gate(); TestServer server = TestServer.start(settings, dir.resolve("proxy.ini"))) {
            CompletableFuture<HttpResponse<String>> stuck = send(server, "/gate?sleep", gate);

            try (Socket held = gate.accept()) {
                held.setSoTimeout((int) TestServer.TIMEOUT.toMillis());
                assertThat(server.get("/gate").body()).as("another request while one is stuck").isEqualTo("passed");

                HttpResponse<String> response = stuck.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                assertThat(response.statusCode()).isEqualTo(504);
                assertThat(response.body()).isEqualTo("Gateway Timeout\n");
                server.awaitEvent(Event.REQUEST_TIMED_OUT, m -> m.contains("GET /gate?sleep") && m.contains("504"));

                BufferedReader fromHandler = new BufferedReader(
                        new InputStreamReader(held.getInputStream(), StandardCharsets.UTF_8));
                assertThat(fromHandler.readLine()).isEqualTo("interrupted virtual=true");
            }
            assertThat(server.get("/gate").body()).as("a request after the timeout").isEqualTo("passed");
        }
    }

    @Test
    @SuppressWarnings("try") // the held connections are only there to be closed, which releases the handlers
    void requestsBeyondTheConcurrencyLimitAreAnswered503UntilOthersFinish() throws Exception {
        ServerSettings settings = TestServer.settings("FLEXILIB_JAVA_CONCURRENCY", "2");
        try (ServerSocket gate = gate(); TestServer server = TestServer.start(settings, dir.resolve("proxy.ini"))) {
            CompletableFuture<HttpResponse<String>> first = send(server, "/gate?first", gate);
            CompletableFuture<HttpResponse<String>> second = send(server, "/gate?second", gate);

            try (Socket a = gate.accept(); Socket b = gate.accept()) {
                HttpResponse<String> third = server.get("/gate?third");
                assertThat(third.statusCode()).as("both permits are held").isEqualTo(503);
                assertThat(third.body()).isEqualTo("Service Unavailable\n");
                server.awaitEvent(Event.REQUEST_FAILED, m -> m.contains("GET /gate?third") && m.contains("503"));
                assertThat(first).isNotDone();
                assertThat(second).isNotDone();
            }

            assertThat(first.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("released");
            assertThat(second.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("released");
            assertThat(server.get("/gate").statusCode()).as("after the held requests finished").isEqualTo(200);
        }
    }

    @Test
    @SuppressWarnings("try") // the held connection is only there to be closed, which lets init finish
    void aFirstLoadSlowerThanTheTimeoutIsAnswered504AndThePluginServesOnceLoaded() throws Exception {
        ServerSettings settings = TestServer.settings("FLEXILIB_REQUEST_TIMEOUT_S", "2");
        try (ServerSocket gate = gate(); TestServer server = TestServer.start(settings, dir.resolve("proxy.ini"))) {
            Files.writeString(dir.resolve("slowinit.properties"), "gate=" + gate.getLocalPort() + "\n");
            CompletableFuture<HttpResponse<String>> first = server.client().sendAsync(server.request("/slow").build(),
                    HttpResponse.BodyHandlers.ofString());

            try (Socket init = gate.accept()) {
                assertThat(first.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS).statusCode())
                        .as("the request that started the load, while init runs").isEqualTo(504);
            }

            HttpResponse<String> next = server.get("/slow");
            assertThat(next.statusCode()).as("a request once init could finish").isEqualTo(200);
            assertThat(next.body()).isEqualTo("ready");
        }
    }

    private static ServerSocket gate() throws Exception {
        ServerSocket gate = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        gate.setSoTimeout((int) TestServer.TIMEOUT.toMillis());
        return gate;
    }

    private static CompletableFuture<HttpResponse<String>> send(TestServer server, String target, ServerSocket gate) {
        return server.client().sendAsync(
                server.request(target).header("x-gate", Integer.toString(gate.getLocalPort())).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
