package dev.flexilib.http;

import dev.flexilib.Response;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What RFC 9112 requires of a request head before anything acts on it, beyond
 * what Netty's parser checks: one Host, a version this server speaks, a
 * request-target without control bytes, and a Transfer-Encoding it can read.
 * An absolute-form target ({@code GET http://host/path}) is turned into the
 * origin form every route matches, with its authority as the Host.
 */
final class RequestHeads {
    static final Response BAD_REQUEST = Response.text(400, "Bad request\n");
    private static final Response VERSION_NOT_SUPPORTED = Response.text(505, "HTTP version not supported\n");
    private static final Response NOT_IMPLEMENTED = Response.text(501, "Not implemented\n");

    private RequestHeads() {}

    /** The refusal {@code head} must get, if any; otherwise the head is left in origin form. */
    static Optional<Response> check(HttpRequest head) {
        HttpVersion version = head.protocolVersion();
        if (version.majorVersion() != 1) {
            return Optional.of(VERSION_NOT_SUPPORTED);
        }
        HttpHeaders headers = head.headers();
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1 || hosts.isEmpty() && version.minorVersion() >= 1) {
            return Optional.of(BAD_REQUEST); // RFC 9112 section 3.2: exactly one Host in HTTP/1.1
        }
        Optional<Response> framing = transferEncoding(head);
        if (framing.isPresent()) {
            return framing;
        }
        return target(head);
    }

    /**
     * RFC 9112 section 6.1: chunked must be the last coding and appear once; a coding
     * this server cannot undo is 501; HTTP/1.0 has no Transfer-Encoding at all.
     */
    private static Optional<Response> transferEncoding(HttpRequest head) {
        List<String> values = head.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        if (head.protocolVersion().minorVersion() == 0) {
            return Optional.of(BAD_REQUEST);
        }
        List<String> codings = values.stream().flatMap(value -> List.of(value.split(",")).stream())
                .map(coding -> coding.strip().toLowerCase(Locale.ROOT)).toList();
        int last = codings.size() - 1;
        if (!codings.get(last).equals("chunked") || codings.indexOf("chunked") != last) {
            return Optional.of(BAD_REQUEST);
        }
        return last == 0 ? Optional.empty() : Optional.of(NOT_IMPLEMENTED);
    }

    private static Optional<Response> target(HttpRequest head) {
        String target = head.uri();
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return Optional.of(BAD_REQUEST);
            }
        }
        if (target.startsWith("/")) {
            return Optional.empty();
        }
        if (target.equals("*")) {
            return head.method().equals(HttpMethod.OPTIONS) ? Optional.empty() : Optional.of(BAD_REQUEST);
        }
        if (head.method().equals(HttpMethod.CONNECT)) {
            return Optional.of(NOT_IMPLEMENTED); // authority-form: this server is not a forward proxy
        }
        return absoluteForm(head);
    }

    /** RFC 9112 section 3.2.2: the target's authority replaces the Host, in its place. */
    private static Optional<Response> absoluteForm(HttpRequest head) {
        String target = head.uri();
        int scheme = target.indexOf("://");
        String name = scheme < 0 ? "" : target.substring(0, scheme).toLowerCase(Locale.ROOT);
        if (!name.equals("http") && !name.equals("https")) {
            return Optional.of(BAD_REQUEST);
        }
        int start = scheme + 3;
        int end = start;
        while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
            end++;
        }
        String authority = target.substring(start, end);
        if (authority.isEmpty() || authority.indexOf('@') >= 0) {
            return Optional.of(BAD_REQUEST); // no host, or user information (RFC 9110 section 4.2.4)
        }
        String rest = target.substring(end);
        head.setUri(rest.startsWith("/") ? rest : "/" + rest);
        replaceHost(head.headers(), authority);
        return Optional.empty();
    }

    private static void replaceHost(HttpHeaders headers, String authority) {
        HttpHeaders rebuilt = new DefaultHttpHeaders();
        for (Map.Entry<String, String> header : headers) {
            boolean host = HttpHeaderNames.HOST.contentEqualsIgnoreCase(header.getKey());
            rebuilt.add(header.getKey(), host ? authority : header.getValue());
        }
        headers.clear().add(rebuilt);
    }
}
