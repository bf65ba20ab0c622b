package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.ThrottleReason;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

/**
 * Lambda's Invoke API as the real AWS SDK for Java v2 calls it, against an endpoint
 * override: RequestResponse, Event and DryRun invocations, the Tail log, function
 * errors, an unknown function and throttling, each as the SDK reports it to its
 * user. The functions are shell runtimes speaking the Runtime API with curl, and the
 * C custom runtime of the examples.
 */
class InvokeApiTest {
    /** A runtime's loop: each event goes to the function's own lines, which answer it by {@code respond} or {@code fail}. */
    private static final String RUNTIME = """
            #!/bin/sh
            api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
            work=$(mktemp -d "$LAMBDA_TASK_ROOT/work.XXXXXX")
            respond() {
              curl -sS -o /dev/null -H 'Content-Type: application/json' --data-binary "$1" "$api/$id/response"
            }
            fail() {
              curl -sS -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: Function.TestError' \\
                --data-binary "$1" "$api/$id/error"
            }
            while curl -sS -D "$work/headers" "$api/next" > "$work/event"; do
              id=$(grep -i '^lambda-runtime-aws-request-id:' "$work/headers" | cut -d: -f2 | tr -d ' \\r')
            %s
            done
            """;
    private static final String ECHO = """
              printf 'event %s\\n' "$(cat "$work/event")"
              respond "@$work/event"
            """;
    private static final String ERROR_JSON = "{\"errorMessage\":\"asked to fail\",\"errorType\":\"TestError\"}";

    @TempDir
    static Path dir;
    static TestServer server;
    static LambdaClient lambda;

    @BeforeAll
    static void start() throws Exception {
        function("echo", ECHO, "");
        function("dry", ECHO, ", \"ReservedConcurrentExecutions\": 1");
        function("failing", "  fail '" + ERROR_JSON + "'\n", "");
        function("blocking", """
                  echo "blocking until $RELEASE exists"
                  while [ ! -e "$RELEASE" ]; do sleep 0.05; done
                  respond '{"released":true}'
                """, ", \"ReservedConcurrentExecutions\": 1, \"Timeout\": 60, "
                + "\"Environment\": {\"Variables\": {\"RELEASE\": \"" + dir.resolve("release") + "\"}}");
        Path helloC = TestServer.repo().resolve("examples/lambda/hello-c.json");
        assertThat(helloC.resolveSibling("c-hello/build/bootstrap"))
                .as("the C example's bootstrap (built by the examples/lambda/c-hello module)").isExecutable();
        server = TestServer.withConfig(dir, """
                /echo = lambda:echo.json
                /dry = lambda:dry.json
                /failing = lambda:failing.json
                /blocking = lambda:blocking.json
                /hello-c = lambda:%s
                """.formatted(helloC));
        lambda = LambdaClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDFLEXILIBTEST", "not-a-secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(TestServer.TIMEOUT))
                // one attempt per call: a throttle is seen as the user's code sees it, and no invocation repeats
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(TestServer.TIMEOUT))
                .build();
    }

    @AfterAll
    static void stop() throws IOException {
        Files.writeString(dir.resolve("release"), ""); // a blocked runtime, had its test failed
        if (lambda != null) {
            lambda.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Writes {@code name}.json and its code, a shell runtime running {@code handler} for each event. */
    private static void function(String name, String handler, String settings) throws IOException {
        Path code = Files.createDirectories(dir.resolve(name));
        Path bootstrap = Files.writeString(code.resolve("bootstrap"), RUNTIME.formatted(handler.stripTrailing()));
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve(name + ".json"), """
                {"FunctionName": "%s", "Runtime": "provided.al2023", "Handler": "bootstrap", "CodeUri": "%s"%s}
                """.formatted(name, name, settings));
    }

    private static SdkBytes json(String json) {
        return SdkBytes.fromUtf8String(json);
    }

    private static String unique(String key) {
        return "{\"" + key + "\":\"" + UUID.randomUUID() + "\"}";
    }

    @Test
    void requestResponseReturnsTheFunctionsResultUnchanged() {
        String payload = "{\"greeting\":\"h\u00e9llo \u2713\",\"numbers\":[1,2.5,-3],\"nested\":{\"empty\":\"\"}}";

        InvokeResponse response = lambda.invoke(r -> r.functionName("echo").payload(json(payload)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.payload().asByteArray()).isEqualTo(payload.getBytes(StandardCharsets.UTF_8));
        assertThat(response.executedVersion()).isEqualTo("$LATEST");
        assertThat(response.functionError()).isNull();
        assertThat(response.logResult()).isNull();
    }

    @Test
    void aFunctionArnNamesTheFunctionToo() {
        String payload = unique("arn");

        InvokeResponse response = lambda.invoke(r -> r.functionName(Function.arn("echo")).payload(json(payload)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.payload().asUtf8String()).isEqualTo(payload);
    }

    @Test
    void anEventInvocationIsAcceptedAndStillRuns() throws Exception {
        String payload = unique("event");

        InvokeResponse response = lambda.invoke(r -> r.functionName("echo").invocationType(InvocationType.EVENT)
                .payload(json(payload)));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.payload().asByteArray()).isEmpty();
        server.awaitEvent(Event.LAMBDA_LOG, message -> message.startsWith("echo ")
                && message.endsWith(": event " + payload)); // the function printed the event it was given
    }

    @Test
    void aDryRunIsAnsweredWithoutAnInvocation() throws Exception {
        String dry = unique("dry");
        String real = unique("real");

        InvokeResponse dryRun = lambda.invoke(r -> r.functionName("dry").invocationType(InvocationType.DRY_RUN)
                .payload(json(dry)));
        InvokeResponse invoked = lambda.invoke(r -> r.functionName("dry").payload(json(real)));

        assertThat(dryRun.statusCode()).isEqualTo(204);
        assertThat(dryRun.payload().asByteArray()).isEmpty();
        assertThat(invoked.statusCode()).isEqualTo(200);
        // one environment (concurrency 1) prints in order: once the real event's line is in, a dry one would be too
        server.awaitEvent(Event.LAMBDA_LOG, message -> message.endsWith(": event " + real));
        assertThat(server.countEvents(Event.LAMBDA_LOG, message -> message.startsWith("dry ")
                && message.contains(": event "))).isEqualTo(1);
    }

    @Test
    void aTailLogCarriesTheInvocationsLog() {
        String payload = unique("tail");

        InvokeResponse response = lambda.invoke(r -> r.functionName("echo").logType(LogType.TAIL)
                .payload(json(payload)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.logResult()).isNotNull();
        String log = new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8);
        assertThat(log).contains("START RequestId: ", "event " + payload, "END RequestId: ", "REPORT RequestId: ");
        assertThat(log.indexOf("event " + payload)).isBetween(log.indexOf("START RequestId: "),
                log.indexOf("REPORT RequestId: "));
    }

    @Test
    void aFunctionErrorIsAnUnhandledErrorWithTheFunctionsErrorJson() {
        InvokeResponse response = lambda.invoke(r -> r.functionName("failing").payload(json("{}")));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.functionError()).isEqualTo("Unhandled");
        assertThat(response.payload().asUtf8String()).isEqualTo(ERROR_JSON);
        assertThat(response.executedVersion()).isEqualTo("$LATEST");
    }

    @Test
    void anUnknownFunctionIsAResourceNotFoundException() {
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("no-such-function").payload(json("{}"))))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ResourceNotFoundException");
                    assertThat(e.awsErrorDetails().errorMessage()).startsWith("Function not found: arn:aws:lambda:")
                            .endsWith(":function:no-such-function");
                    assertThat(e.getMessage()).contains("Function not found");
                });
    }

    @Test
    void aSecondInvocationPastTheReservedConcurrencyIsThrottled() throws Exception {
        Path release = dir.resolve("release");
        CompletableFuture<InvokeResponse> first = CompletableFuture.supplyAsync(
                () -> lambda.invoke(r -> r.functionName("blocking").payload(json("{}"))));
        try {
            server.awaitEvent(Event.LAMBDA_LOG, message -> message.startsWith("blocking ")
                    && message.endsWith(": blocking until " + release + " exists"));

            assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("blocking").payload(json("{}"))))
                    .isInstanceOfSatisfying(TooManyRequestsException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(429);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("TooManyRequestsException");
                        assertThat(e.reason()).isEqualTo(ThrottleReason.RESERVED_FUNCTION_CONCURRENT_INVOCATION_LIMIT_EXCEEDED);
                    });
        } finally {
            Files.writeString(release, "");
        }
        InvokeResponse released = first.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(released.statusCode()).isEqualTo(200);
        assertThat(released.payload().asUtf8String()).isEqualTo("{\"released\":true}");
    }

    @Test
    void theCCustomRuntimeOfTheExamplesAnswersThroughTheSdk() {
        String event = """
                {"version":"2.0","routeKey":"$default","rawPath":"/sdk","rawQueryString":"",
                 "headers":{"host":"localhost"},"requestContext":{"http":{"method":"GET","path":"/sdk",
                 "protocol":"HTTP/1.1","sourceIp":"127.0.0.1"},"stage":"$default"},"isBase64Encoded":false}""";

        InvokeResponse response = lambda.invoke(r -> r.functionName("hello-c").payload(json(event)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.functionError()).isNull();
        assertThat(response.payload().asUtf8String()).isEqualTo("{\"statusCode\":200,\"headers\":"
                + "{\"content-type\":\"text/plain\"},\"body\":\"Hello from a C custom runtime at /sdk!\"}");
    }
}
