package dev.flexilib.plugin.lambda;

import dev.flexilib.Handled;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.Response;
import dev.flexilib.config.SamTemplate;
import dev.flexilib.plugin.Plugin;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One generation of an AWS SAM application: its template's functions, each with
 * its own execution environments, and its API routes, matched below the path
 * prefix proxy.ini mounts it at (taken off as an API mapping's base path is).
 * A request no route takes is answered as API Gateway answers it: REST APIs'
 * 403 {@code Missing Authentication Token}, HTTP APIs' 404 {@code Not Found}.
 * Lambda's Invoke API ({@code POST /2015-03-31/functions/NAME/invocations}, as
 * {@code sam local start-lambda} serves it) reaches each function by its logical
 * id or its {@code FunctionName}.
 */
final class SamApplication implements Plugin {
    private final SamTemplate template;
    private final String basePath;
    /** By logical id, in template order. */
    private final Map<String, Function> functions;
    private final ApiRoutes routes;
    /** For the 404 of HTTP APIs, which carries a request id. */
    private final ApiGateway httpApi = ApiGateway.of("2.0");

    SamApplication(SamTemplate template, String basePath, Map<String, Function> functions, ApiRoutes routes) {
        this.template = template;
        this.basePath = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
        this.functions = Collections.unmodifiableMap(new LinkedHashMap<>(functions));
        this.routes = routes;
    }

    Collection<Function> functions() {
        return functions.values();
    }

    @Override
    public Handled handle(Request request) {
        String target = request.target().startsWith(basePath) ? request.target().substring(basePath.length())
                : request.target();
        Optional<String> invoked = InvokeApi.functionName(request.method(), target);
        if (invoked.isPresent()) {
            return Handled.of(functions.entrySet().stream().filter(function -> function.getKey().equals(invoked.get())
                            || function.getValue().config().name().equals(invoked.get())).findFirst()
                    .map(function -> InvokeApi.invoke(function.getValue(), request))
                    .orElseGet(() -> InvokeApi.notFound(invoked.get())));
        }
        String path = ApiGateway.path(request);
        String below = path.startsWith(basePath) ? path.substring(basePath.length()) : path;
        // mounted at /api, a request for /apix is not below it
        Optional<ApiRoutes.Found> found = below.isEmpty() || below.startsWith("/")
                ? routes.find(request.method(), below.isEmpty() ? "/" : below) : Optional.empty();
        if (found.isEmpty()) {
            return Handled.of(template.restApi()
                    ? answer(403, "{\"message\":\"Missing Authentication Token\"}", "x-amzn-ErrorType",
                    "MissingAuthenticationTokenException")
                    : answer(404, "{\"message\":\"Not Found\"}", "apigw-requestid", httpApi.newRequestId()));
        }
        ApiRoutes.Found route = found.get();
        return Handled.of(route.function().throughApiGateway(request, route.gateway(), route.match()));
    }

    private static Response answer(int status, String body, String header, String value) {
        return new Response(status, "", List.of(new Header("content-type", "application/json"), new Header(header, value)),
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        functions.values().forEach(Function::close);
    }
}
