package dev.flexilib.config;

import java.nio.file.Path;
import java.util.List;

/** A parsed, valid proxy.ini: its routes in file order, and warnings that do not stop it. */
public record RouteConfig(Path file, List<RouteSpec> routes, List<ConfigError> warnings) {
    public RouteConfig {
        routes = List.copyOf(routes);
        warnings = List.copyOf(warnings);
    }
}
