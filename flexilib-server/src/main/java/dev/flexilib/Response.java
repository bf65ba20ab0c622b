package dev.flexilib;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * One complete HTTP response as a plugin produced it. An empty {@code reason}
 * means the standard reason phrase of {@code status}. Framing headers
 * (Content-Length, Transfer-Encoding, Connection) are the server's business and
 * are replaced when the response is written. A response dropped unwritten
 * releases its {@link ResponseBody}.
 */
public record Response(int status, String reason, List<Header> headers, ResponseBody body) {

    /** A response whose body is these bytes, handed over by the caller. */
    public Response(int status, String reason, List<Header> headers, byte[] body) {
        this(status, reason, headers, ResponseBody.of(body));
    }

    public Response {
        Objects.requireNonNull(reason, "reason");
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** A plain-text response the server itself produces (errors, not found). */
    public static Response text(int status, String text) {
        return new Response(status, "", List.of(new Header("content-type", "text/plain")),
                text.getBytes(StandardCharsets.UTF_8));
    }
}
