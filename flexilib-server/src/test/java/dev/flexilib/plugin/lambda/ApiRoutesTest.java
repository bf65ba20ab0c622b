package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.config.SamTemplate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * API Gateway's route selection, as its developer guide states it: the most
 * specific route wins whatever the template order — a literal segment over a
 * path parameter over a greedy {@code {proxy+}}, a method over {@code ANY}, an
 * HTTP API's {@code $default} last; path parameters decoded.
 */
class ApiRoutesTest {
    private static final SamTemplate.Api HTTP = new SamTemplate.Api("ServerlessHttpApi", false, "$default", List.of(),
            Map.of());
    private static final SamTemplate.Api REST = new SamTemplate.Api("ServerlessRestApi", true, "Prod", List.of(),
            Map.of("Mode", "test"));

    /** Routes in the order given: the least specific first, so that file order cannot be what picks. */
    private static ApiRoutes routes(SamTemplate.Api api, String... methodAndPaths) {
        ApiRoutes routes = new ApiRoutes();
        for (String route : methodAndPaths) {
            String[] parts = route.equals("$default") ? new String[] {"ANY", "$default"} : route.split(" ", 2);
            routes.add(new SamTemplate.Route(api, parts[0], parts[1], api.rest() ? "1.0" : "2.0"), null, null);
        }
        return routes;
    }

    private static Optional<ApiGateway.Match> find(ApiRoutes routes, String method, String path) {
        return routes.find(method, path).map(ApiRoutes.Found::match);
    }

    private static String routeKey(ApiRoutes routes, String method, String path) {
        return find(routes, method, path).map(ApiGateway.Match::routeKey).orElse("none");
    }

    @Test
    void theMostSpecificRouteWinsWhateverTheOrder() {
        ApiRoutes routes = routes(HTTP, "$default", "ANY /{proxy+}", "GET /pets/{proxy+}", "GET /pets/{id}",
                "GET /pets/dog", "GET /pets/dog/{id}", "ANY /pets/dog/{id}");

        assertThat(routeKey(routes, "GET", "/pets/dog")).isEqualTo("GET /pets/dog");
        assertThat(routeKey(routes, "GET", "/pets/cat")).isEqualTo("GET /pets/{id}");
        assertThat(routeKey(routes, "GET", "/pets/dog/1")).isEqualTo("GET /pets/dog/{id}");
        assertThat(routeKey(routes, "POST", "/pets/dog/1")).as("ANY takes the methods no route names")
                .isEqualTo("ANY /pets/dog/{id}");
        assertThat(routeKey(routes, "GET", "/pets/cat/1/toys")).isEqualTo("GET /pets/{proxy+}");
        assertThat(routeKey(routes, "DELETE", "/pets/cat")).isEqualTo("ANY /{proxy+}");
        assertThat(routeKey(routes, "GET", "/")).as("a greedy parameter needs a segment").isEqualTo("$default");
    }

    @Test
    void aLiteralSegmentBeatsAParameterFromTheLeft() {
        ApiRoutes routes = routes(REST, "GET /{a}/b", "GET /a/{b}");

        assertThat(routeKey(routes, "GET", "/a/b")).isEqualTo("GET /a/{b}");
        assertThat(routeKey(routes, "GET", "/x/b")).isEqualTo("GET /{a}/b");
        assertThat(routeKey(routes, "GET", "/x/y")).isEqualTo("none");
    }

    @Test
    void methodsMatchExactlyAndNothingElseMatches() {
        ApiRoutes routes = routes(REST, "GET /items", "POST /items");

        assertThat(routeKey(routes, "GET", "/items")).isEqualTo("GET /items");
        assertThat(routeKey(routes, "POST", "/items")).isEqualTo("POST /items");
        assertThat(routeKey(routes, "PUT", "/items")).isEqualTo("none");
        assertThat(routeKey(routes, "GET", "/items/1")).isEqualTo("none");
        assertThat(routeKey(routes, "GET", "/itemsx")).isEqualTo("none");
    }

    @Test
    void greedyParametersTakeTheRestOfThePath() {
        ApiRoutes routes = routes(REST, "ANY /files/{proxy+}");

        ApiGateway.Match match = find(routes, "GET", "/files/a/b/c.txt").orElseThrow();
        assertThat(match.pathParameters()).containsExactly(Map.entry("proxy", "a/b/c.txt"));
        assertThat(match.resource()).isEqualTo("/files/{proxy+}");
        assertThat(match.stage()).isEqualTo("Prod");
        assertThat(match.stageVariables()).containsExactly(Map.entry("Mode", "test"));
        assertThat(find(routes, "GET", "/files")).as("{proxy+} needs at least one segment").isEmpty();
    }

    @Test
    void aTrailingSlashIsTheSameRouteAsTheSamCliServesIt() {
        ApiRoutes routes = routes(HTTP, "GET /items/{id}", "GET /");

        assertThat(routeKey(routes, "GET", "/items/1/")).isEqualTo("GET /items/{id}");
        assertThat(find(routes, "GET", "/items/1/").orElseThrow().path()).as("the event keeps the path as sent")
                .isEqualTo("/items/1/");
        assertThat(routeKey(routes, "GET", "/")).isEqualTo("GET /");
        assertThat(routeKey(routes, "GET", "/items//")).as("an empty parameter does not match").isEqualTo("none");
    }

    @Test
    void pathParametersAreDecodedAndAPlusStaysAPlus() {
        ApiRoutes routes = routes(HTTP, "GET /users/{name}/files/{path+}");

        ApiGateway.Match match = find(routes, "GET", "/users/J%C3%BCrgen%20K/files/a%2Fb/c+d").orElseThrow();
        assertThat(match.pathParameters()).containsExactly(Map.entry("name", "Jürgen K"), Map.entry("path", "a/b/c+d"));
        assertThat(match.routeKey()).isEqualTo("GET /users/{name}/files/{path+}");
        assertThat(match.path()).isEqualTo("/users/J%C3%BCrgen%20K/files/a%2Fb/c+d");
        assertThat(routeKey(routes(HTTP, "GET /caf\u00e9"), "GET", "/caf%C3%A9"))
                .as("a literal segment is compared decoded").isEqualTo("GET /caf\u00e9");
    }
}
