package dev.flexilib.api;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One complete, immutable HTTP request. {@link #target()} is the request-target
 * exactly as received; {@link #path()} and {@link #query()} split it at the
 * first {@code ?} (neither is percent-decoded).
 */
public final class Request {
    private final String method;
    private final String target;
    private final Headers headers;
    private final byte[] body;
    private final InetSocketAddress remoteAddress;

    private Request(String method, String target, Headers headers, byte[] body, InetSocketAddress remoteAddress) {
        this.method = Objects.requireNonNull(method, "method");
        this.target = Objects.requireNonNull(target, "target");
        this.headers = Objects.requireNonNull(headers, "headers");
        this.body = Objects.requireNonNull(body, "body");
        this.remoteAddress = Objects.requireNonNull(remoteAddress, "remoteAddress");
    }

    /** A request, for tests of a handler: {@code Request.of("GET", "/hello?name=x", Headers.empty(), new byte[0])}. */
    public static Request of(String method, String target, Headers headers, byte[] body) {
        return new Request(method, target, headers, body.clone(), new InetSocketAddress(0));
    }

    /** Used by the server, which hands over a body array nobody else holds. */
    public static Request owning(String method, String target, Headers headers, byte[] body,
                                 InetSocketAddress remoteAddress) {
        return new Request(method, target, headers, body, remoteAddress);
    }

    public String method() {
        return method;
    }

    public String target() {
        return target;
    }

    /** The target up to the first {@code ?}. */
    public String path() {
        int question = target.indexOf('?');
        return question < 0 ? target : target.substring(0, question);
    }

    /** What follows the first {@code ?}, if there is one. */
    public Optional<String> query() {
        int question = target.indexOf('?');
        return question < 0 ? Optional.empty() : Optional.of(target.substring(question + 1));
    }

    public Headers headers() {
        return headers;
    }

    /** The first value of header {@code name} (case-insensitive). */
    public Optional<String> header(String name) {
        return headers.first(name);
    }

    /** A copy of the body; empty when there is none. */
    public byte[] body() {
        return body.clone();
    }

    /** The body decoded as UTF-8. */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The body as a stream, without copying it. */
    public InputStream bodyStream() {
        return new ByteArrayInputStream(body);
    }

    public int bodyLength() {
        return body.length;
    }

    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String toString() {
        return method + " " + target + " (" + body.length + " body bytes)";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Request that && method.equals(that.method) && target.equals(that.target)
                && headers.entries().equals(that.headers.entries()) && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, target, Arrays.hashCode(body));
    }
}
