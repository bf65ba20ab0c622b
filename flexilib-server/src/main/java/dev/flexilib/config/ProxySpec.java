package dev.flexilib.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
    public record Upstream(boolean https, String host, int port, String basePath, Optional<Path> socket) {

        public Upstream(boolean https, String host, int port, String basePath) {
            this(https, host, port, basePath, Optional.empty());
        }

        /** A server on the Unix domain socket {@code socket} (as flexilib reaches the workerd of a Worker). */
        public static Upstream unix(Path socket) {
            return new Upstream(false, "localhost", 0, "", Optional.of(socket));
        }

        @Override
        public String toString() {
            return socket.map(path -> "unix:" + path).orElseGet(() -> (https ? "https://" : "http://")
                    + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + basePath);
        }
    }

    @Override
    public String toString() {
        return upstreams.stream().map(Upstream::toString).collect(Collectors.joining(","));
    }
}
