package dev.flexilib.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.RawHttp;
import dev.flexilib.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reverse-proxy routes against real upstream servers started by the test. */
class ProxyTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;
    Upstream a;
    Upstream b;

    /** A JDK HTTP server that records what it received and answers per path. */
    static final class Upstream implements AutoCloseable {
        final HttpServer server;
        final String name;
        final List<Map<String, List<String>>> headersSeen = new CopyOnWriteArrayList<>();
        final List<String> targetsSeen = new CopyOnWriteArrayList<>();
        final Set<Integer> connections = ConcurrentHashMap.newKeySet();

        Upstream(String name) throws IOException {
            this.name = name;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", this::handle);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private void handle(HttpExchange exchange) throws IOException {
            targetsSeen.add(exchange.getRequestURI().toString());
            headersSeen.add(Map.copyOf(exchange.getRequestHeaders()));
            connections.add(exchange.getRemoteAddress().getPort());
            String path = exchange.getRequestURI().getPath();
            try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
                if (path.endsWith("/count")) {
                    long count = in.transferTo(OutputStream.nullOutputStream());
                    respond(exchange, 200, Long.toString(count));
                } else if (path.endsWith("/download")) {
                    in.transferTo(OutputStream.nullOutputStream());
                    long size = Long.parseLong(exchange.getRequestURI().getQuery());
                    exchange.getResponseHeaders().add("Connection", "keep-alive, X-Hop");
                    exchange.getResponseHeaders().add("X-Hop", "must not pass");
                    exchange.sendResponseHeaders(200, 0); // chunked
                    byte[] block = new byte[64 * 1024];
                    for (long sent = 0; sent < size; sent += block.length) {
                        out.write(block, 0, (int) Math.min(block.length, size - sent));
                    }
                } else {
                    in.transferTo(OutputStream.nullOutputStream());
                    exchange.getResponseHeaders().add("X-Upstream", name);
                    respond(exchange, 200, name + " " + exchange.getRequestURI());
                }
            }
        }

        private static void respond(HttpExchange exchange, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @BeforeEach
    void upstreams() throws IOException {
        a = new Upstream("a");
        b = new Upstream("b");
    }

    @AfterEach
    void stopUpstreams() {
        a.close();
        b.close();
    }

    private TestServer proxy(String ini) throws Exception {
        return TestServer.withConfig(dir, ini);
    }

    private static int deadPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort(); // closed again: nothing listens there
        }
    }

    @Test
    void theTargetGoesAsReceivedOrWithThePrefixReplacedByTheBase() throws Exception {
        try (TestServer server = proxy("""
                /plain = http://127.0.0.1:%1$d
                /based = http://127.0.0.1:%1$d/v1/
                """.formatted(a.port()))) {
            assertThat(server.get("/plain/x?q=1&r=%20").body()).isEqualTo("a /plain/x?q=1&r=%20");
            assertThat(server.get("/based/x?q=1").body()).isEqualTo("a /v1/x?q=1");
            assertThat(server.get("/based").body()).isEqualTo("a /v1");
            assertThat(server.nextAccessLogLineFor("/based/x?q=1")).contains("\"GET /based/x?q=1 HTTP/1.1\" 200 ttfb ");
        }
    }

    @Test
    void hopByHopHeadersStayOnTheirHopAndForwardingHeadersAreAdded() throws Exception {
        try (TestServer server = proxy("/ = http://127.0.0.1:" + a.port() + "\n")) {
            String raw = RawHttp.exchange(server.port(), """
                    GET /h HTTP/1.1\r
                    Host: example.test\r
                    Connection: X-Private, close\r
                    X-Private: secret\r
                    Keep-Alive: timeout=5\r
                    TE: trailers\r
                    Proxy-Authorization: Basic abc\r
                    X-Forwarded-For: 10.1.2.3\r
                    X-Kept: yes\r
                    \r
                    """);

            Map<String, List<String>> seen = a.headersSeen.getLast();
            assertThat(seen).containsKeys("X-kept", "Forwarded", "X-forwarded-proto", "X-forwarded-host")
                    .doesNotContainKeys("X-private", "Keep-alive", "Te", "Proxy-authorization");
            assertThat(seen.get("Host")).containsExactly("example.test");
            assertThat(seen.get("X-forwarded-for")).containsExactly("10.1.2.3, 127.0.0.1");
            assertThat(seen.get("Forwarded")).containsExactly("for=127.0.0.1;host=\"example.test\";proto=http");
            assertThat(raw).startsWith("HTTP/1.1 200").containsIgnoringCase("x-upstream: a")
                    .containsIgnoringCase("connection: close");
        }
    }

    @Test
    void theHostHeaderCanBeTheUpstreams() throws Exception {
        try (TestServer server = TestServer.start(
                TestServer.settings("FLEXILIB_PROXY_HOST", "upstream"),
                TestServer.writeConfig(dir, "/ = http://127.0.0.1:" + a.port() + "\n"))) {
            RawHttp.exchange(server.port(), "GET /h HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n");

            assertThat(a.headersSeen.getLast().get("Host")).containsExactly("127.0.0.1:" + a.port());
            assertThat(a.headersSeen.getLast().get("X-forwarded-host")).containsExactly("example.test");
        }
    }

    @Test
    void responseHopByHopHeadersAreRemovedAndAChunkedBodyStreamsThrough() throws Exception {
        try (TestServer server = proxy("/ = http://127.0.0.1:" + a.port() + "\n")) {
            String raw = RawHttp.exchange(server.port(), "GET /download?100000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            assertThat(raw).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("x-hop")
                    .containsIgnoringCase("transfer-encoding: chunked");
        }
    }

    @Test
    void aGibibyteStreamsThroughBothWaysInBoundedMemory() throws Exception {
        try (TestServer server = proxy("/ = http://127.0.0.1:" + a.port() + "\n")) {
            HttpResponse<String> upload = server.client().send(server.request("/count")
                    .timeout(Duration.ofMinutes(5))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(zeros(GIB), GIB)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(upload.body()).isEqualTo(Long.toString(GIB));

            HttpResponse<InputStream> download = server.client().send(server.request("/download?" + GIB)
                    .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = download.body()) {
                assertThat(in.transferTo(OutputStream.nullOutputStream())).isEqualTo(GIB);
            }
            // the test JVM (and so the server in it) has a 1 GiB heap: a buffered gibibyte would not fit
        }
    }

    private static java.util.concurrent.Flow.Publisher<java.nio.ByteBuffer> zeros(long size) {
        byte[] block = new byte[256 * 1024];
        return HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(length, left);
                System.arraycopy(block, 0, buffer, offset, Math.min(n, block.length));
                left -= n;
                return n;
            }
        });
    }

    @Test
    void anUploadThatExpects100ContinueGetsTheContinueThenTheFinalResponse() throws Exception {
        int size = 5 * 1024 * 1024; // as curl --data-binary @5MB sends it
        try (TestServer server = proxy("/ = http://127.0.0.1:" + a.port() + "\n");
             Socket socket = RawHttp.open(server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /count HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: " + size
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readNBytes(25), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");

            out.write(new byte[size]);
            String response = RawHttp.readAll(in);

            assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n" + size);
        }
    }

    @Test
    void keptAliveUpstreamConnectionsAreReused() throws Exception {
        try (TestServer server = proxy("/ = http://127.0.0.1:" + a.port() + "\n")) {
            for (int i = 0; i < 20; i++) {
                assertThat(server.get("/r" + i).statusCode()).isEqualTo(200);
            }
            assertThat(a.connections).as("upstream connections for 20 requests on one client connection").hasSize(1);
        }
    }

    @Test
    void upstreamsTakeTurnsAndOneThatRefusesIsSkipped() throws Exception {
        int dead = deadPort();
        try (TestServer server = proxy("""
                /rr = http://127.0.0.1:%d,http://127.0.0.1:%d
                /skip = http://127.0.0.1:%d, http://127.0.0.1:%d
                """.formatted(a.port(), b.port(), dead, a.port()))) {
            Map<String, Long> turns = new ConcurrentHashMap<>();
            for (int i = 0; i < 10; i++) {
                turns.merge(server.get("/rr").headers().firstValue("x-upstream").orElseThrow(), 1L, Long::sum);
            }
            assertThat(turns).containsEntry("a", 5L).containsEntry("b", 5L);

            for (int i = 0; i < 6; i++) {
                assertThat(server.get("/skip").statusCode()).as("request %d", i).isEqualTo(200);
            }
            server.awaitEvent(Event.PROXY_FAILED, m -> m.contains(":" + dead) && m.contains("refused"));
            assertThat(server.countEvents(Event.PROXY_FAILED, m -> m.contains(":" + dead)))
                    .as("the refusing upstream is skipped after it refused once").isEqualTo(1);
        }
    }

    @Test
    void aRefusedConnectionIs502AndTheLogSaysWhichUpstreamAndWhy() throws Exception {
        int dead = deadPort();
        try (TestServer server = proxy("/ = http://127.0.0.1:" + dead + "\n")) {
            HttpResponse<String> response = server.get("/x");

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).isEqualTo("Bad Gateway\n");
            server.awaitEvent(Event.PROXY_FAILED, m -> m.contains("127.0.0.1:" + dead) && m.contains("refused"));
        }
    }

    @Test
    void anUpstreamThatDoesNotAnswerInTimeIs504() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             TestServer server = TestServer.start(TestServer.settings("FLEXILIB_REQUEST_TIMEOUT_S", "1"),
                     TestServer.writeConfig(dir, "/ = http://127.0.0.1:" + silent.getLocalPort() + "\n"))) {
            HttpResponse<String> response = server.get("/slow");
            // and for a client that closes after the exchange
            String closing = RawHttp.exchange(server.port(), "GET /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(closing).startsWith("HTTP/1.1 504 ");
            server.awaitEvent(Event.PROXY_FAILED, m -> m.contains("no response within"));
        }
    }

    @Test
    void aWebSocketIsTunnelledToTheUpstream() throws Exception {
        try (WebSocketEchoServer echo = new WebSocketEchoServer();
             TestServer server = proxy("/ws = http://127.0.0.1:" + echo.port() + "\n")) {
            java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
            java.net.http.WebSocket socket = server.client().newWebSocketBuilder()
                    .buildAsync(java.net.URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new java.net.http.WebSocket.Listener() {
                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket webSocket,
                                                                               CharSequence data, boolean last) {
                            received.add(data.toString());
                            webSocket.request(1);
                            return null;
                        }
                    }).get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            for (String message : List.of("hello", "through", "the proxy")) {
                socket.sendText(message, true).get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                assertThat(received.poll(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("echo: " + message);
            }
            socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(server.nextAccessLogLineFor("/ws")).contains("\"GET /ws HTTP/1.1\" 101 ");
        }
    }

    @Test
    void headRequestsGetTheUpstreamsHeadersWithoutABody() throws Exception {
        try (TestServer server = proxy("/ = http://127.0.0.1:" + a.port() + "\n")) {
            String raw = RawHttp.exchange(server.port(), "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            assertThat(raw).startsWith("HTTP/1.1 200").contains("a /after");
            assertThat(raw.indexOf("a /h")).as("no body for HEAD").isNegative();
        }
    }

    @Test
    void anUpstreamThatCannotBeConnectedInTimeIs504() throws Exception {
        // a listener that never accepts, with its backlog filled, leaves further connects unanswered
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket filler = new Socket();
                    try {
                        filler.connect(full.getLocalSocketAddress(), 200);
                        fillers.add(filler);
                    } catch (IOException e) {
                        filler.close();
                    }
                }
                try (TestServer server = TestServer.start(
                        TestServer.settings("FLEXILIB_PROXY_CONNECT_TIMEOUT_MS", "300"),
                        TestServer.writeConfig(dir, "/ = http://127.0.0.1:" + full.getLocalPort() + "\n"))) {
                    assertThat(server.get("/x").statusCode()).isEqualTo(504);
                    server.awaitEvent(Event.PROXY_FAILED, m -> m.contains("connect timed out"));
                }
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    void aClientThatLeavesCancelsTheUpstreamRequest() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        try (ServerSocket upstream = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             TestServer server = proxy("/ = http://127.0.0.1:" + upstream.getLocalPort() + "\n")) {
            Thread.ofVirtual().start(() -> {
                try (Socket connection = upstream.accept(); InputStream in = connection.getInputStream()) {
                    byte[] buffer = new byte[4096];
                    while (in.read(buffer) >= 0) {
                        received.countDown(); // never answers; the loop ends when the proxy closes the connection
                    }
                } catch (IOException e) {
                    // a reset is a close too
                }
                cancelled.countDown();
            });
            try (Socket client = RawHttp.open(server.port())) {
                client.getOutputStream().write("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                client.getOutputStream().flush();
                assertThat(received.await(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the upstream got it").isTrue();
            }

            assertThat(cancelled.await(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .as("the upstream connection was closed when the client left").isTrue();
        }
    }
}
