package {{package}};

import dev.flexilib.api.Handler;
import dev.flexilib.api.Request;
import dev.flexilib.api.Response;

/**
 * The {{name}} plugin. The server creates one instance per loaded build of the JAR
 * and calls {@link #handle} on a virtual thread per request, many at once, so any
 * state kept in fields must be thread-safe. Override {@code init(PluginContext)}
 * to read {{name}}.properties next to the JAR ({@code context.config()}), and
 * {@code close()} to release what init took.
 */
public final class {{class}} implements Handler {

    @Override
    public Response handle(Request request) {
        // The whole request-target, the route's prefix included: "/{{name}}/x?y=1".
        return Response.ok("Hello from {{name}}! You asked for " + request.target() + "\n");
    }
}
