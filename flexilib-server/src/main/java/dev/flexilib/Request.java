package dev.flexilib;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One complete HTTP request, independent of the network layer that read it.
 *
 * <p>{@code target} is the request-target exactly as received (path and query);
 * {@code body} is never null (empty when there is none) and may be read only
 * until the request's handler returns (see {@link RequestBody}).
 */
public record Request(
        String method,
        String target,
        String protocol,
        List<Header> headers,
        RequestBody body,
        InetSocketAddress remoteAddress) {

    /** A request whose body is these bytes, handed over by the caller. */
    public Request(String method, String target, String protocol, List<Header> headers, byte[] body,
                   InetSocketAddress remoteAddress) {
        this(method, target, protocol, headers, RequestBody.of(body), remoteAddress);
    }

    public Request {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(protocol, "protocol");
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
    }

    /** The value of the first header with this name, compared case-insensitively. */
    public Optional<String> header(String name) {
        for (Header header : headers) {
            if (header.name().equalsIgnoreCase(name)) {
                return Optional.of(header.value());
            }
        }
        return Optional.empty();
    }
}
