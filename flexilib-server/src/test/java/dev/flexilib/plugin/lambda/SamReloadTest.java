package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.JarBuilder;
import dev.flexilib.TestServer;
import dev.flexilib.VersionedLoad;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SAM application reloaded while clients load two of its routes: a custom
 * runtime's bootstrap rewritten, the template changed, a Java function's JAR
 * rebuilt in place as Maven rebuilds it; no request fails, none mixes two
 * versions, no client sees an older version after a newer one, a function that
 * did not change is kept warm, and a broken template leaves the last good
 * application serving.
 */
class SamReloadTest {
    private static final int CLIENTS = 4;

    @TempDir
    Path dir;

    /** A bootstrap answering with $VERSION when the template sets it, else with {@code number}. */
    private static String bootstrap(int number) {
        return """
                V=${VERSION:-v%d}
                BODY=$(printf "%%0.s$V" $(seq 64))
                while true; do
                  next
                  post "invocation/$ID/response" '{"statusCode":200,"headers":{"x-version":"'"$V"'"},"body":"'"$BODY"'"}' > /dev/null
                done
                """.formatted(number);
    }

    /** A Java function answering with {@code version}. */
    private static JarBuilder.Jar jar(int number) throws Exception {
        return JarBuilder.plugin().classpath(Path.of(Context.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI())).source("fn.Versioned", """
                package fn;

                import com.amazonaws.services.lambda.runtime.Context;
                import com.amazonaws.services.lambda.runtime.RequestHandler;
                import java.util.Map;

                public class Versioned implements RequestHandler<Map<String, Object>, Map<String, Object>> {
                    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
                        return Map.of("statusCode", 200, "headers", Map.of("x-version", "v%d"),
                                "body", "v%d".repeat(64));
                    }
                }
                """.formatted(number, number)).build();
    }

    /** How many versions of function {@code id} started: each one's first environment said it was ready. */
    private static long started(TestServer server, String id) {
        return server.countEvents(Event.LAMBDA_ENVIRONMENT, line -> line.startsWith(id + ": execution environment 1 ")
                && line.contains("is ready"));
    }

    private static String template(String environment) {
        return """
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Native:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: native
                      Runtime: provided.al2023
                      Handler: bootstrap
                      ReservedConcurrentExecutions: 8%s
                      Events:
                        V: {Type: HttpApi, Properties: {Path: /v, Method: GET}}
                  Java:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: java
                      Runtime: java21
                      Handler: fn.Versioned::handleRequest
                      MemorySize: 256
                      Events:
                        J: {Type: HttpApi, Properties: {Path: /j, Method: GET}}
                """.formatted(environment);
    }

    @Test
    void codeAndTemplateChangesTakeNewRequestsWithoutAFailedOrMixedResponse() throws Exception {
        Bootstraps.write(dir.resolve("native"), bootstrap(0));
        Path jar = Files.createDirectories(dir.resolve("java/target")).resolve("java-fn-1.0.jar");
        jar(0).writeInPlace(jar);
        Path template = Files.writeString(dir.resolve("template.yaml"), template(""));
        try (TestServer server = TestServer.start(template);
             VersionedLoad native_ = new VersionedLoad(server, "/v", CLIENTS, 1);
             VersionedLoad java = new VersionedLoad(server, "/j", CLIENTS, 1)) {
            native_.awaitResponses("v0");
            java.awaitResponses("v0");
            for (int i = 1; i <= 2; i++) {
                Bootstraps.write(dir.resolve("native"), bootstrap(i));
                native_.awaitResponses("v" + i);
            }
            for (int i = 3; i <= 4; i++) {
                Files.writeString(template, template("\n      Environment: {Variables: {VERSION: v" + i + "}}"));
                native_.awaitResponses("v" + i);
            }
            assertThat(started(server, "Java")).as("the Java function did not change: kept warm").isEqualTo(1);
            assertThat(started(server, "Native")).as("each version of the custom runtime started").isEqualTo(5);
            for (int i = 1; i <= 2; i++) {
                jar(i).writeInPlace(jar); // as Maven's jar plugin writes it: the same file, rewritten
                java.awaitResponses("v" + i);
            }
            assertThat(started(server, "Java")).isEqualTo(3);
            assertThat(started(server, "Native")).as("a rebuilt JAR restarts its own function only").isEqualTo(5);
            Files.writeString(template, template("\n      Timeout: forever"));
            server.awaitEvent(Event.PLUGIN_LOAD_FAILED, line -> line.contains("template.yaml")
                    && line.contains("Timeout") && line.contains("keeps serving"));
            native_.stop();
            java.stop();

            for (VersionedLoad load : new VersionedLoad[] {native_, java}) {
                assertThat(load.failures).as("failed requests: %s", load.failureSamples).hasValue(0);
                assertThat(load.torn).as("responses mixing two versions").hasValue(0);
                assertThat(load.regressions).as("a client saw an older version after a newer one").hasValue(0);
            }
            assertThat(native_.firstSeen).containsKeys("v0", "v1", "v2", "v3", "v4");
            assertThat(java.firstSeen).containsKeys("v0", "v1", "v2");
            assertThat(server.get("/v").headers().firstValue("x-version")).as("the last good template serves")
                    .hasValue("v4");
            assertThat(server.get("/j").headers().firstValue("x-version")).hasValue("v2");
        }
    }
}
