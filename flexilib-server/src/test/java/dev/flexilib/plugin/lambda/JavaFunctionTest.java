package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.JarBuilder;
import dev.flexilib.TestServer;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java functions built as Lambda developers build them, run by AWS's own runtime
 * interface client in flexilib's execution environments: the bundled example,
 * POJO and stream handlers, both API Gateway payload formats, context fields,
 * function errors, init errors, timeouts, a runtime that exits, a response over
 * 6 MB, binary bodies, cookies, concurrency up to the limit and then 429, and
 * idle environments stopped.
 */
class JavaFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Answers from what the event asks: the path's last part picks the behaviour. */
    private static final String HANDLER = """
            package fn;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.List;
            import java.util.Map;

            public class Pojo implements RequestHandler<Map<String, Object>, Map<String, Object>> {
                private static int invocations;

                public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
                    invocations++;
                    String path = String.valueOf(event.getOrDefault("rawPath", event.get("path")));
                    System.out.println("handling " + path);
                    if (path.endsWith("/throw")) {
                        throw new IllegalStateException("boom at " + path);
                    }
                    if (path.endsWith("/exit")) {
                        System.exit(3);
                    }
                    if (path.endsWith("/sleep")) {
                        sleep(60_000);
                    }
                    if (path.endsWith("/hold")) {
                        System.out.println("entered " + path);
                        Path release = Path.of(System.getenv("RELEASE"));
                        while (!Files.exists(release)) {
                            sleep(20);
                        }
                    }
                    String body = path.endsWith("/big") ? "x".repeat(7 * 1024 * 1024)
                            : path.endsWith("/echo") ? String.valueOf(event.get("body"))
                            : "{\\"requestId\\":\\"" + context.getAwsRequestId() + "\\",\\"function\\":\\""
                              + context.getFunctionName() + "\\",\\"memory\\":" + context.getMemoryLimitInMB()
                              + ",\\"remaining\\":" + context.getRemainingTimeInMillis() + ",\\"arn\\":\\""
                              + context.getInvokedFunctionArn() + "\\",\\"greeting\\":\\"" + System.getenv("GREETING")
                              + "\\",\\"pid\\":" + ProcessHandle.current().pid() + ",\\"invocations\\":" + invocations + "}";
                    return Map.of("statusCode", 200,
                            "headers", Map.of("content-type", path.endsWith("/echo") ? "application/octet-stream"
                                    : "application/json"),
                            "cookies", List.of("seen=" + event.getOrDefault("cookies", List.of())),
                            "isBase64Encoded", path.endsWith("/echo") && Boolean.TRUE.equals(event.get("isBase64Encoded")),
                            "body", body);
                }

                private static void sleep(long millis) {
                    try {
                        Thread.sleep(millis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            """;

    /** A stream handler that hands the event back unchanged as its result. */
    private static final String STREAM = """
            package fn;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
            import java.io.IOException;
            import java.io.InputStream;
            import java.io.OutputStream;

            public class Stream implements RequestStreamHandler {
                public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
                    in.transferTo(out);
                }
            }
            """;

    private static final String BAD_INIT = """
            package fn;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;

            public class BadInit implements RequestHandler<String, String> {
                public BadInit() {
                    throw new IllegalStateException("cannot start: no database");
                }

                public String handleRequest(String event, Context context) {
                    return event;
                }
            }
            """;

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        JarBuilder.Jar jar = JarBuilder.plugin().classpath(lambdaCore()).source("fn.Pojo", HANDLER)
                .source("fn.Stream", STREAM).source("fn.BadInit", BAD_INIT).build();
        Files.write(dir.resolve("functions.jar"), jar.bytes());
        function("pojo", "fn.Pojo::handleRequest", "\"Timeout\": 3, \"MemorySize\": 256, "
                + "\"Environment\": {\"Variables\": {\"GREETING\": \"hi\", \"RELEASE\": \"" + dir.resolve("release") + "\"}},"
                + "\"ReservedConcurrentExecutions\": 3");
        function("rest", "fn.Pojo", "\"PayloadFormatVersion\": \"1.0\"");
        function("stream", "fn.Stream", "");
        function("badinit", "fn.BadInit", "");
        Files.writeString(dir.resolve("proxy.ini"), """
                /example = lambda:%s
                /pojo = lambda:pojo.json
                /rest = lambda:rest.json
                /stream = lambda:stream.json
                /badinit = lambda:badinit.json
                """.formatted(TestServer.repo().resolve("examples/lambda/hello-java.json")));
        server = TestServer.start(TestServer.settings("FLEXILIB_LAMBDA_IDLE_TIMEOUT_S", "86400"),
                dir.resolve("proxy.ini"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void function(String name, String handler, String more) throws Exception {
        Files.writeString(dir.resolve(name + ".json"), """
                {
                  "FunctionName": "%s",
                  "Runtime": "java21",
                  "Handler": "%s",
                  "CodeUri": "functions.jar"%s
                }
                """.formatted(name, handler, more.isEmpty() ? "" : ",\n  " + more));
    }

    private static Path lambdaCore() throws URISyntaxException {
        return Path.of(Context.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void theBundledExampleAnswersThroughAwsRuntimeClient() throws Exception {
        HttpResponse<String> response = server.get("/example?name=Ada");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("Hello from Java on Lambda, Ada!");
        assertThat(response.headers().firstValue("x-function")).hasValue("hello-java (512 MB)");
        assertThat(response.headers().firstValue("apigw-requestid")).isPresent();
        String requestId = response.headers().firstValue("x-request-id").orElseThrow();
        assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.contains("REPORT RequestId: " + requestId)))
                .satisfies(report -> assertThat(report.message()).contains("\tDuration: ").contains("\tBilled Duration: ")
                        .contains("\tMemory Size: 512 MB\t").contains("\tMax Memory Used: "));
    }

    @Test
    void aPojoHandlerGetsTheHttpApiEventAndItsContext() throws Exception {
        HttpResponse<String> response = server.get("/pojo/context", "Cookie", "a=1; b=2");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("function").asText()).isEqualTo("pojo");
        assertThat(body.get("memory").asInt()).isEqualTo(256);
        assertThat(body.get("remaining").asLong()).as("remaining time of a 3 s timeout").isBetween(1L, 3000L);
        assertThat(body.get("arn").asText()).isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:pojo");
        assertThat(body.get("greeting").asText()).as("Environment.Variables").isEqualTo("hi");
        assertThat(body.get("requestId").asText()).matches("[0-9a-f-]{36}");
        assertThat(response.headers().allValues("set-cookie")).as("cookies in the event and back")
                .containsExactly("seen=[a=1, b=2]");
    }

    @Test
    void aStreamHandlerReceivesThePayloadFormat20EventAsApiGatewaySendsIt() throws Exception {
        HttpResponse<String> echoed = server.client().send(server.request("/stream/x/y?a=1&a=2&b=%20")
                .header("X-Custom", "one").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"k\":1}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(echoed.statusCode()).as("a result without statusCode is the body, 200").isEqualTo(200);
        assertThat(echoed.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode event = json(echoed);
        assertThat(event.get("version").asText()).isEqualTo("2.0");
        assertThat(event.get("routeKey").asText()).isEqualTo("$default");
        assertThat(event.get("rawPath").asText()).isEqualTo("/stream/x/y");
        assertThat(event.get("rawQueryString").asText()).isEqualTo("a=1&a=2&b=%20");
        assertThat(event.get("queryStringParameters").get("a").asText()).isEqualTo("1,2");
        assertThat(event.get("queryStringParameters").get("b").asText()).isEqualTo(" ");
        assertThat(event.get("headers").get("x-custom").asText()).as("header names lower-cased").isEqualTo("one");
        assertThat(event.get("body").asText()).isEqualTo("{\"k\":1}");
        assertThat(event.get("isBase64Encoded").asBoolean()).isFalse();
        JsonNode context = event.get("requestContext");
        assertThat(context.get("http").get("method").asText()).isEqualTo("POST");
        assertThat(context.get("http").get("sourceIp").asText()).isEqualTo("127.0.0.1");
        assertThat(context.get("stage").asText()).isEqualTo("$default");
        assertThat(context.get("time").asText()).matches("\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000");
        assertThat(context.get("timeEpoch").asLong()).isPositive();
    }

    @Test
    void aRestApiFunctionGetsPayloadFormat10() throws Exception {
        HttpResponse<String> response = server.get("/rest/items/7?tag=a&tag=b");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(json(response).get("function").asText()).isEqualTo("rest");
        assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.contains("handling /rest/items/7"))).isNotNull();
    }

    @Test
    void aBinaryBodyRoundTripsThroughBase64() throws Exception {
        byte[] bytes = new byte[3000];
        new Random(7).nextBytes(bytes);
        HttpResponse<byte[]> response = server.send(server.request("/pojo/echo")
                .header("content-type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(bytes);
    }

    @Test
    void aFunctionErrorIsApiGateways500AndTheErrorIsLogged() throws Exception {
        HttpResponse<String> response = server.get("/pojo/throw");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("{\"message\":\"Internal Server Error\"}");
        assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.contains("boom at /pojo/throw"))).isNotNull();
        assertThat(server.get("/pojo/after-throw").statusCode()).as("the environment goes on").isEqualTo(200);
    }

    @Test
    void aRestApiFunctionErrorIs502() throws Exception {
        HttpResponse<String> response = server.get("/rest/throw");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).isEqualTo("{\"message\": \"Internal server error\"}");
    }

    @Test
    void anInvocationPastTheTimeoutFailsAndItsEnvironmentIsReplaced() throws Exception {
        HttpResponse<String> response = server.get("/pojo/sleep");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.contains("Task timed out after 3.00 seconds")))
                .isNotNull();
        assertThat(server.awaitEvent(Event.LAMBDA_ENVIRONMENT, line -> line.contains("timed out"))).isNotNull();
        assertThat(server.get("/pojo/after-timeout").statusCode()).isEqualTo(200);
    }

    @Test
    void aRuntimeThatExitsMidInvocationIsRuntimeExitError() throws Exception {
        HttpResponse<String> response = server.get("/pojo/exit");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.contains("Runtime.ExitError")
                && line.contains("Runtime exited with error: exit status 3"))).isNotNull();
        assertThat(server.get("/pojo/after-exit").statusCode()).isEqualTo(200);
    }

    @Test
    void aResponseOverSixMegabytesIsAFunctionError() throws Exception {
        HttpResponse<String> response = server.get("/pojo/big");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.contains("Function.ResponseSizeTooLarge"))).isNotNull();
        assertThat(server.get("/pojo/after-big").statusCode()).as("the runtime goes on").isEqualTo(200);
    }

    @Test
    void aFunctionWhoseInitFailsIsNotLoadedAndSaysWhy() throws Exception {
        HttpResponse<String> response = server.get("/badinit");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(server.awaitEvent(Event.PLUGIN_LOAD_FAILED, line -> line.contains("badinit.json")).message())
                .contains("cannot start: no database");
    }

    @Test
    void concurrentRequestsGetAnEnvironmentEachUpToTheLimitThen429() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        long entered = server.countEvents(Event.LAMBDA_LOG, line -> line.contains("entered /pojo/hold"));
        for (int i = 0; i < 3; i++) {
            held.add(server.client().sendAsync(server.request("/pojo/hold").build(), HttpResponse.BodyHandlers.ofString()));
        }
        server.awaitEvents(Event.LAMBDA_LOG, line -> line.contains("entered /pojo/hold"), entered + 3);

        HttpResponse<String> fourth = server.get("/pojo/fourth");
        Files.createFile(dir.resolve("release"));

        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(fourth.body()).isEqualTo("{\"message\":\"Too Many Requests\"}");
        Set<Long> pids = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> request : held) {
            HttpResponse<String> response = request.get();
            assertThat(response.statusCode()).isEqualTo(200);
            pids.add(json(response).get("pid").asLong());
        }
        assertThat(pids).as("three environments, one invocation each").hasSize(3);
        Files.delete(dir.resolve("release"));
    }

    @Test
    void anIdleEnvironmentIsStoppedAfterTheIdleTimeout() throws Exception {
        try (TestServer idle = TestServer.start(TestServer.settings("FLEXILIB_LAMBDA_IDLE_TIMEOUT_S", "1"),
                dir.resolve("proxy.ini"))) {
            assertThat(idle.get("/stream/once").statusCode()).isEqualTo(200);

            assertThat(idle.awaitEvent(Event.LAMBDA_ENVIRONMENT, line -> line.startsWith("stream:")
                    && line.contains("stopped: it was idle"))).isNotNull();
            assertThat(idle.get("/stream/again").statusCode()).as("a cold start serves the next").isEqualTo(200);
        }
    }
}
