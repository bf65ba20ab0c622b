package dev.flexilib.plugin.lambda;

import dev.flexilib.config.SamTemplate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The routes of a SAM application, chosen as API Gateway chooses them — not in
 * template order: the most specific path wins (a literal segment over a
 * {@code {parameter}}, a parameter over a greedy {@code {proxy+}}, compared
 * from the left), then a method over {@code ANY}; an HTTP API's {@code $default}
 * route takes what nothing else does. A trailing slash does not count.
 */
final class ApiRoutes {
    /** What a request took: the function, the gateway that makes its event, and the event's route fields. */
    record Found(Function function, ApiGateway gateway, ApiGateway.Match match) {}

    private record Route(SamTemplate.Route declared, Function function, ApiGateway gateway, List<String> segments) {}

    private final List<Route> routes = new ArrayList<>();

    /** Adds {@code function}'s {@code route}, whose events {@code gateway} makes. */
    void add(SamTemplate.Route route, Function function, ApiGateway gateway) {
        routes.add(new Route(route, function, gateway, route.path().equals("$default") ? List.of()
                : segments(route.path())));
    }

    /** The route for {@code method} {@code path} (the path below the application's base path), if one matches. */
    Optional<Found> find(String method, String path) {
        List<String> request = segments(path);
        Route best = null;
        Map<String, String> bestParameters = null;
        for (Route route : routes) {
            if (!route.declared().method().equals("ANY") && !route.declared().method().equals(method)) {
                continue;
            }
            Map<String, String> parameters = route.declared().path().equals("$default") ? Map.of()
                    : match(route.segments(), request);
            if (parameters != null && (best == null || SPECIFICITY.compare(route, best) < 0)) {
                best = route;
                bestParameters = parameters;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        SamTemplate.Route declared = best.declared();
        String routeKey = declared.path().equals("$default") ? "$default" : declared.method() + " " + declared.path();
        return Optional.of(new Found(best.function(), best.gateway(), new ApiGateway.Match(routeKey, declared.path(),
                bestParameters, path, declared.api().stage(), declared.api().stageVariables())));
    }

    /** The values of {@code template}'s parameters in {@code request}, or null if it does not match. */
    private static Map<String, String> match(List<String> template, List<String> request) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String segment = template.get(i);
            if (isGreedy(segment)) {
                if (i >= request.size()) {
                    return null;
                }
                parameters.put(name(segment), ApiGateway.decodePath(String.join("/", request.subList(i, request.size()))));
                return parameters;
            }
            if (i >= request.size()) {
                return null;
            }
            if (isParameter(segment)) {
                if (request.get(i).isEmpty()) {
                    return null;
                }
                parameters.put(name(segment), ApiGateway.decodePath(request.get(i)));
            } else if (!segment.equals(ApiGateway.decodePath(request.get(i)))) {
                return null;
            }
        }
        return template.size() == request.size() ? parameters : null;
    }

    /** Lower is more specific: segment by segment (literal, parameter, greedy), then a method over ANY; $default last. */
    private static final Comparator<Route> SPECIFICITY = (a, b) -> {
        boolean defaultA = a.declared().path().equals("$default");
        boolean defaultB = b.declared().path().equals("$default");
        if (defaultA != defaultB) {
            return defaultA ? 1 : -1;
        }
        for (int i = 0; i < Math.min(a.segments().size(), b.segments().size()); i++) {
            int order = Integer.compare(rank(a.segments().get(i)), rank(b.segments().get(i)));
            if (order != 0) {
                return order;
            }
        }
        int length = Integer.compare(b.segments().size(), a.segments().size());
        if (length != 0) {
            return length;
        }
        return Boolean.compare(a.declared().method().equals("ANY"), b.declared().method().equals("ANY"));
    };

    private static int rank(String segment) {
        return isGreedy(segment) ? 2 : isParameter(segment) ? 1 : 0;
    }

    private static boolean isParameter(String segment) {
        return segment.startsWith("{") && segment.endsWith("}");
    }

    private static boolean isGreedy(String segment) {
        return isParameter(segment) && segment.endsWith("+}");
    }

    private static String name(String segment) {
        return segment.substring(1, segment.length() - (isGreedy(segment) ? 2 : 1));
    }

    /** {@code /a/b/} → {@code [a, b]}; {@code /} → {@code []}. */
    private static List<String> segments(String path) {
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (trimmed.equals("/") || trimmed.isEmpty()) {
            return List.of();
        }
        return List.of(trimmed.substring(1).split("/", -1));
    }
}
