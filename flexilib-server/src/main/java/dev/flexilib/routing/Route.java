package dev.flexilib.routing;

import dev.flexilib.Request;
import dev.flexilib.config.RouteKey;
import dev.flexilib.config.RouteSpec;
import dev.flexilib.plugin.PluginSlot;
import dev.flexilib.proxy.UpstreamGroup;

/** One line of the route table, bound to what answers it. */
public sealed interface Route {

    RouteSpec spec();

    /** A route answered by a plugin, through its slot. */
    record PluginRoute(RouteSpec spec, PluginSlot slot) implements Route {}

    /** A route answered by upstream servers. */
    record ProxyRoute(RouteSpec spec, UpstreamGroup upstreams) implements Route {}

    /** Whether {@code request} takes this route (see proxy.ini's rules in DESIGN.md); only its head counts. */
    default boolean matches(Request request) {
        String target = request.target();
        return switch (spec().key()) {
            case RouteKey.PathPrefix key -> target.startsWith(key.pathPrefix());
            case RouteKey.HeaderPrefix key -> target.startsWith(key.pathPrefix())
                    && request.header(key.headerName()).filter(value -> value.startsWith(key.valuePrefix())).isPresent();
        };
    }
}
