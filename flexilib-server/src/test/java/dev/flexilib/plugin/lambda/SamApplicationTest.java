package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SAM applications served from their templates, each route's event compared
 * with what the SAM CLI documents for {@code sam local start-api} (and API
 * Gateway for the same request): a REST API in the shape of the SAM CLI's
 * start-api test template, an HTTP API, both mounted below a path prefix; the
 * answers for unmatched requests; the Invoke API by logical id; parameters from
 * the settings; a template changed and broken while it serves.
 */
class SamApplicationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A runtime answering every event with the event itself as its JSON body, and GREETING in a header. */
    private static final String ECHO = """
            while true; do
              next
              ESCAPED=$(tr -d '\\n' < event | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')
              post "invocation/$ID/response" '{"statusCode":200,"headers":{"content-type":"application/json","x-greeting":"'"$GREETING"'"},"body":"'"$ESCAPED"'"}' > /dev/null
            done
            """;

    /** The shape of the SAM CLI's start-api integration template: parameters, Globals, many paths on one function. */
    private static final String REST = """
            AWSTemplateFormatVersion: '2010-09-09'
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              Greeting:
                Type: String
                Default: hello
            Globals:
              Function:
                Runtime: provided.al2023
                Handler: bootstrap
                Timeout: 5
                MemorySize: 128
              Api:
                BinaryMediaTypes: ['image~1png']
                Variables:
                  Mode: local
            Resources:
              EchoEventFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: echo
                  Environment:
                    Variables:
                      GREETING: !Ref Greeting
                  Events:
                    IdUser:
                      Type: Api
                      Properties: {Path: '/id/{id}/user/{user}', Method: get}
                    Proxy:
                      Type: Api
                      Properties: {Path: '/proxypath/{proxy+}', Method: get}
                    Body:
                      Type: Api
                      Properties: {Path: /echoeventbody, Method: post}
                    Any:
                      Type: Api
                      Properties: {Path: /anyandall, Method: any}
            """;

    private static final String HTTP = """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              HttpEchoFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: echo
                  Runtime: provided.al2
                  Handler: bootstrap
                  FunctionName: http-echo
                  Events:
                    Hello:
                      Type: HttpApi
                      Properties: {Path: '/hello/{name}', Method: GET}
            """;

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Bootstraps.write(dir.resolve("echo"), ECHO);
        Files.writeString(dir.resolve("rest.yaml"), REST);
        Files.writeString(dir.resolve("http.yaml"), HTTP);
        Files.writeString(dir.resolve("proxy.ini"), """
                /rest = lambda:rest.yaml
                /http/ = lambda:http.yaml
                """);
        server = TestServer.start(TestServer.settings("FLEXILIB_SAM_PARAMETERS", "Greeting=hi"),
                dir.resolve("proxy.ini"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode event(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> post(String target, String contentType, byte[] body) throws Exception {
        return server.client().send(server.request(target).header("content-type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRestRouteGetsPayload10WithItsResourceAndPathParameters() throws Exception {
        HttpResponse<String> response = server.get("/rest/id/7/user/ann?x=1&x=2");
        JsonNode event = event(response);

        assertThat(response.headers().firstValue("x-greeting")).as("the parameter override").hasValue("hi");
        assertThat(event.path("resource").asText()).isEqualTo("/id/{id}/user/{user}");
        assertThat(event.path("path").asText()).isEqualTo("/id/7/user/ann");
        assertThat(event.path("httpMethod").asText()).isEqualTo("GET");
        assertThat(event.path("pathParameters").properties()).extracting(entry -> entry.getKey() + "="
                + entry.getValue().asText()).containsExactly("id=7", "user=ann");
        assertThat(event.path("queryStringParameters").path("x").asText()).isEqualTo("2");
        assertThat(event.path("multiValueQueryStringParameters").path("x").toString()).isEqualTo("[\"1\",\"2\"]");
        assertThat(event.path("stageVariables").path("Mode").asText()).isEqualTo("local");
        assertThat(event.path("body").isNull()).isTrue();
        assertThat(event.path("isBase64Encoded").asBoolean()).isFalse();
        JsonNode context = event.path("requestContext");
        assertThat(context.path("stage").asText()).isEqualTo("Prod");
        assertThat(context.path("resourcePath").asText()).isEqualTo("/id/{id}/user/{user}");
        assertThat(context.path("httpMethod").asText()).isEqualTo("GET");
        assertThat(context.path("accountId").asText()).isEqualTo("123456789012");
        assertThat(context.path("requestId").asText()).isNotEmpty();
    }

    @Test
    void aGreedyPathTakesTheRestDecoded() throws Exception {
        JsonNode event = event(server.get("/rest/proxypath/a/b%20c/d+e"));

        assertThat(event.path("resource").asText()).isEqualTo("/proxypath/{proxy+}");
        assertThat(event.path("pathParameters").path("proxy").asText()).isEqualTo("a/b c/d+e");
    }

    @Test
    void bodiesAreTextUnlessTheirTypeIsABinaryMediaTypeOfTheApi() throws Exception {
        JsonNode json = event(post("/rest/echoeventbody", "application/json", "{\"a\":1}".getBytes()));
        JsonNode form = event(post("/rest/echoeventbody", "application/x-www-form-urlencoded", "a=1&b=2".getBytes()));
        JsonNode png = event(post("/rest/echoeventbody", "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}));

        assertThat(json.path("body").asText()).isEqualTo("{\"a\":1}");
        assertThat(json.path("isBase64Encoded").asBoolean()).isFalse();
        assertThat(form.path("body").asText()).as("a REST API passes a form as text").isEqualTo("a=1&b=2");
        assertThat(png.path("body").asText()).isEqualTo("iVBORw==");
        assertThat(png.path("isBase64Encoded").asBoolean()).isTrue();
    }

    @Test
    void anyTakesEveryMethod() throws Exception {
        JsonNode event = event(server.client().send(server.request("/rest/anyandall")
                .method("DELETE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()));

        assertThat(event.path("httpMethod").asText()).isEqualTo("DELETE");
        assertThat(event.path("resource").asText()).isEqualTo("/anyandall");
    }

    @Test
    void anUnmatchedRestRequestIsMissingAuthenticationToken() throws Exception {
        for (HttpResponse<String> response : new HttpResponse[] {server.get("/rest/nothing"),
                server.client().send(server.request("/rest/id/1/user/u").POST(HttpRequest.BodyPublishers.noBody())
                        .build(), HttpResponse.BodyHandlers.ofString()), server.get("/restless")}) {
            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body()).isEqualTo("{\"message\":\"Missing Authentication Token\"}");
            assertThat(response.headers().firstValue("x-amzn-ErrorType"))
                    .hasValue("MissingAuthenticationTokenException");
        }
    }

    @Test
    void anHttpApiRouteGetsPayload20WithItsRouteKey() throws Exception {
        JsonNode event = event(server.get("/http/hello/bob%20b?lang=en"));

        assertThat(event.path("version").asText()).isEqualTo("2.0");
        assertThat(event.path("routeKey").asText()).isEqualTo("GET /hello/{name}");
        assertThat(event.path("rawPath").asText()).isEqualTo("/hello/bob%20b");
        assertThat(event.path("rawQueryString").asText()).isEqualTo("lang=en");
        assertThat(event.path("pathParameters").path("name").asText()).isEqualTo("bob b");
        assertThat(event.path("requestContext").path("routeKey").asText()).isEqualTo("GET /hello/{name}");
        assertThat(event.path("requestContext").path("stage").asText()).isEqualTo("$default");
        assertThat(event.path("requestContext").path("http").path("method").asText()).isEqualTo("GET");
        assertThat(event.has("stageVariables")).isFalse();
    }

    @Test
    void anUnmatchedHttpApiRequestIsNotFound() throws Exception {
        HttpResponse<String> response = server.get("/http/nothing");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"message\":\"Not Found\"}");
        assertThat(response.headers().firstValue("apigw-requestid")).isPresent();
    }

    @Test
    void theInvokeApiReachesAFunctionByLogicalIdOrName() throws Exception {
        for (String name : new String[] {"HttpEchoFunction", "http-echo"}) {
            HttpResponse<String> response = server.client().send(server.request("/http/2015-03-31/functions/" + name
                    + "/invocations").POST(HttpRequest.BodyPublishers.ofString("{\"direct\":true}")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(JSON.readTree(response.body()).path("body").asText()).path("direct").asBoolean())
                    .isTrue();
        }
        HttpResponse<String> missing = server.client().send(server.request(
                "/http/2015-03-31/functions/Nope/invocations").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("x-amzn-ErrorType")).hasValue("ResourceNotFoundException");
    }

    @Test
    void aChangedTemplateServesItsNewRoutesAndABrokenOneLeavesTheOldServing(@TempDir Path own) throws Exception {
        Bootstraps.write(own.resolve("echo"), ECHO);
        Path template = Files.writeString(own.resolve("template.yaml"), HTTP);
        try (TestServer app = TestServer.start(template)) {
            assertThat(app.get("/hello/x").statusCode()).isEqualTo(200);
            assertThat(app.get("/bye/x").statusCode()).isEqualTo(404);

            Files.writeString(template, HTTP
                    + "        Bye:\n"
                    + "          Type: HttpApi\n"
                    + "          Properties: {Path: '/bye/{name}', Method: GET}\n");
            app.awaitEvent(Event.GENERATION_SWAPPED, line -> line.contains("template.yaml"));
            assertThat(event(app.get("/bye/x")).path("routeKey").asText()).isEqualTo("GET /bye/{name}");

            Files.writeString(template, HTTP.replace("Properties: {Path: '/hello/{name}', Method: GET}",
                    "Properties: {Path: 'hello', Method: GET}"));
            app.awaitEvent(Event.PLUGIN_LOAD_FAILED, line -> line.contains("must start with '/'")
                    && line.contains("keeps serving"));
            assertThat(app.get("/bye/x").statusCode()).as("the last good template serves").isEqualTo(200);
            assertThat(app.get("/hello/x").statusCode()).isEqualTo(200);
        }
    }
}
