package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled SAM application (examples/sam/template.yaml) served as
 * {@code flexilib sam} serves it, the template itself as the config: its Java
 * function on AWS's runtime client behind a REST API, its C custom runtime
 * behind an HTTP API, with a parameter overridden.
 */
class SamExampleTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path template = TestServer.repo().resolve("examples/sam/template.yaml");
        server = TestServer.start(TestServer.settings("FLEXILIB_SAM_PARAMETERS", "Stage=prod"), template);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theJavaFunctionAnswersItsRestRoutesWithThePathParameter() throws Exception {
        HttpResponse<String> item = server.get("/items/2");
        HttpResponse<String> list = server.get("/items");
        HttpResponse<String> missing = server.get("/items/9");

        assertThat(item.statusCode()).isEqualTo(200);
        assertThat(item.body()).isEqualTo("{\"id\":\"2\",\"name\":\"teapot\"}");
        assertThat(item.headers().firstValue("x-resource")).hasValue("/items/{id}");
        assertThat(item.headers().firstValue("x-stage")).hasValue("Prod");
        assertThat(item.headers().firstValue("x-table")).as("!Sub of a pseudo parameter and the override")
                .hasValue("sam-items-prod");
        assertThat(item.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(list.body()).startsWith("[{\"id\":\"1\"");
        assertThat(list.headers().firstValue("x-resource")).hasValue("/items");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"message\":\"no item 9\"}");
    }

    @Test
    void aPostReachesTheSameFunctionWithItsBody() throws Exception {
        HttpResponse<String> created = server.client().send(server.request("/items")
                .header("content-type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("spoon")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).isEqualTo("{\"id\":\"4\",\"name\":\"spoon\"}");
    }

    @Test
    void theCustomRuntimeAnswersItsHttpApiRoutes() throws Exception {
        HttpResponse<String> hello = server.get("/hello/bob");
        HttpResponse<String> file = server.get("/files/a/b.txt");

        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("Hello from a C custom runtime at /hello/bob!");
        assertThat(hello.headers().firstValue("apigw-requestid")).isPresent();
        assertThat(file.body()).isEqualTo("Hello from a C custom runtime at /files/a/b.txt!");
    }

    @Test
    void whatNoRouteTakesIsMissingAuthenticationToken() throws Exception {
        HttpResponse<String> response = server.get("/hello");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).isEqualTo("{\"message\":\"Missing Authentication Token\"}");
    }
}
