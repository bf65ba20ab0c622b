package dev.flexilib.proxy;

import dev.flexilib.config.ProxySpec.Upstream;

/**
 * Where one request goes: the route's upstream group, and the route's path prefix,
 * which an upstream's base path replaces.
 */
public record ProxyTarget(UpstreamGroup group, String pathPrefix) {

    /** The request-target to send to {@code upstream}: as received, or with the route's prefix replaced by the base. */
    public String rewrite(Upstream upstream, String target) {
        if (upstream.basePath().isEmpty() || !target.startsWith(pathPrefix)) {
            return target;
        }
        return upstream.basePath() + target.substring(pathPrefix.length());
    }
}
