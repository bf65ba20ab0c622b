package dev.flexilib.plugin.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled WebAssembly modules (examples/wasm/), routed as ./proxy.ini routes them. */
class WasmExamplesTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(TestServer.repo().resolve("proxy.ini"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void helloSaysHello() throws Exception {
        HttpResponse<String> response = server.get("/wasm/hello");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain");
        assertThat(response.body()).isEqualTo("Hello from WebAssembly!\n");
    }

    @Test
    void envShowsTheModulesViewOfTheRequest() throws Exception {
        String body = server.get("/wasm/env/a/b?x=1").body();

        assertThat(body).contains("argv[0]=/wasm/env/a/b\n", "argv[1]=x=1\n", "PATH_INFO=/a/b\n",
                "SCRIPT_NAME=/wasm/env\n", "GREETING=hello from env.properties\n");
    }

    @Test
    void echoAnswersTheBody() throws Exception {
        HttpResponse<String> response = server.client().send(server.request("/wasm/echo")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"a\": 1}"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).isEqualTo("{\"a\": 1}");
    }

    @Test
    void filesServesItsGrantedDirectoryAndNothingElse() throws Exception {
        assertThat(server.get("/wasm/files/hello.txt").body()).isEqualTo("Hello from a file the module may read.\n");
        assertThat(server.get("/wasm/files/").body().lines()).containsExactlyInAnyOrder("hello.txt", "notes.txt");
        assertThat(server.get("/wasm/files/../files.c").statusCode()).isEqualTo(404);
        assertThat(server.get("/wasm/files/missing.txt").statusCode()).isEqualTo(404);
    }
}
