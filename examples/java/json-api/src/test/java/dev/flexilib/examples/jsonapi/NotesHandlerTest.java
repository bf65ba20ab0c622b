package dev.flexilib.examples.jsonapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.api.Headers;
import dev.flexilib.api.Request;
import dev.flexilib.api.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The handler called directly, as the server calls it: the whole request-target, many threads at once. */
class NotesHandlerTest {
    private final NotesHandler handler = new NotesHandler();

    private Response send(String method, String target, String body) throws Exception {
        return handler.handle(Request.of(method, target, Headers.empty(), body.getBytes(StandardCharsets.UTF_8)));
    }

    private static String body(Response response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void addsListsAndGetsNotes() throws Exception {
        assertThat(body(send("GET", "/api/notes", ""))).isEqualTo("[]");

        Response added = send("POST", "/api/notes", "{\"text\": \"buy milk\"}");
        send("POST", "/api/notes", "{\"text\": \"call \\\"Ada\\\"\"}");

        assertThat(added.status()).isEqualTo(201);
        assertThat(added.headers().first("location")).hasValue("/api/notes/1");
        assertThat(added.headers().first("content-type")).hasValue("application/json");
        assertThat(body(added)).isEqualTo("{\"id\":1,\"text\":\"buy milk\"}");
        assertThat(body(send("GET", "/api/notes?sort=id", "")))
                .isEqualTo("[{\"id\":1,\"text\":\"buy milk\"},{\"id\":2,\"text\":\"call \\\"Ada\\\"\"}]");
        assertThat(body(send("GET", "/api/notes/2", ""))).isEqualTo("{\"id\":2,\"text\":\"call \\\"Ada\\\"\"}");
    }

    @Test
    void unknownNotesAndPathsAreJson404s() throws Exception {
        Response missing = send("GET", "/api/notes/3", "");

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.headers().first("content-type")).hasValue("application/json");
        assertThat(body(missing)).isEqualTo("{\"error\":\"no note 3\"}");
        assertThat(send("GET", "/api/notes/x", "").status()).isEqualTo(404);
        assertThat(send("GET", "/api/other", "").status()).isEqualTo(404);
        assertThat(send("GET", "/apinotes", "").status()).isEqualTo(404);
    }

    @Test
    void aMalformedOrIncompleteBodyIsA400AndAddsNothing() throws Exception {
        for (String bad : List.of("", "{", "not json", "{\"text\": \"a\"} trailing", "{\"txt\": \"a\"}", "{}", "null",
                "[\"a\"]")) {
            Response response = send("POST", "/api/notes", bad);
            assertThat(response.status()).as(bad).isEqualTo(400);
            assertThat(body(response)).as(bad).startsWith("{\"error\":");
        }
        assertThat(body(send("GET", "/api/notes", ""))).isEqualTo("[]");
    }

    @Test
    void otherMethodsAre405WithAllow() throws Exception {
        Response response = send("DELETE", "/api/notes/1", "");

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.headers().first("allow")).hasValue("GET, HEAD");
        assertThat(send("PUT", "/api/notes", "").headers().first("allow")).hasValue("GET, HEAD, POST");
    }

    @Test
    void concurrentPostsGetDistinctIdsAndAllAreKept() throws Exception {
        int threads = 8;
        int perThread = 50;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<List<String>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    List<String> locations = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        locations.add(send("POST", "/api/notes", "{\"text\": \"n\"}").headers().first("location")
                                .orElseThrow());
                    }
                    return locations;
                }));
            }
        }
        List<String> locations = new ArrayList<>();
        for (Future<List<String>> result : results) {
            locations.addAll(result.get());
        }

        assertThat(locations).doesNotHaveDuplicates().hasSize(threads * perThread);
        int last = threads * perThread;
        assertThat(body(send("GET", "/api/notes/" + last, ""))).contains("\"id\":" + last);
        assertThat(body(send("GET", "/api/notes", "")).split("\\{")).hasSize(threads * perThread + 1);
    }
}
