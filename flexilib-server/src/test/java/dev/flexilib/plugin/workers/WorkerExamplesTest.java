package dev.flexilib.plugin.workers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.TestServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled Workers (examples/workers/), routed as ./proxy.ini routes them. */
class WorkerExamplesTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(TestServer.settings("FLEXILIB_PRELOAD", "1"), TestServer.repo().resolve("proxy.ini"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void helloGreetsByName() throws Exception {
        assertThat(server.get("/workers/hello?name=Ada").body()).isEqualTo("Hello from a Worker, Ada!\n");
    }

    @Test
    void notesKeepsNotesInKvBehindTheSecretAndServesItsAsset() throws Exception {
        String note = "milk, eggs " + System.nanoTime();
        HttpResponse<String> refused = server.client().send(server.request("/workers/notes/shopping")
                .PUT(HttpRequest.BodyPublishers.ofString(note)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> stored = server.client().send(server.request("/workers/notes/shopping")
                .header("authorization", "Bearer local-token").PUT(HttpRequest.BodyPublishers.ofString(note)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(stored.statusCode()).isEqualTo(204);
        assertThat(server.get("/workers/notes/shopping").body()).isEqualTo(note);
        assertThat(server.get("/workers/notes/").body()).contains("<h1>Notes</h1>", "<a href=\"shopping\">");
        assertThat(server.get("/workers/notes/about").body()).contains("A static asset");
    }

    @Test
    void streamSendsEachLineAsItIsWritten() throws Exception {
        HttpResponse<InputStream> response = server.client().send(server.request("/workers/stream?lines=6").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        List<Long> arrivals = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
                arrivals.add(System.nanoTime());
            }
        }

        assertThat(lines).containsExactly("line 1 of 6", "line 2 of 6", "line 3 of 6", "line 4 of 6", "line 5 of 6",
                "line 6 of 6");
        // the Worker writes a line every 100 ms: a proxy that buffered the body would deliver them all at once
        assertThat((arrivals.getLast() - arrivals.getFirst()) / 1_000_000).isGreaterThanOrEqualTo(400);
    }
}
