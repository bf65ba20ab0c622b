package dev.flexilib.plugin.workers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.ServerProcess;
import dev.flexilib.TestServer;
import dev.flexilib.VersionedLoad;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Worker's generations and processes: edits under load swap in a new workerd with
 * no failed or mixed response and a syntax error leaves the old one serving; a
 * workerd killed from outside is started again by the next request; KV data
 * outlives the server; and no workerd outlives a serving process killed with SIGKILL.
 */
class WorkerLifecycleTest {
    private static final Pattern PID = Pattern.compile("workerd \\(pid (\\d+)\\)");

    @TempDir
    Path dir;

    /** A Worker answering with its version: header x-version, and the version 64 times as the body. */
    private static String version(int number) {
        return """
                const VERSION = "v%d";
                export default {
                  fetch() {
                    return new Response(VERSION.repeat(64), {headers: {"x-version": VERSION}});
                  }
                };
                """.formatted(number);
    }

    private static long pid(String message) {
        Matcher matcher = PID.matcher(message);
        assertThat(matcher.find()).as(message).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    @Test
    void editsUnderLoadSwapWithoutAFailedOrMixedResponse() throws Exception {
        Path worker = Files.writeString(dir.resolve("versioned.js"), version(0));
        try (TestServer server = TestServer.withConfig(dir, "/v = versioned.js\n");
             VersionedLoad load = new VersionedLoad(server, "/v", 8, 1)) {
            load.awaitResponses("v0");
            for (int i = 1; i <= 4; i++) {
                Files.writeString(worker, version(i));
                load.awaitResponses("v" + i);
            }
            Files.writeString(worker, "export default { fetch() { return new Response( } };\n");
            server.awaitEvent(Event.PLUGIN_LOAD_FAILED, line -> line.contains("versioned.js")
                    && line.contains("keeps serving"));
            load.stop();

            assertThat(load.failures).as("failed requests: %s", load.failureSamples).hasValue(0);
            assertThat(load.torn).as("responses mixing two versions").hasValue(0);
            assertThat(load.regressions).as("a client saw an older version after a newer one").hasValue(0);
            assertThat(load.firstSeen).containsKeys("v0", "v1", "v2", "v3", "v4");
            assertThat(server.get("/v").headers().firstValue("x-version")).as("the last good version serves")
                    .hasValue("v4");
            server.awaitEvents(Event.GENERATION_UNLOADED, line -> true, 4);
            assertThat(server.countEvents(Event.WORKER_PROCESS, line -> line.startsWith("versioned: workerd (pid")))
                    .as("one workerd per generation").isEqualTo(5);
        }
    }

    @Test
    void aWorkerdKilledFromOutsideIsStartedAgainByTheNextRequest() throws Exception {
        Files.writeString(dir.resolve("hello.js"), version(7));
        try (TestServer server = TestServer.withConfig(dir, "/hello = hello.js\n")) {
            assertThat(server.get("/hello").statusCode()).isEqualTo(200);
            long first = pid(server.awaitEvent(Event.WORKER_PROCESS, line -> line.startsWith("hello: workerd")).message());

            ProcessHandle workerd = ProcessHandle.of(first).orElseThrow();
            workerd.destroyForcibly();
            workerd.onExit().get(30, TimeUnit.SECONDS);
            server.awaitEvent(Event.WORKER_PROCESS, line -> line.contains("exited") && line.contains("restarts on the next"));

            HttpResponse<String> after = server.get("/hello");
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.headers().firstValue("x-version")).hasValue("v7");
            long second = pid(server.awaitEvent(Event.WORKER_PROCESS, line -> line.contains("started again")).message());
            assertThat(second).isNotEqualTo(first);
        }
    }

    @Test
    void kvDataOutlivesTheServer() throws Exception {
        Files.writeString(dir.resolve("kv.js"), """
                export default {
                  async fetch(request, env) {
                    if (request.method === "PUT") {
                      await env.STORE.put("key", await request.text());
                      return new Response("stored");
                    }
                    return new Response(await env.STORE.get("key") ?? "nothing");
                  }
                };
                """);
        Files.writeString(dir.resolve("wrangler.jsonc"), """
                {
                  "name": "kv",
                  "main": "kv.js",
                  "compatibility_date": "2025-06-01",
                  "kv_namespaces": [{"binding": "STORE", "id": "store"}], // kept in .wrangler/flexilib/kv
                }
                """);
        try (TestServer server = TestServer.withConfig(dir, "/ = wrangler.jsonc\n")) {
            assertThat(server.client().send(server.request("/").PUT(HttpRequest.BodyPublishers.ofString("kept"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("stored");
        }
        try (TestServer again = TestServer.withConfig(dir, "/ = wrangler.jsonc\n")) {
            assertThat(again.get("/").body()).isEqualTo("kept");
        }
    }

    @Test
    void noWorkerdOutlivesAServingProcessKilledWithSigkill() throws Exception {
        Files.writeString(dir.resolve("hello.js"), version(1));
        Files.writeString(dir.resolve("proxy.ini"), "/hello = hello.js\n");
        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0", "FLEXILIB_PRELOAD", "1"))) {
            int port = process.awaitPort();
            try (HttpClient client = HttpClient.newHttpClient()) {
                assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                        .timeout(TestServer.TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                        .isEqualTo(200);
            }
            ProcessHandle workerd = ProcessHandle.of(pid(process.stderr())).orElseThrow();
            Optional<ProcessHandle> child = workerd.parent();
            assertThat(child).as("workerd's parent: the serving process").isPresent();

            child.get().destroyForcibly();

            workerd.onExit().get(30, TimeUnit.SECONDS);
            assertThat(workerd.isAlive()).isFalse();
        }
    }
}
