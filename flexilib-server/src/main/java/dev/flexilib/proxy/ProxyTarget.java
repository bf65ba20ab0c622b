package dev.flexilib.proxy;

import dev.flexilib.config.ProxySpec.Upstream;

/**
 * Where one request goes: the route's upstream group, and the route's path prefix,
 * which an upstream's base path replaces. A Worker route's target is the workerd of
 * the generation that took the request: {@code worker} says so (the client's Host
 * goes up as it came, with {@code CF-Connecting-IP}), and {@code release} lets the
 * generation go once the exchange is over.
 */
public record ProxyTarget(UpstreamGroup group, String pathPrefix, boolean worker, Runnable release) {
    private static final Runnable NOTHING = () -> { };

    /** A reverse-proxy route's target. */
    public ProxyTarget(UpstreamGroup group, String pathPrefix) {
        this(group, pathPrefix, false, NOTHING);
    }

    /** The request-target to send to {@code upstream}: as received, or with the route's prefix replaced by the base. */
    public String rewrite(Upstream upstream, String target) {
        if (upstream.basePath().isEmpty() || !target.startsWith(pathPrefix)) {
            return target;
        }
        return upstream.basePath() + target.substring(pathPrefix.length());
    }
}
