package dev.flexilib.plugin.java;

import dev.flexilib.JarBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.RawHttp;
import dev.flexilib.TestServer;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a handler sees of a request and what of its response reaches the client. */
class JavaPluginExchangeTest {
    /** Every byte value, so that nothing on the way may treat the body as text. */
    private static final byte[] ALL_BYTES = allBytes();

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        JarBuilder.plugin().source("exchange.Echo", """
                package exchange;

                import dev.flexilib.api.*;
                import java.io.ByteArrayInputStream;
                import java.util.HexFormat;
                import java.util.TreeMap;

                public final class Echo implements Handler {
                    private PluginContext context;

                    @Override
                    public void init(PluginContext context) {
                        this.context = context;
                        context.logger().log(System.Logger.Level.INFO, "ready, greeting {0}",
                                context.config().get("greeting"));
                        context.logger().log(System.Logger.Level.DEBUG, "not worth logging");
                    }

                    @Override
                    public Response handle(Request request) {
                        return switch (request.path()) {
                            case "/echo/fields" -> Response.ok(fields(request));
                            case "/echo/context" -> Response.ok("name=" + context.name() + "\\n"
                                    + "directory=" + context.directory() + "\\n"
                                    + "config=" + new TreeMap<>(context.config()) + "\\n");
                            case "/echo/bytes" -> Response.status(201).reason("Made It")
                                    .header("content-type", "application/octet-stream")
                                    .header("X-One", "1").header("x-rep", "a").header("x-rep", "b")
                                    .body(request.body()).build();
                            case "/echo/string" -> Response.text(202, "h\\u00e9llo \\u2713");
                            case "/echo/stream" -> Response.status(200)
                                    .body(new ByteArrayInputStream("0123456789".repeat(10_000).getBytes())).build();
                            case "/echo/split" -> Response.status(200)
                                    .header("x-split", "a\\r\\nx-injected: yes").body("split").build();
                            default -> Response.status(404).build();
                        };
                    }

                    private static String fields(Request request) {
                        return "method=" + request.method() + "\\n"
                                + "target=" + request.target() + "\\n"
                                + "path=" + request.path() + "\\n"
                                + "query=" + request.query().orElse("<none>") + "\\n"
                                + "x-case=" + request.header("X-CASE").orElse("<none>") + "\\n"
                                + "x-multi=" + request.headers().all("X-Multi") + "\\n"
                                + "absent=" + request.header("x-absent").orElse("<none>") + "\\n"
                                + "body=" + HexFormat.of().formatHex(request.body()) + "\\n"
                                + "body-length=" + request.bodyLength() + "\\n"
                                + "remote=" + request.remoteAddress().getAddress().getHostAddress()
                                + ":" + request.remoteAddress().getPort() + "\\n";
                    }
                }
                """).service("exchange.Echo").build().writeInPlace(dir.resolve("echo.jar"));
        Files.writeString(dir.resolve("echo.properties"), "greeting = hi\nlimit=3\n");
        server = TestServer.withConfig(dir, "/echo = echo.jar\n");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theHandlerSeesMethodTargetHeadersBodyAndRemoteAddressAsSent() throws Exception {
        String head = """
                POST /echo/fields?a=1&b=%20x HTTP/1.1\r
                Host: test\r
                X-Case: Mixed\r
                X-Multi: one\r
                x-multi: two\r
                Content-Length: 256\r
                Connection: close\r
                \r
                """;
        try (Socket socket = RawHttp.open(server.port())) {
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(ALL_BYTES);
            String response = RawHttp.readAll(socket.getInputStream());

            assertThat(response).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).isEqualTo(String.join("\n",
                    "method=POST",
                    "target=/echo/fields?a=1&b=%20x",
                    "path=/echo/fields",
                    "query=a=1&b=%20x",
                    "x-case=Mixed",
                    "x-multi=[one, two]",
                    "absent=<none>",
                    "body=" + HexFormat.of().formatHex(ALL_BYTES),
                    "body-length=256",
                    "remote=127.0.0.1:" + socket.getLocalPort(),
                    ""));
        }
    }

    @Test
    void aRequestWithoutQueryOrBodyHasNone() throws Exception {
        String body = server.get("/echo/fields").body();

        assertThat(body).contains("method=GET\n", "target=/echo/fields\n", "path=/echo/fields\n", "query=<none>\n",
                "body=\n", "body-length=0\n");
    }

    @Test
    void theHandlerSeesItsNameDirectoryAndPropertiesFile() throws Exception {
        assertThat(server.get("/echo/context").body()).isEqualTo("""
                name=echo
                directory=%s
                config={greeting=hi, limit=3}
                """.formatted(dir));
    }

    @Test
    void whatTheHandlerLogsReachesTheServerLogTaggedWithItsName() throws Exception {
        assertThat(server.get("/echo/fields").statusCode()).isEqualTo(200);

        server.awaitEvent(Event.PLUGIN_LOG, m -> m.equals("echo: ready, greeting hi"));
        assertThat(server.countEvents(Event.PLUGIN_LOG, m -> m.contains("not worth logging"))).isZero();
    }

    @Test
    void statusReasonHeadersAndByteBodyReachTheClientUnchanged() throws Exception {
        String request = """
                POST /echo/bytes HTTP/1.1\r
                Host: test\r
                Content-Length: 256\r
                Connection: close\r
                \r
                """ + new String(ALL_BYTES, StandardCharsets.ISO_8859_1);

        String response = RawHttp.exchange(server.port(), request);

        assertThat(response).startsWith("HTTP/1.1 201 Made It\r\n");
        String head = response.substring(0, response.indexOf("\r\n\r\n") + 2).toLowerCase();
        assertThat(head).contains("\r\ncontent-type: application/octet-stream\r\n", "\r\nx-one: 1\r\n",
                "\r\nx-rep: a\r\nx-rep: b\r\n", "\r\ncontent-length: 256\r\n");
        assertThat(response.substring(response.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1))
                .isEqualTo(ALL_BYTES);
    }

    @Test
    void aLargeBinaryBodyReachesTheHandlerWhole() throws Exception {
        byte[] body = new byte[300 * 1024];
        new Random(7).nextBytes(body);

        HttpResponse<byte[]> response = server.send(HttpRequest.newBuilder(server.uri("/echo/bytes"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo(body);
    }

    @Test
    void aStringBodyIsSentAsUtf8() throws Exception {
        HttpResponse<byte[]> response = server.send(server.request("/echo/string").build());

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("h\u00e9llo \u2713");
    }

    @Test
    void aStreamedBodyIsReadToItsEndAndGetsTheDefaultContentType() throws Exception {
        HttpResponse<String> response = server.get("/echo/stream");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain");
        assertThat(response.headers().firstValue("content-length")).hasValue("100000");
        assertThat(response.body()).isEqualTo("0123456789".repeat(10_000));
    }

    @Test
    void aResponseWithoutBodyOrHeadersIsComplete() throws Exception {
        HttpResponse<String> response = server.get("/echo/nothing-here");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain");
        assertThat(response.headers().firstValue("content-length")).hasValue("0");
        assertThat(response.body()).isEmpty();
    }

    @Test
    void aHeadRequestGetsTheHeadersWithoutTheBody() throws Exception {
        HttpRequest head = server.request("/echo/stream").method("HEAD", HttpRequest.BodyPublishers.noBody()).build();

        HttpResponse<byte[]> response = server.send(head);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
    }

    @Test
    void aHeaderValueWithALineBreakCannotAddHeadersToTheResponse() throws Exception {
        String response = RawHttp.exchange(server.port(), """
                GET /echo/split HTTP/1.1\r
                Host: test\r
                Connection: close\r
                \r
                """);

        assertThat(response).startsWith("HTTP/1.1 500 ").doesNotContainIgnoringCase("x-injected");
    }

    private static byte[] allBytes() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }
}
