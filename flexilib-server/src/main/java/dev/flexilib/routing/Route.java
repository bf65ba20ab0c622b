package dev.flexilib.routing;

import dev.flexilib.Request;
import dev.flexilib.config.RouteKey;
import dev.flexilib.config.RouteSpec;
import dev.flexilib.plugin.PluginSlot;

/** One line of the route table, bound to the slot of the plugin that answers it. */
public record Route(RouteSpec spec, PluginSlot slot) {

    /** Whether {@code request} takes this route (see proxy.ini's rules in DESIGN.md). */
    public boolean matches(Request request) {
        String target = request.target();
        return switch (spec.key()) {
            case RouteKey.PathPrefix key -> target.startsWith(key.pathPrefix());
            case RouteKey.HeaderPrefix key -> target.startsWith(key.pathPrefix())
                    && request.header(key.headerName()).filter(value -> value.startsWith(key.valuePrefix())).isPresent();
        };
    }
}
