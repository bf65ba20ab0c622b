package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FlexiLib's C ABI through real HTTP: every field of the request and response structs, both ways. */
class NativePluginTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path status = Gcc.compile("status", dir.resolve("libstatus.so"));
        Path nul = Gcc.compile("null", dir.resolve("libnull.so"));
        Path noHandler = Gcc.compile("no_handler", dir.resolve("libno_handler.so"));
        Path counter = Gcc.compile("deinit_counter", dir.resolve("libcounter.so"));
        server = TestServer.withConfig(dir, """
                /echo = %s
                /sample = %s
                /zig = %s
                /status = %s
                /null = %s
                /no-handler = %s
                /counter = %s
                /not-a-library = proxy.ini
                """.formatted(TestServer.example("echo"), TestServer.example("sample"), TestServer.example("zigalloc"),
                status, nul, noHandler, counter));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<byte[]> post(String target, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = server.request(target).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return server.send(request.build());
    }

    @Test
    void binaryBodiesPassThroughUnchangedBothWays() throws Exception {
        byte[] body = new byte[256 * 1024];
        new Random(42).nextBytes(body);
        body[0] = 0; // a NUL byte must not end anything

        HttpResponse<byte[]> response = post("/echo", body, "Content-Type", "application/octet-stream");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/octet-stream");
        assertThat(response.headers().firstValue("x-echo-method")).hasValue("POST");
    }

    @Test
    void anEmptyBodyIsAnEmptyContent() throws Exception {
        HttpResponse<byte[]> response = post("/echo", new byte[0]);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("content-length")).hasValue("0");
    }

    @Test
    void manyHeadersArriveInOrderAndComeBack() throws Exception {
        String[] headers = new String[2 * 100];
        for (int i = 0; i < 100; i++) {
            headers[2 * i] = "X-H" + i;
            headers[2 * i + 1] = "value " + i;
        }

        HttpResponse<String> response = server.get("/echo", headers);

        for (int i = 0; i < 100; i++) {
            assertThat(response.headers().firstValue("x-h" + i)).hasValue("value " + i);
        }
    }

    @Test
    void headerBytesAbove0x7fTravelUnchanged() throws Exception {
        String raw = RawHttp.exchange(server.port(),
                "GET /echo HTTP/1.1\r\nHost: x\r\nX-Bytes: caf\u00e9 \u00ff\u0080\r\nConnection: close\r\n\r\n");

        assertThat(raw).contains("X-Bytes: caf\u00e9 \u00ff\u0080\r\n");
    }

    @Test
    void aPluginSeesExactlyTheHeadersTheClientSentAndNoneTheServerAdded() throws Exception {
        // FlexiLib's sample counts the request's headers: a GET with only a Host has one, no Content-Length
        String raw = RawHttp.exchange(server.port(), "GET /sample HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(raw).endsWith("\r\n\r\n 2");

        String chunked = RawHttp.exchange(server.port(), """
                POST /sample HTTP/1.1\r
                Host: x\r
                Transfer-Encoding: chunked\r
                \r
                1\r
                b\r
                0\r
                \r
                GET /sample HTTP/1.1\r
                Host: x\r
                Connection: close\r
                \r
                """);
        assertThat(chunked).as("Host and Transfer-Encoding, as sent").contains("\r\n\r\n 2HTTP/1.1 200");
    }

    @Test
    void theSampleCountsHeadersAndAddsItsOwn() throws Exception {
        HttpResponse<String> plain = server.get("/sample");
        HttpResponse<String> logged = server.get("/sample", "x-log-this", "hello");

        assertThat(plain.headers().firstValue("X-custom-foo")).hasValue("bar");
        assertThat(plain.body()).matches(" \\d+");
        int count = Integer.parseInt(plain.body().strip());
        assertThat(logged.body()).isEqualTo("hello " + (count + 1));
        assertThat(plain.headers().firstValue("content-type")).as("the host's default").hasValue("text/plain");
    }

    @Test
    void xStatusSetsTheStatusWithItsStandardReason() throws Exception {
        HttpResponse<String> response = server.get("/sample", "x-status", "418");

        assertThat(response.statusCode()).isEqualTo(418);
    }

    @Test
    void statusZeroIs200AndAReasonAndContentTypeFromThePluginAreKept() throws Exception {
        assertThat(server.get("/status").statusCode()).isEqualTo(200);

        String raw = RawHttp.exchange(server.port(), """
                GET /status HTTP/1.1\r
                Host: x\r
                x-status: 201\r
                x-reason: Made It\r
                x-content-type: application/json\r
                Connection: close\r
                \r
                """);

        assertThat(raw).startsWith("HTTP/1.1 201 Made It\r\n").containsIgnoringCase("content-type: application/json\r\n")
                .doesNotContainIgnoringCase("text/plain");
    }

    @Test
    void withoutAReasonTheStandardPhraseIsSent() throws Exception {
        String raw = RawHttp.exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\nx-status: 404\r\nConnection: close\r\n\r\n");

        assertThat(raw).startsWith("HTTP/1.1 404 Not Found\r\n");
    }

    @Test
    void theZigAllocatorPathServesResponsesFromTheWorkersArena() throws Exception {
        HttpResponse<String> response = server.get("/zig/path?q=1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("zig allocator: /zig/path?q=1");
        assertThat(response.headers().firstValue("x-allocator")).hasValue("zig");
        assertThat(server.nextAccessLogLineFor("/zig/path?q=1")).matches(".*\\(pre-alloc: 8192, alloc: [1-9]\\d*\\)");
    }

    @Test
    void requestDeinitIsCalledAfterEveryRequestAndZigInitOnlyWhenExported() throws Exception {
        server.get("/counter");
        String first = server.get("/counter").body();
        String second = server.get("/counter").body();

        assertThat(parse(first, "handle") + 1).isEqualTo(parse(second, "handle"));
        assertThat(parse(second, "deinit")).as("deinit of every earlier request has run").isEqualTo(parse(second, "handle") - 1);
        assertThat(parse(second, "init")).as("zigInit runs before each handle_request").isEqualTo(parse(second, "handle"));
    }

    private static int parse(String body, String key) {
        for (String part : body.split(" ")) {
            if (part.startsWith(key + "=")) {
                return Integer.parseInt(part.substring(key.length() + 1));
            }
        }
        throw new AssertionError(key + " missing in " + body);
    }

    @Test
    void aNullResponseIs500WithAShortBodyAndTheReasonInTheLog() throws Exception {
        HttpResponse<String> response = server.get("/null");
        HttpResponse<String> thrown = server.get("/sample", "x-throw", "1");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("Internal Server Error\n");
        assertThat(thrown.statusCode()).isEqualTo(500);
        server.awaitEvent(Event.REQUEST_FAILED, m -> m.contains("/null") && m.contains("handle_request returned NULL"));
    }

    @Test
    void aLibraryWithoutHandleRequestAnswers500AndTheLogSaysWhy() throws Exception {
        HttpResponse<String> response = server.get("/no-handler");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("handle_request");
        server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("libno_handler.so") && m.contains("no handle_request"));
    }

    @Test
    void aFileTheLoaderRejectsAnswers500WithTheLoadersMessageInTheLog() throws Exception {
        HttpResponse<String> response = server.get("/not-a-library");

        assertThat(response.statusCode()).isEqualTo(500);
        server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("dlopen failed") && m.contains("proxy.ini"));
        assertThat(server.get("/not-a-library").statusCode()).as("still 500, without another load attempt").isEqualTo(500);
        assertThat(server.countEvents(Event.PLUGIN_LOAD_FAILED, m -> m.contains("proxy.ini"))).isEqualTo(1);
    }

    @Test
    void theAccessLogLineHasFlexilibsFormat() throws Exception {
        server.get("/sample?log=1");

        assertThat(server.nextAccessLogLineFor("/sample?log=1")).matches(
                "127\\.0\\.0\\.1:\\d+ - - \"GET /sample\\?log=1 HTTP/1\\.1\" 200 ttfb \\d+\\.\\d{3}ms \\d+ ttlb \\d+\\.\\d{3}ms "
                        + "\\(pre-alloc: 8192, alloc: \\d+\\)");
    }

    @Test
    void headRequestsGetTheHeadersWithoutTheBody() throws Exception {
        String raw = RawHttp.exchange(server.port(), "HEAD /sample HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(raw).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("content-length: ").endsWith("\r\n\r\n");
    }
}
