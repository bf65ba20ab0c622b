package dev.flexilib.config;

/**
 * The left side of a proxy.ini line: what a request must look like to take the route.
 * Prefixes are compared with the request-target as received (path and query).
 */
public sealed interface RouteKey {

    /** The prefix the request-target must start with. */
    String pathPrefix();

    /** {@code /prefix}: plain string prefix of the request-target. */
    record PathPrefix(String pathPrefix) implements RouteKey {
        @Override
        public String toString() {
            return pathPrefix;
        }
    }

    /**
     * {@code Header-Name: valueprefix /pathprefix}: the first header with that name
     * (case-insensitive) starts with {@code valuePrefix} (case-sensitive), and the
     * target starts with {@code pathPrefix}.
     */
    record HeaderPrefix(String headerName, String valuePrefix, String pathPrefix) implements RouteKey {
        @Override
        public String toString() {
            return headerName + ": " + valuePrefix + " " + pathPrefix;
        }
    }
}
