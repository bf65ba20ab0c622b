package dev.flexilib.examples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.api.Headers;
import dev.flexilib.api.PluginContext;
import dev.flexilib.api.Request;
import dev.flexilib.api.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The handler called directly, as the server calls it. */
class HelloHandlerTest {

    private static Response get(HelloHandler handler, String target) {
        return handler.handle(Request.of("GET", target, Headers.empty(), new byte[0]));
    }

    private static String body(Response response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static HelloHandler initialized(Map<String, String> config) {
        HelloHandler handler = new HelloHandler();
        handler.init(new PluginContext() {
            public String name() { return "hello"; }
            public System.Logger logger() { return System.getLogger("hello"); }
            public Path directory() { return Path.of("."); }
            public Map<String, String> config() { return config; }
        });
        return handler;
    }

    @Test
    void greetsTheWorldWithoutAName() {
        HelloHandler handler = initialized(Map.of());

        assertThat(body(get(handler, "/java/hello"))).isEqualTo("Hello from Java, world!");
        assertThat(body(get(handler, "/java/hello?name="))).isEqualTo("Hello from Java, world!");
    }

    @Test
    void greetsTheNameFromTheQueryPercentDecoded() {
        HelloHandler handler = initialized(Map.of());

        Response response = get(handler, "/java/hello?x=1&name=J%C3%BCrgen+M&name=other");

        assertThat(response.status()).isEqualTo(200);
        assertThat(body(response)).isEqualTo("Hello from Java, Jürgen M!");
    }

    @Test
    void takesTheGreetingFromTheConfig() {
        assertThat(body(get(initialized(Map.of("greeting", "Hi")), "/?name=Ada"))).isEqualTo("Hi from Java, Ada!");
    }

    @Test
    void aMalformedEscapeIsABadRequest() {
        assertThat(get(initialized(Map.of()), "/?name=%zz").status()).isEqualTo(400);
    }
}
