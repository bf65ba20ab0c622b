package dev.flexilib.plugin.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.RawHttp;
import dev.flexilib.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WAGI contract, field by field, against modules built from C by the normal build (examples/wasm). */
class WagiContractTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.withConfig(dir, """
                /wagi/env = %s
                /wagi/echo = %s
                /rules = %s
                /garbage = %s
                /exit = %s
                """.formatted(TestServer.wasm("env"), TestServer.wasm("echo"), TestServer.wasm("misbehaving/rules"),
                TestServer.wasm("misbehaving/garbage"), TestServer.wasm("misbehaving/exit")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theModuleSeesTheRequestAsCgiVariablesArgumentsAndStdin() throws Exception {
        String response = RawHttp.exchange(server.port(), """
                POST /wagi/env/some%20dir/x+y?greet=matt&foo=bar HTTP/1.1\r
                Host: foo.example.com:8080\r
                Content-Type: text/plain\r
                Content-Length: 5\r
                X-Repeated: a\r
                X-Repeated: b\r
                Proxy: http://evil.example\r
                X_Repeated: forged\r
                Authorization: Bearer secret\r
                Connection: close\r
                \r
                hello""");
        List<String> lines = Arrays.asList(response.substring(response.indexOf("\r\n\r\n") + 4).split("\n"));

        assertThat(response).startsWith("HTTP/1.1 200");
        assertThat(lines).contains(
                "argv[0]=/wagi/env/some%20dir/x+y", "argv[1]=greet=matt", "argv[2]=foo=bar",
                "REQUEST_METHOD=POST", "QUERY_STRING=greet=matt&foo=bar",
                "SCRIPT_NAME=/wagi/env", "PATH_INFO=/some dir/x+y", "PATH_TRANSLATED=/some dir/x+y",
                "X_RAW_PATH_INFO=/some%20dir/x+y", "X_MATCHED_ROUTE=/wagi/env",
                "X_FULL_URL=http://foo.example.com:8080/wagi/env/some%20dir/x+y?greet=matt&foo=bar",
                "SERVER_NAME=foo.example.com", "SERVER_PORT=8080", "SERVER_PROTOCOL=HTTP/1.1",
                "GATEWAY_INTERFACE=CGI/1.1", "SERVER_SOFTWARE=flexilib WAGI/1",
                "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=5", "REMOTE_ADDR=127.0.0.1", "REMOTE_HOST=127.0.0.1",
                "AUTH_TYPE=", "REMOTE_USER=",
                "HTTP_HOST=foo.example.com:8080", "HTTP_X_REPEATED=a, b",
                "GREETING=hello from env.properties", "stdin=5 bytes");
        assertThat(lines).filteredOn(line -> line.startsWith("HTTP_PROXY=") || line.startsWith("HTTP_AUTHORIZATION=")
                || line.startsWith("HTTP_CONNECTION=") || line.contains("forged")).isEmpty();
        // nothing of the server's own environment
        assertThat(lines).filteredOn(line -> line.startsWith("PATH=") || line.startsWith("HOME=")
                || line.startsWith("JAVA_HOME=")).isEmpty();
    }

    @Test
    void aBodyGoesInAndComesOutByteForByte() throws Exception {
        byte[] body = new byte[256 * 1024];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31 + i / 256);
        }
        HttpResponse<byte[]> response = server.send(server.request("/wagi/echo").header("content-type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("image/png");
        assertThat(response.body()).isEqualTo(body);
    }

    @Test
    void headersOutFollowCgiAndFixWagisMistakes() throws Exception {
        HttpResponse<String> cookies = server.get("/rules?cookies");
        HttpResponse<String> redirect = server.get("/rules?redirect");
        HttpResponse<String> location = server.get("/rules?location");
        HttpResponse<String> crlf = server.get("/rules?crlf");
        String teapot = RawHttp.exchange(server.port(), "GET /rules?reason HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(cookies.headers().allValues("set-cookie")).containsExactly("a=1; Path=/", "b=2; Path=/");
        assertThat(redirect.statusCode()).as("an explicit Status beats Location's 302").isEqualTo(301);
        assertThat(redirect.headers().firstValue("location")).hasValue("https://example.com/moved");
        assertThat(location.statusCode()).isEqualTo(302);
        assertThat(crlf.headers().firstValue("x-line-ending")).hasValue("crlf");
        assertThat(crlf.body()).isEqualTo("body after crlf\n");
        assertThat(teapot).startsWith("HTTP/1.1 418 I'm a teapot\r\n").endsWith("short and stout\n");
    }

    @Test
    void aBinaryBodyKeepsEveryByte() throws Exception {
        HttpResponse<byte[]> response = server.send(server.request("/rules?binary").build());
        byte[] expected = new byte[256];
        for (int i = 0; i < 256; i++) {
            expected[i] = (byte) i;
        }

        assertThat(response.body()).isEqualTo(expected);
    }

    @Test
    void everyRequestSeesAFreshInstance() throws Exception {
        for (int i = 1; i <= 5; i++) {
            assertThat(server.get("/rules?counter&" + i).body()).isEqualTo("counter=1 remembered=(nothing)\n");
        }
    }

    @Test
    void outputThatIsNotACgiResponseAnswers502WithTheReasonInTheLog() throws Exception {
        assertBadGateway("noheader", "'this is not a header' is not a CGI header line");
        assertBadGateway("noblank", "no empty line ends the CGI headers");
        assertBadGateway("status", "'Status: abc' is not a status code");
        assertBadGateway("insufficient", "none of Content-Type, Location and Status");
        assertBadGateway("nothing", "the module wrote nothing to stdout");
    }

    private static void assertBadGateway(String query, String reason) throws Exception {
        HttpResponse<String> response = server.get("/garbage?" + query);

        assertThat(response.statusCode()).as(query).isEqualTo(502);
        assertThat(response.body()).isEqualTo("Bad Gateway\n");
        server.awaitEvent(Event.REQUEST_FAILED, m -> m.contains("garbage (GET /garbage?" + query + ")")
                && m.contains(reason));
    }

    @Test
    void exitEndsOnlyItsRequest() throws Exception {
        HttpResponse<String> after = server.get("/exit?after");
        HttpResponse<String> before = server.get("/exit?before");

        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).isEqualTo("written, then exit(3)\n");
        assertThat(before.statusCode()).isEqualTo(502);
        assertThat(server.get("/exit?after").statusCode()).isEqualTo(200);
    }
}
