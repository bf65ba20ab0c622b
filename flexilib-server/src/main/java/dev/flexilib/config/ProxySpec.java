package dev.flexilib.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A reverse-proxy route: {@code http://host:port[/base]}, or several separated by
 * commas, balanced round-robin. Two routes with an equal spec share one upstream
 * group (its connection pools and health).
 */
public record ProxySpec(List<Upstream> upstreams) implements Backend {

    public ProxySpec {
        upstreams = List.copyOf(upstreams);
    }

    /**
     * One upstream server. {@code basePath} is empty or starts with '/' and has no
     * trailing '/': with a base, the route's path prefix is replaced by it (as nginx's
     * {@code proxy_pass http://host/base} does); without one, the target goes as received.
     */
    public record Upstream(boolean https, String host, int port, String basePath) {
        @Override
        public String toString() {
            return (https ? "https://" : "http://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                    + basePath;
        }
    }

    @Override
    public String toString() {
        return upstreams.stream().map(Upstream::toString).collect(Collectors.joining(","));
    }
}
