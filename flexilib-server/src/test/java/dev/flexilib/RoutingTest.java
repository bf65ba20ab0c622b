package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** proxy.ini's routing rules through real HTTP: prefixes, headers, file order, 404. */
class RoutingTest {
    @TempDir
    Path dir;
    TestServer server;

    @BeforeEach
    void start() throws Exception {
        // echo reports the target it saw; sample answers "iam response" for Host: iam...
        server = TestServer.withConfig(dir, """
                X-Tenant: acme /t = %1$s
                /c = %2$s
                /cat = %1$s
                Host: iam / = %2$s
                /e = %1$s
                """.formatted(TestServer.example("echo"), TestServer.example("sample")));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aPathPrefixIsAPlainStringPrefixOfTheTargetAndTheFirstMatchWins() throws Exception {
        // /c comes first in the file, so /cat (which also starts with /c) never reaches the /cat route
        HttpResponse<String> response = server.get("/cat");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-custom-foo")).as("answered by sample").hasValue("bar");
    }

    @Test
    void thePrefixMatchesTheQueryAsReceived() throws Exception {
        HttpResponse<String> response = server.get("/e?x=1&y=%20");

        assertThat(response.headers().firstValue("x-echo-target")).hasValue("/e?x=1&y=%20");
    }

    @Test
    void aHeaderRouteNeedsTheHeaderValuePrefixAndThePathPrefix() throws Exception {
        assertThat(server.get("/tenant", "X-Tenant", "acme-corp").headers().firstValue("x-echo-target"))
                .hasValue("/tenant");
        assertThat(server.get("/tenant", "x-tenant", "acme").headers().firstValue("x-echo-target"))
                .as("header names compare case-insensitively").hasValue("/tenant");
        assertThat(server.get("/tenant", "X-Tenant", "ACME").statusCode())
                .as("values compare case-sensitively, so no route matches").isEqualTo(404);
        assertThat(server.get("/other", "X-Tenant", "acme").statusCode()).isEqualTo(404);
    }

    @Test
    void flexilibsHostRouteAnswersIamResponse() throws Exception {
        HttpResponse<String> response = server.get("/anything", "Host", "iam.example");

        assertThat(response.body()).isEqualTo("iam response");
    }

    @Test
    void nothingMatchingAnswers404() throws Exception {
        HttpResponse<String> response = server.get("/nothing-here");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("Not Found\n");
        assertThat(server.nextAccessLogLineFor("/nothing-here")).contains("\"GET /nothing-here HTTP/1.1\" 404 ");
    }
}
