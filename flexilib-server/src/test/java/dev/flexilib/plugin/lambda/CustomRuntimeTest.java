package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.ProxyIni;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom runtimes ({@code provided*}: an executable {@code bootstrap}) over the
 * whole Runtime API: the bundled C example, and shell bootstraps speaking it
 * with curl, including ones that break its rules (a wrong request id, a second
 * response, an init error after the first {@code /next}), that fail to start in
 * each way a bootstrap can, exit mid-invocation or outgrow their MemorySize; an
 * event too large; settings with errors.
 */
class CustomRuntimeTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        bootstrap("rules", 128, """
                next
                echo "wrong-id=$(post invocation/not-$ID/response '{}')"
                echo "late-init-error=$(post init/error '{"errorMessage":"late","errorType":"Late"}')"
                echo "first=$(post invocation/$ID/response '{"statusCode":201,"body":"first"}')"
                echo "second=$(post invocation/$ID/response '{"statusCode":200,"body":"second"}')"
                echo "error-after=$(post invocation/$ID/error '{"errorMessage":"x","errorType":"X"}')"
                while true; do
                  next
                  post invocation/$ID/response "$(cat event)" > /dev/null
                done
                """);
        bootstrap("initerror", 128, """
                post init/error '{"errorMessage":"no config found","errorType":"Runtime.ConfigInvalid"}'
                exit 1
                """);
        bootstrap("silent", 128, """
                exec sleep 600
                """);
        bootstrap("exits", 128, """
                next
                exit 2
                """);
        bootstrap("greedy", 128, """
                next
                head -c 300m /dev/zero | tail -c 300m | sleep 30
                """);
        Path broken = Files.createDirectories(dir.resolve("notexecutable"));
        Files.writeString(broken.resolve("bootstrap"), "#!/bin/sh\nexit 0\n");
        settings("notexecutable", 128);
        Files.writeString(dir.resolve("proxy.ini"), """
                /c = lambda:%s
                /rules = lambda:rules.json
                /initerror = lambda:initerror.json
                /silent = lambda:silent.json
                /exits = lambda:exits.json
                /greedy = lambda:greedy.json
                /notexecutable = lambda:notexecutable.json
                """.formatted(TestServer.repo().resolve("examples/lambda/hello-c.json")));
        server = TestServer.start(dir.resolve("proxy.ini"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void bootstrap(String name, int memory, String body) throws Exception {
        Bootstraps.write(dir.resolve(name), body);
        settings(name, memory);
    }

    private static void settings(String name, int memory) throws Exception {
        Bootstraps.settings(dir, name, "\"MemorySize\": " + memory + ", \"Timeout\": 5");
    }

    @Test
    void theBundledCRuntimeAnswersAndReportsFunctionErrors() throws Exception {
        HttpResponse<String> hello = server.get("/c/world");
        HttpResponse<String> failed = server.get("/c/fail");

        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("Hello from a C custom runtime at /c/world!");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).isEqualTo("{\"message\":\"Internal Server Error\"}");
    }

    @Test
    void aBusyFunctionHandsEachEventOutOnceAndEveryRequestIsAnswered() throws Exception {
        // a fast runtime asks for its next event the moment its answer is taken: each must still come once
        List<Future<Integer>> clients = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            for (int client = 0; client < 8; client++) {
                clients.add(threads.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 250; i++) {
                        ok += server.get("/c/busy").statusCode() == 200 ? 1 : 0;
                    }
                    return ok;
                }));
            }
            for (Future<Integer> client : clients) {
                assertThat(client.get()).isEqualTo(250);
            }
        }
        assertThat(server.countEvents(Event.LAMBDA_LOG, line -> line.startsWith("hello-c")
                && (line.contains("InvalidStateTransition") || line.contains("Runtime.ExitError")))).isZero();
    }

    @Test
    void theRuntimeApiAnswersRuleBreakersAsAwsDoes() throws Exception {
        HttpResponse<String> response = server.get("/rules/first");

        assertThat(response.statusCode()).as("the first response counts").isEqualTo(201);
        assertThat(response.body()).isEqualTo("first");
        for (String answer : new String[] {"wrong-id=400", "late-init-error=403", "first=202", "second=403",
                "error-after=403"}) {
            assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.endsWith(": " + answer))).isNotNull();
        }
        HttpResponse<String> next = server.get("/rules/next");
        assertThat(next.statusCode()).as("the event itself is no statusCode object: 200 with it").isEqualTo(200);
        assertThat(next.body()).contains("\"rawPath\":\"/rules/next\"");
    }

    @Test
    void anInitErrorIsReportedWithTheRuntimesWords() throws Exception {
        assertThat(server.get("/initerror").statusCode()).isEqualTo(500);

        assertThat(server.awaitEvent(Event.PLUGIN_LOAD_FAILED, line -> line.contains("initerror.json")).message())
                .contains("no config found");
    }

    @Test
    void aRuntimeThatNeverAsksForWorkFailsItsInitAfterLambdasTenSeconds() throws Exception {
        assertThat(server.get("/silent").statusCode()).isEqualTo(500);

        assertThat(server.awaitEvent(Event.PLUGIN_LOAD_FAILED, line -> line.contains("silent.json")).message())
                .contains("did not ask for an invocation within 10 s");
    }

    @Test
    void aBootstrapThatIsNotExecutableIsReported() throws Exception {
        assertThat(server.get("/notexecutable").statusCode()).isEqualTo(500);

        assertThat(server.awaitEvent(Event.PLUGIN_LOAD_FAILED, line -> line.contains("notexecutable.json")).message())
                .contains("permission denied");
    }

    @Test
    void aRuntimeThatExitsMidInvocationIsReplacedForTheNextRequest() throws Exception {
        assertThat(server.get("/exits/one").statusCode()).isEqualTo(500);
        assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.contains("Runtime exited with error: exit status 2")))
                .isNotNull();

        assertThat(server.get("/exits/two").statusCode()).as("a new environment, which exits too").isEqualTo(500);
        assertThat(server.countEvents(Event.LAMBDA_ENVIRONMENT, line -> line.startsWith("exits:")
                && line.contains("is ready"))).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aRuntimeOverItsMemorySizeIsStopped() throws Exception {
        assertThat(server.get("/greedy").statusCode()).isEqualTo(500);

        assertThat(server.awaitEvent(Event.LAMBDA_ENVIRONMENT, line -> line.startsWith("greedy:")
                && line.contains("stopped")).message())
                .contains("more than its MemorySize of 128 MB");
        assertThat(server.awaitEvent(Event.LAMBDA_LOG, line -> line.contains("Runtime.OutOfMemory"))).isNotNull();
    }

    @Test
    void anEventOverSixMegabytesIsRefusedBeforeAnyInvocation() throws Exception {
        HttpResponse<String> response = server.client().send(server.request("/c/upload")
                .header("content-type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5 * 1024 * 1024])).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as("5 MiB in base64 is more than 6 MiB").isEqualTo(413);
        assertThat(response.body()).isEqualTo("{\"message\":\"Request Entity Too Large\"}");
    }

    @Test
    void settingsWithErrorsAreReportedWithFileAndLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"), """
                {
                  "Runtime": "nodejs22.x",
                  "Timeout": 0,
                  "Timout": 3,
                  "Role": "arn:aws:iam::123456789012:role/x",
                  "Environment": {"Variables": {"AWS_REGION": "eu-west-1"}}
                }
                """);
        Path ini = Files.writeString(dir.resolve("bad.ini"), "/x = lambda:bad.json\n");

        ConfigException e = Assertions.catchThrowableOfType(ConfigException.class, () -> ProxyIni.read(ini));

        assertThat(e.errors()).extracting(error -> error.file().getFileName() + ":" + error.line())
                .contains("bad.json:2", "bad.json:3", "bad.json:4", "bad.json:6");
        assertThat(e.getMessage()).contains("other languages run on provided", "AWS_REGION is reserved")
                .doesNotContain("Role");
        assertThat(bad).exists();
    }
}
