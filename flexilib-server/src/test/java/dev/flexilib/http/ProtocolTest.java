package dev.flexilib.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.RawHttp;
import dev.flexilib.TestServer;
import dev.flexilib.Wire;
import dev.flexilib.Wire.Reply;
import dev.flexilib.config.ServerSettings;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/1.1 on the wire, through raw sockets: persistent connections, request
 * bodies, expectations, HEAD, pipelining, size limits and malformed requests.
 */
class ProtocolTest {
    @TempDir
    static Path dir;
    static Path config;
    /** Default limits. */
    static TestServer server;
    /** Request line 1024 bytes, header section 2048 bytes, 10 header fields, body 4096 bytes. */
    static TestServer limited;

    @BeforeAll
    static void start() throws Exception {
        config = TestServer.writeConfig(dir, """
                /echo = %s
                /sample = %s
                """.formatted(TestServer.example("echo"), TestServer.example("sample")));
        server = TestServer.start(config);
        limited = TestServer.start(TestServer.settings("FLEXILIB_MAX_REQUEST_LINE", "1024",
                "FLEXILIB_MAX_HEADER_SIZE", "2048", "FLEXILIB_MAX_BODY_SIZE", "4096", "FLEXILIB_MAX_HEADERS", "10"), config);
    }

    @AfterAll
    static void stop() {
        server.close();
        limited.close();
    }

    // --- persistent connections

    @Test
    void http11KeepsTheConnectionOpenForFurtherRequests() throws Exception {
        try (Wire wire = Wire.open(server)) {
            for (String target : new String[] {"/echo/keep-1", "/echo/keep-2", "/echo/keep-3"}) {
                Reply reply = wire.send(get(target)).read();

                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.header("x-echo-target")).hasValue(target);
                assertThat(reply.header("content-length")).isPresent();
                assertThat(reply.header("connection")).isEmpty();
            }
        }
    }

    @Test
    void connectionCloseFromTheClientIsAnsweredThenClosed() throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply reply = wire.send("""
                    GET /echo/close HTTP/1.1\r
                    Host: test\r
                    Connection: close\r
                    \r
                    """).read();

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("connection")).hasValue("close");
            assertThat(wire.readUntilClosed()).as("nothing follows the response before the close").isEmpty();
        }
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheResponse() throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply reply = wire.send("GET /echo/http10 HTTP/1.0\r\n\r\n").read();

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("x-echo-target")).hasValue("/echo/http10");
            assertThat(wire.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void http10WithKeepAliveStaysOpen() throws Exception {
        String request = """
                GET /echo/http10-keep HTTP/1.0\r
                Connection: keep-alive\r
                \r
                """;
        try (Wire wire = Wire.open(server)) {
            Reply first = wire.send(request).read();
            Reply second = wire.send(request).read();

            assertThat(first.header("connection")).hasValueSatisfying(v -> assertThat(v).isEqualToIgnoringCase("keep-alive"));
            assertThat(second.status()).isEqualTo(200);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedOnlyAfterTheIdleTimeout() throws Exception {
        ServerSettings settings = TestServer.settings("FLEXILIB_IDLE_TIMEOUT_S", "1", "SERVER_THREAD_COUNT", "1");
        try (TestServer idle = TestServer.start(settings, config); Wire wire = Wire.open(idle)) {
            // the server's last read or write on this connection comes after this instant
            long sent = System.nanoTime();
            assertThat(wire.send(get("/echo/idle")).read().status()).isEqualTo(200);

            assertThat(wire.readUntilClosed()).as("the server closes the idle connection").isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        }
    }

    // --- request bodies

    @Test
    void aContentLengthBodyReachesThePluginWhole() throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply reply = wire.send("""
                    POST /echo/length HTTP/1.1\r
                    Host: test\r
                    Content-Length: 11\r
                    \r
                    hello world""").read();

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("hello world");
        }
    }

    @Test
    void aChunkedBodyWithExtensionsReachesThePluginWhole() throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply reply = wire.send("""
                    POST /echo/chunked HTTP/1.1\r
                    Host: test\r
                    Transfer-Encoding: chunked\r
                    \r
                    5\r
                    hello\r
                    1;note=space\r
                     \r
                    A;a=1;b="two"\r
                    chunked!!!\r
                    0\r
                    \r
                    """).read();

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("hello chunked!!!");
            assertThat(reply.header("x-echo-method")).hasValue("POST");
        }
    }

    @Test
    void expect100ContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply interim = wire.send("""
                    POST /echo/expect HTTP/1.1\r
                    Host: test\r
                    Expect: 100-continue\r
                    Content-Length: 7\r
                    \r
                    """).readHead();
            assertThat(interim.statusLine()).isEqualTo("HTTP/1.1 100 Continue");

            Reply reply = wire.send("payload").read();

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("payload");
        }
    }

    @Test
    void expect100ContinueWithABodyOverTheLimitIsRefusedWithoutReadingIt() throws Exception {
        try (Wire wire = Wire.open(limited)) {
            Reply reply = wire.send("""
                    POST /echo/expect-too-large HTTP/1.1\r
                    Host: test\r
                    Expect: 100-continue\r
                    Content-Length: 5000\r
                    \r
                    """).read();

            assertThat(reply.status()).isIn(413, 417);
            assertThat(limited.awaitAccessLog(wire.loggedWith(reply.status()))).contains("/echo/expect-too-large");
        }
    }

    @Test
    void theBodyOfARefusedExpectationIsNeverRunAsARequest() throws Exception {
        String smuggled = "GET /echo/smuggled HTTP/1.1\r\nHost: test\r\n\r\n";
        try (Wire wire = Wire.open(limited)) {
            Reply refusal = wire.send("""
                    POST /echo/expect-refused HTTP/1.1\r
                    Host: test\r
                    Expect: 100-continue\r
                    Content-Length: 5000\r
                    \r
                    """).read();
            assertThat(refusal.status()).isIn(413, 417);

            // a client may send the content anyway (RFC 9110 section 10.1.1): the server must
            // then either close or read it as content, never parse it as requests
            wire.send(smuggled + "x".repeat(5000 - smuggled.length()) + """
                    GET /echo/after-refusal HTTP/1.1\r
                    Host: test\r
                    Connection: close\r
                    \r
                    """);

            assertThat(wire.readUntilClosed()).doesNotContain("/echo/smuggled");
        }
    }

    @Test
    void aRefusedExpectationIsAnsweredInTurnWhenPipelined() throws Exception {
        try (Wire wire = Wire.open(limited)) {
            wire.send("""
                    GET /sample/before-refusal HTTP/1.1\r
                    Host: test\r
                    x-slow: 300\r
                    \r
                    POST /echo/expect-pipelined HTTP/1.1\r
                    Host: test\r
                    Expect: 100-continue\r
                    Content-Length: 5000\r
                    \r
                    """);

            assertThat(wire.read().header("x-custom-foo")).as("the earlier request is answered first").hasValue("bar");
            assertThat(wire.read().status()).isIn(413, 417);
        }
    }

    @Test
    void largePipelinedBodiesQueuedBehindASlowRequestAreEachAnsweredWholeAndInOrder() throws Exception {
        List<String> bodies = List.of("a", "b", "c", "d").stream().map(letter -> letter.repeat(20_000)).toList();
        StringBuilder pipelined = new StringBuilder("GET /sample/slow HTTP/1.1\r\nHost: test\r\nx-slow: 300\r\n\r\n");
        for (String body : bodies) {
            pipelined.append("POST /echo/large HTTP/1.1\r\nHost: test\r\nContent-Length: ")
                    .append(body.length()).append("\r\n\r\n").append(body);
        }
        try (Wire wire = Wire.open(server)) {
            wire.send(pipelined.toString());

            assertThat(wire.read().header("x-custom-foo")).hasValue("bar");
            for (String body : bodies) {
                Reply reply = wire.read();
                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.body()).isEqualTo(body);
            }
        }
    }

    @Test
    void anUnsupportedExpectationIsRefused417AndItsBodyIsNeverRunAsARequest() throws Exception {
        String smuggled = "GET /echo/smuggled-417 HTTP/1.1\r\nHost: test\r\n\r\n";
        try (Wire wire = Wire.open(server)) {
            wire.send("""
                    POST /echo/expect-unknown HTTP/1.1\r
                    Host: test\r
                    Expect: something-else\r
                    Content-Length: %d\r
                    \r
                    %sGET /echo/after-417 HTTP/1.1\r
                    Host: test\r
                    Connection: close\r
                    \r
                    """.formatted(smuggled.length(), smuggled));

            assertThat(wire.read().status()).isEqualTo(417);
            assertThat(wire.readUntilClosed()).doesNotContain("/echo/smuggled-417");
            assertThat(server.awaitAccessLog(wire.loggedWith(417))).contains("/echo/expect-unknown");
        }
    }

    @Test
    void anUnsupportedExpectationIsAnsweredInTurnWhenPipelined() throws Exception {
        try (Wire wire = Wire.open(server)) {
            wire.send("""
                    GET /sample/before-417 HTTP/1.1\r
                    Host: test\r
                    x-slow: 300\r
                    \r
                    POST /echo/expect-unknown-pipelined HTTP/1.1\r
                    Host: test\r
                    Expect: something-else\r
                    Content-Length: 0\r
                    \r
                    """);

            assertThat(wire.read().header("x-custom-foo")).as("the earlier request is answered first").hasValue("bar");
            assertThat(wire.read().status()).isEqualTo(417);
        }
    }

    // --- HEAD and pipelining

    @Test
    void headAnswersTheGetHeadersWithoutABody() throws Exception {
        try (Wire wire = Wire.open(server)) {
            String getLength = wire.send(get("/sample/head")).read().header("content-length").orElseThrow();

            wire.send("""
                    HEAD /sample/head HTTP/1.1\r
                    Host: test\r
                    \r
                    GET /echo/after-head HTTP/1.1\r
                    Host: test\r
                    \r
                    """);
            Reply head = wire.readHead();
            Reply next = wire.read();

            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).hasValue(getLength);
            assertThat(head.header("x-custom-foo")).hasValue("bar");
            assertThat(next.statusLine()).as("no stray body bytes before the next response").isEqualTo("HTTP/1.1 200 OK");
            assertThat(next.header("x-echo-target")).hasValue("/echo/after-head");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        try (Wire wire = Wire.open(server)) {
            wire.send("""
                    GET /sample/slow HTTP/1.1\r
                    Host: test\r
                    x-slow: 300\r
                    \r
                    GET /echo/pipe-1 HTTP/1.1\r
                    Host: test\r
                    \r
                    POST /echo/pipe-2 HTTP/1.1\r
                    Host: test\r
                    Content-Length: 4\r
                    \r
                    body\
                    GET /echo/pipe-3 HTTP/1.1\r
                    Host: test\r
                    \r
                    """);

            assertThat(wire.read().header("x-custom-foo")).as("the slow request is answered first").hasValue("bar");
            assertThat(wire.read().header("x-echo-target")).hasValue("/echo/pipe-1");
            Reply second = wire.read();
            assertThat(second.header("x-echo-target")).hasValue("/echo/pipe-2");
            assertThat(second.body()).isEqualTo("body");
            assertThat(wire.read().header("x-echo-target")).hasValue("/echo/pipe-3");
        }
    }

    // --- limits

    @Test
    void aHeaderSectionOverTheLimitIsAnswered431AndClosed() throws Exception {
        try (Wire wire = Wire.open(limited)) {
            Reply reply = wire.send("""
                    GET /echo/big-headers HTTP/1.1\r
                    Host: test\r
                    X-Big: %s\r
                    \r
                    """.formatted("x".repeat(3000))).read();

            assertThat(reply.status()).isEqualTo(431);
            assertThat(reply.header("connection")).hasValue("close");
            assertThat(wire.readUntilClosed()).isEmpty();
            assertThat(limited.awaitAccessLog(wire.loggedWith(431))).contains("/echo/big-headers");
        }
    }

    @Test
    void aRequestLineOverTheLimitIsAnswered414AndClosed() throws Exception {
        try (Wire wire = Wire.open(limited)) {
            Reply reply = wire.send(get("/echo/" + "u".repeat(2000))).read();

            assertThat(reply.status()).isEqualTo(414);
            assertThat(reply.header("connection")).hasValue("close");
            assertThat(wire.readUntilClosed()).isEmpty();
            assertThat(limited.awaitAccessLog(wire.loggedWith(414))).isNotNull();
        }
    }

    @Test
    void aContentLengthOverTheLimitIsAnswered413BeforeTheBodyAndClosed() throws Exception {
        try (Wire wire = Wire.open(limited)) {
            Reply reply = wire.send("""
                    POST /echo/too-long HTTP/1.1\r
                    Host: test\r
                    Content-Length: 5000\r
                    \r
                    """).read();

            assertThat(reply.status()).isEqualTo(413);
            assertThat(reply.header("connection")).hasValue("close");
            assertThat(wire.readUntilClosed()).isEmpty();
            assertThat(limited.awaitAccessLog(wire.loggedWith(413))).contains("POST /echo/too-long HTTP/1.1");
        }
    }

    @Test
    void aChunkedBodyGrowingOverTheLimitIsAnswered413AndClosed() throws Exception {
        // the last byte sent is the one over the limit, so the server has read everything when it closes
        try (Wire wire = Wire.open(limited)) {
            Reply reply = wire.send("""
                    POST /echo/chunked-too-long HTTP/1.1\r
                    Host: test\r
                    Transfer-Encoding: chunked\r
                    \r
                    800\r
                    %s\r
                    1000\r
                    %s""".formatted("a".repeat(0x800), "b".repeat(4097 - 0x800))).read();

            assertThat(reply.status()).isEqualTo(413);
            assertThat(reply.header("connection")).hasValue("close");
            assertThat(wire.readUntilClosed()).isEmpty();
            assertThat(limited.awaitAccessLog(wire.loggedWith(413))).contains("POST /echo/chunked-too-long HTTP/1.1");
        }
    }

    @Test
    void theHeaderLimitCountsEveryLineEnding() throws Exception {
        // "Host: test" and "X-Fill: ..." with their CRLFs, and the empty line: 24 bytes and the filler
        String atTheLimit = "x".repeat(2048 - 24);
        try (Wire wire = Wire.open(limited)) {
            assertThat(wire.send(get("/echo/fill", "X-Fill", atTheLimit)).read().status()).isEqualTo(200);
        }
        try (Wire wire = Wire.open(limited)) {
            Reply reply = wire.send(get("/echo/fill-1", "X-Fill", atTheLimit + "x")).read();

            assertThat(reply.status()).isEqualTo(431);
            assertThat(wire.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void moreHeaderFieldsThanTheLimitAreAnswered431() throws Exception {
        String[] nine = new String[18];
        for (int i = 0; i < 9; i++) {
            nine[2 * i] = "X-H" + i;
            nine[2 * i + 1] = "v";
        }
        try (Wire wire = Wire.open(limited)) {
            assertThat(wire.send(get("/echo/ten-fields", nine)).read().status()).as("Host and nine more").isEqualTo(200);
        }
        try (Wire wire = Wire.open(limited)) {
            String[] ten = java.util.Arrays.copyOf(nine, 20);
            ten[18] = "X-H9";
            ten[19] = "v";
            assertThat(wire.send(get("/echo/eleven-fields", ten)).read().status()).isEqualTo(431);
        }
    }

    // --- RFC 9112's rules for the request head

    @Test
    void http11WithoutAHostIsAnswered400() throws Exception {
        assertBadRequest("GET /echo/no-host HTTP/1.1\r\n\r\n");
    }

    @Test
    void twoHostHeadersAreAnswered400() throws Exception {
        // a front proxy may route on one and this server on the other
        assertBadRequest("GET /echo/two-hosts HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    }

    @Test
    void http10NeedsNoHost() throws Exception {
        try (Wire wire = Wire.open(server)) {
            assertThat(wire.send("GET /echo/http10-no-host HTTP/1.0\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    @Test
    void aControlByteInTheTargetIsAnswered400AndTheLogLineEscapesIt() throws Exception {
        assertBadRequest("GET /echo/\u001b[31mred HTTP/1.1\r\nHost: test\r\n\r\n");
        assertBadRequest("GET /echo\u0001x HTTP/1.1\r\nHost: test\r\n\r\n");

        assertThat(server.awaitAccessLog(line -> line.contains("/echo/\\x1B[31mred"))).doesNotContain("\u001b");
    }

    @Test
    void anAbsoluteFormTargetIsRoutedByItsPathWithItsAuthorityAsTheHost() throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply reply = wire.send("""
                    GET http://example.test:8080/echo/absolute?q=1 HTTP/1.1\r
                    Host: ignored.test\r
                    X-After: kept\r
                    \r
                    """).read();

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("x-echo-target")).hasValue("/echo/absolute?q=1");
            assertThat(reply.header("host")).as("RFC 9112 section 3.2.2").hasValue("example.test:8080");
            assertThat(reply.header("x-after")).hasValue("kept");
        }
    }

    @Test
    void aTransferCodingOtherThanChunkedIsAnswered501() throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply reply = wire.send("""
                    POST /echo/gzip HTTP/1.1\r
                    Host: test\r
                    Transfer-Encoding: gzip, chunked\r
                    \r
                    3\r
                    abc\r
                    0\r
                    \r
                    """).read();

            assertThat(reply.status()).isEqualTo(501);
            assertThat(reply.header("connection")).hasValue("close");
        }
    }

    @Test
    void chunkedThatIsNotTheLastCodingIsAnswered400() throws Exception {
        assertBadRequest("POST /echo/chunked-gzip HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
    }

    @Test
    void http2OnAnHttp1ConnectionIsAnswered505() throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply reply = wire.send("GET /echo/h2 HTTP/2.0\r\nHost: test\r\n\r\n").read();

            assertThat(reply.status()).isEqualTo(505);
            assertThat(wire.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void aChunkExtensionLongerThanTheLineLimitIsAnswered400() throws Exception {
        try (Wire wire = Wire.open(limited)) {
            Reply reply = wire.send("""
                    POST /echo/long-extension HTTP/1.1\r
                    Host: test\r
                    Transfer-Encoding: chunked\r
                    \r
                    5;ext=%s\r
                    hello\r
                    0\r
                    \r
                    """.formatted("e".repeat(20_000))).read();

            assertThat(reply.status()).as("a broken body, not a long request line").isEqualTo(400);
        }
    }

    // --- malformed requests

    @Test
    void aGarbageRequestLineIsAnswered400AndClosed() throws Exception {
        assertBadRequest("NOT A REQUEST\r\n\r\n");
    }

    @Test
    void aHeaderLineWithoutAColonIsAnswered400AndClosed() throws Exception {
        assertBadRequest("""
                GET /echo/no-colon HTTP/1.1\r
                Host: test\r
                this line has no colon\r
                \r
                """);
    }

    @Test
    void aNonNumericContentLengthIsAnswered400AndClosed() throws Exception {
        assertBadRequest("""
                POST /echo/length-abc HTTP/1.1\r
                Host: test\r
                Content-Length: abc\r
                \r
                """);
    }

    @Test
    void conflictingContentLengthsAreAnswered400AndClosed() throws Exception {
        assertBadRequest("""
                POST /echo/length-twice HTTP/1.1\r
                Host: test\r
                Content-Length: 3\r
                Content-Length: 4\r
                \r
                abcd""");
    }

    @Test
    void aContentLengthAlongsideChunkedIsAnswered400AndClosed() throws Exception {
        // two framings for one body is how requests are smuggled past proxies (RFC 9112 section 6.3)
        assertBadRequest("""
                POST /echo/length-and-chunked HTTP/1.1\r
                Host: test\r
                Content-Length: 3\r
                Transfer-Encoding: chunked\r
                \r
                3\r
                abc\r
                0\r
                \r
                """);
    }

    /** A malformed request gets 400, the connection is closed, and the access log records the 400. */
    private static void assertBadRequest(String request) throws Exception {
        try (Wire wire = Wire.open(server)) {
            Reply reply = wire.send(request).read();

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.header("connection")).hasValue("close");
            assertThat(wire.readUntilClosed()).isEmpty();
            assertThat(server.awaitAccessLog(wire.loggedWith(400))).isNotNull();
        }
    }

    // --- the wire

    private static String get(String target, String... headers) {
        StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: test\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        return request.append("\r\n").toString();
    }
}
