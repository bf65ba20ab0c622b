package dev.flexilib.routing;

import dev.flexilib.Request;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.ProxySpec;
import dev.flexilib.config.RouteConfig;
import dev.flexilib.config.RouteSpec;
import dev.flexilib.plugin.PluginSlot;
import dev.flexilib.plugin.Plugins;
import dev.flexilib.proxy.UpstreamGroup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of the routes, in file order. It holds one reference on
 * each plugin slot it names; routes that name the same plugin share its slot.
 */
public final class RouteTable {
    private final List<Route> routes;
    private final Map<PluginSpec, PluginSlot> slots;
    private final Map<ProxySpec, UpstreamGroup> upstreams;
    /** The Lambda functions' slots by FunctionName, for the Invoke API. */
    private final Map<String, PluginSlot> functions = new HashMap<>();

    private RouteTable(List<Route> routes, Map<PluginSpec, PluginSlot> slots, Map<ProxySpec, UpstreamGroup> upstreams) {
        this.routes = List.copyOf(routes);
        this.slots = slots;
        this.upstreams = upstreams;
        slots.forEach((spec, slot) -> {
            if (spec.kind() == PluginSpec.Kind.LAMBDA) {
                functions.putIfAbsent(spec.entryPoint().orElseThrow(), slot);
            }
        });
    }

    /** A table with no routes: every request answers 404. */
    public static RouteTable empty() {
        return new RouteTable(List.of(), Map.of(), Map.of());
    }

    /**
     * Builds the table for {@code config}, keeping the slot (and the loaded generation)
     * of every plugin that {@code previous} already had.
     */
    public static RouteTable build(RouteConfig config, Plugins plugins, RouteTable previous) {
        Map<PluginSpec, PluginSlot> slots = new LinkedHashMap<>();
        Map<ProxySpec, UpstreamGroup> upstreams = new LinkedHashMap<>();
        List<Route> routes = new ArrayList<>();
        for (RouteSpec spec : config.routes()) {
            routes.add(switch (spec.backend()) {
                case PluginSpec plugin -> new Route.PluginRoute(spec,
                        slots.computeIfAbsent(plugin, p -> reuseOrCreate(p, plugins, previous)));
                case ProxySpec proxy -> new Route.ProxyRoute(spec,
                        upstreams.computeIfAbsent(proxy, p -> previous.upstreams.getOrDefault(p, new UpstreamGroup(p))));
            });
        }
        return new RouteTable(routes, slots, upstreams);
    }

    /** Whether some route's requests are streamed to a server: a reverse proxy's upstreams, or a Worker's workerd. */
    public boolean hasStreamedRoutes() {
        return !upstreams.isEmpty() || slots.keySet().stream().anyMatch(spec -> spec.kind() == PluginSpec.Kind.WORKER);
    }

    /** Whether some route is a Lambda function: then the Invoke API is served too. */
    public boolean hasFunctions() {
        return !functions.isEmpty();
    }

    /** The slot of the Lambda function named {@code name}, if a route has one. */
    public Optional<PluginSlot> function(String name) {
        return Optional.ofNullable(functions.get(name));
    }

    private static PluginSlot reuseOrCreate(PluginSpec plugin, Plugins plugins, RouteTable previous) {
        PluginSlot old = previous.slots.get(plugin);
        return old != null && old.tryRetain() ? old : plugins.newSlot(plugin);
    }

    public boolean hasProxyRoutes() {
        return !upstreams.isEmpty();
    }

    public List<Route> routes() {
        return routes;
    }

    Collection<PluginSlot> slots() {
        return slots.values();
    }

    /** The first route that {@code request} matches. */
    public Optional<Route> match(Request request) {
        for (Route route : routes) {
            if (route.matches(request)) {
                return Optional.of(route);
            }
        }
        return Optional.empty();
    }

    /** Lets go of this table's slots; those no newer table holds close once drained. */
    void release() {
        slots.values().forEach(PluginSlot::release);
    }
}
