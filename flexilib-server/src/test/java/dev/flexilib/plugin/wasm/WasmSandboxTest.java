package dev.flexilib.plugin.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each limit of the sandbox against a module built to break it; the server and its other routes unharmed. */
class WasmSandboxTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        module("loop", "time_limit = 500ms\nmemory_limit = 1MiB\n");
        module("hog", "memory_limit = 4MiB\n");
        module("trap", "");
        module("escape", "volume./data = data\nvolume./scratch = rw:scratch\n");
        module("garbage", "output_limit = 1MiB\n");
        Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("scratch"));
        Files.writeString(dir.resolve("data/inside.txt"), "inside\n");
        Files.writeString(dir.resolve("outside.txt"), "outside\n");
        server = TestServer.start(TestServer.settings("FLEXILIB_WASM_CONCURRENCY", "2"), TestServer.writeConfig(dir, """
                /loop = loop.wasm
                /hog = hog.wasm
                /trap = trap.wasm
                /escape = escape.wasm
                /garbage = garbage.wasm
                /wasm/hello = %s
                /native/hello = %s
                """.formatted(TestServer.wasm("hello"), TestServer.example("hello"))));
    }

    private static void module(String name, String settings) throws Exception {
        Files.copy(TestServer.wasm("misbehaving/" + name), dir.resolve(name + ".wasm"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve(name + ".properties"), settings);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anEndlessLoopIsStoppedAtItsTimeLimitWhileOtherRoutesAnswer() throws Exception {
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> looping = server.client().sendAsync(server.request("/loop").build(),
                HttpResponse.BodyHandlers.ofString());
        server.awaitEvent(Event.PLUGIN_LOADED, m -> m.contains("loop.wasm"));
        for (int i = 0; i < 5; i++) {
            assertThat(server.get("/wasm/hello").body()).isEqualTo("Hello from WebAssembly!\n");
            assertThat(server.get("/native/hello").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> response = looping.get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(tookMillis).isGreaterThanOrEqualTo(500).isLessThan(10_000);
        server.awaitEvent(Event.REQUEST_TIMED_OUT, m -> m.contains("loop (GET /loop)")
                && m.contains("stopped at its time_limit of 500 ms"));
    }

    @Test
    void aMemoryHogFailsAloneAtItsCeiling() throws Exception {
        HttpResponse<String> response = server.get("/hog");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("Internal Server Error\n");
        server.awaitEvent(Event.WASM_LOG, m -> m.matches("hog: out of memory after [0-3] MiB"));
        server.awaitEvent(Event.REQUEST_FAILED, m -> m.contains("hog (GET /hog): trapped"));
        assertThat(server.get("/wasm/hello").statusCode()).isEqualTo(200);
    }

    @Test
    void aTrapAnswers500AndTheLogNamesIt() throws Exception {
        HttpResponse<String> response = server.get("/trap");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("unreachable");
        server.awaitEvent(Event.WASM_LOG, m -> m.equals("trap: about to trap"));
        server.awaitEvent(Event.REQUEST_FAILED, m -> m.contains("trap (GET /trap): trapped:")
                && m.toLowerCase().contains("unreachable"));
    }

    @Test
    void nothingOutsideTheVolumesCanBeReachedAndAReadOnlyVolumeCannotBeChanged() throws Exception {
        String report = server.get("/escape").body();

        assertThat(report).contains(
                "read /data/inside.txt: allowed",
                "read /etc/passwd: refused",
                "read /data/../outside.txt: refused",
                "read /data/../../../../etc/passwd: refused",
                "write /data/new.txt: refused (Read-only file system)",
                "append /data/inside.txt: refused (Read-only file system)",
                "truncate /data/inside.txt: refused (Read-only file system)",
                "mkdir /data/dir: refused (Read-only file system)",
                "unlink /data/inside.txt: refused (Read-only file system)",
                "rename /data/inside.txt /scratch/moved.txt: refused (Read-only file system)",
                "write /scratch/new.txt: allowed",
                "symlink /scratch/link -> /etc/passwd: refused (Operation not permitted)",
                "read /scratch/link: refused",
                "link /data/inside.txt /scratch/hard.txt: refused (Read-only file system)");
        assertThat(dir.resolve("data/inside.txt")).hasContent("inside");
        assertThat(dir.resolve("data/new.txt")).doesNotExist();
        assertThat(dir.resolve("scratch/new.txt")).exists();
        assertThat(dir.resolve("scratch/link")).doesNotExist();
    }

    @Test
    void outputPastTheLimitAnswers502() throws Exception {
        HttpResponse<String> response = server.get("/garbage?flood");

        assertThat(response.statusCode()).isEqualTo(502);
        server.awaitEvent(Event.REQUEST_FAILED, m -> m.contains("more than its output_limit of 1048576 bytes"));
    }

    @Test
    void aHundredHostileRequestsAtOnceLeaveHeapAndThreadsAsTheyWere() throws Exception {
        hostileRound(8);
        long threadsBefore = platformThreads();
        long heapBefore = heapAfterCollection();

        Map<Integer, AtomicInteger> statuses = hostileRound(100);

        assertThat(statuses.keySet()).as("every request answered with a status: %s", statuses)
                .isSubsetOf(500, 503, 504);
        assertThat(statuses.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(100);
        assertThat(server.get("/wasm/hello").body()).isEqualTo("Hello from WebAssembly!\n");
        assertThat(platformThreads()).as("platform threads").isLessThanOrEqualTo(threadsBefore + 2);
        assertThat(heapAfterCollection() - heapBefore).as("heap growth").isLessThan(16L * 1024 * 1024);
    }

    /** {@code count} requests at once, spread over the loop, the hog and the trap; their statuses counted. */
    private static Map<Integer, AtomicInteger> hostileRound(int count) throws Exception {
        String[] targets = {"/loop", "/hog", "/trap"};
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<CompletableFuture<?>> answers = new ArrayList<>();
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build()) {
            for (int i = 0; i < count; i++) {
                answers.add(client.sendAsync(server.request(targets[i % targets.length]).timeout(Duration.ofSeconds(120))
                        .build(), HttpResponse.BodyHandlers.discarding()).thenAccept(response ->
                        statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet()));
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
        }
        return statuses;
    }

    private static long platformThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long heapAfterCollection() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Runtime runtime = Runtime.getRuntime();
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }
}
