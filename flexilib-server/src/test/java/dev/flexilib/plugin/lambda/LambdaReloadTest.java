package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import dev.flexilib.VersionedLoad;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload of a Lambda function under load, as for native plugins: its code
 * replaced again and again while clients send requests, with no failed request,
 * no response mixing two versions and no client seeing an older version after a
 * newer one; a version whose runtime does not initialise leaves the last good
 * one serving.
 */
class LambdaReloadTest {
    private static final int CLIENTS = 8;
    private static final int REBUILDS = 5;

    @TempDir
    Path dir;

    /** A runtime answering every event with its version: header x-version, and the version 64 times as the body. */
    private static String version(int number) {
        String version = "v" + number;
        return """
                BODY=%s
                while true; do
                  next
                  post "invocation/$ID/response" '{"statusCode":200,"headers":{"x-version":"%s"},"body":"'"$BODY"'"}' > /dev/null
                done
                """.formatted(version.repeat(64), version);
    }

    @Test
    void newCodeTakesNewRequestsWithoutAFailedOrMixedResponse() throws Exception {
        Path code = dir.resolve("versioned");
        Bootstraps.write(code, version(0));
        Bootstraps.settings(dir, "versioned", "\"ReservedConcurrentExecutions\": 16");
        try (TestServer server = TestServer.withConfig(dir, "/v = lambda:versioned.json\n");
             VersionedLoad load = new VersionedLoad(server, "/v", CLIENTS, 1)) {
            load.awaitResponses("v0");
            for (int i = 1; i <= REBUILDS; i++) {
                Bootstraps.write(code, version(i));
                load.awaitResponses("v" + i);
            }
            Bootstraps.write(code, "exit 1\n");
            server.awaitEvent(Event.PLUGIN_LOAD_FAILED, line -> line.contains("versioned.json")
                    && line.contains("generation " + (REBUILDS + 1) + " keeps serving"));
            load.stop();

            assertThat(load.failures).as("failed requests: %s", load.failureSamples).hasValue(0);
            assertThat(load.torn).as("responses mixing two versions").hasValue(0);
            assertThat(load.regressions).as("a client saw an older version after a newer one").hasValue(0);
            assertThat(load.firstSeen).containsKeys("v0", "v1", "v2", "v3", "v4", "v5");
            assertThat(server.get("/v").headers().firstValue("x-version")).as("the last good version serves")
                    .hasValue("v" + REBUILDS);
            assertThat(server.countEvents(Event.GENERATION_UNLOADED, line -> true))
                    .as("old generations stop once drained").isGreaterThanOrEqualTo(1);
        }
        assertThat(Files.exists(code)).isTrue();
    }
}
