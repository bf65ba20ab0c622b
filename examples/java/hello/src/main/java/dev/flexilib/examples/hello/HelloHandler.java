package dev.flexilib.examples.hello;

import dev.flexilib.api.Handler;
import dev.flexilib.api.PluginContext;
import dev.flexilib.api.Request;
import dev.flexilib.api.Response;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Answers {@code Hello from Java, NAME!}. NAME is the query's {@code name}
 * parameter ({@code world} without one); the greeting is the {@code greeting}
 * entry of {@code hello.properties} next to the JAR ({@code Hello} without one).
 */
public final class HelloHandler implements Handler {
    private static final String DEFAULT_GREETING = "Hello";
    private static final String DEFAULT_NAME = "world";

    /** Written by init, read by every request's thread. */
    private volatile String greeting = DEFAULT_GREETING;

    @Override
    public void init(PluginContext context) {
        greeting = context.config().getOrDefault("greeting", DEFAULT_GREETING);
    }

    @Override
    public Response handle(Request request) {
        try {
            String name = parameter(request, "name").filter(value -> !value.isEmpty()).orElse(DEFAULT_NAME);
            return Response.ok(greeting + " from Java, " + name + "!");
        } catch (IllegalArgumentException e) {
            return Response.text(400, "malformed query: use ?name=... with valid %XX escapes");
        }
    }

    /** The first value of {@code key} in the query, percent-decoded; IllegalArgumentException for a bad escape. */
    private static Optional<String> parameter(Request request, String key) {
        for (String pair : request.query().orElse("").split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            if (URLDecoder.decode(name, StandardCharsets.UTF_8).equals(key)) {
                String value = equals < 0 ? "" : pair.substring(equals + 1);
                return Optional.of(URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }
}
