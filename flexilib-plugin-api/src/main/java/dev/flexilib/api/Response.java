package dev.flexilib.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One immutable HTTP response. Build it with the shortcuts
 * ({@code Response.ok("hello")}, {@code Response.json(text)}) or the builder
 * ({@code Response.status(201).header("location", "/x").body(bytes).build()}).
 *
 * <p>Without a {@code content-type} header the server sends {@code text/plain}.
 * Content-Length, Transfer-Encoding and Connection are the server's to set.
 * An empty reason means the standard reason phrase.
 */
public final class Response {
    private final int status;
    private final String reason;
    private final Headers headers;
    private final byte[] body;
    private final InputStream stream;

    private Response(Builder builder) {
        this.status = builder.status;
        this.reason = builder.reason;
        this.headers = Headers.of(builder.headers);
        this.body = builder.body;
        this.stream = builder.stream;
    }

    /** 200 with a UTF-8 text body. */
    public static Response ok(String text) {
        return status(200).header("content-type", "text/plain; charset=utf-8").body(text).build();
    }

    /** 200 with a JSON body. */
    public static Response json(String json) {
        return status(200).header("content-type", "application/json").body(json).build();
    }

    /** A response with {@code status} and a UTF-8 text body. */
    public static Response text(int status, String text) {
        return status(status).header("content-type", "text/plain; charset=utf-8").body(text).build();
    }

    /** A builder for a response with {@code status} (100..999). */
    public static Builder status(int status) {
        return new Builder(status);
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public Headers headers() {
        return headers;
    }

    /**
     * The body's bytes. A streamed body is read to its end (and closed) on the
     * first call; the server calls this once, on the request's thread.
     */
    public byte[] body() {
        if (stream == null) {
            return body.clone();
        }
        try (InputStream in = stream) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the response body stream failed", e);
        }
    }

    /** Builds a {@link Response}. */
    public static final class Builder {
        private final int status;
        private String reason = "";
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private byte[] body = new byte[0];
        private InputStream stream;

        private Builder(int status) {
            if (status < 100 || status > 999) {
                throw new IllegalArgumentException("status " + status + " is not an HTTP status");
            }
            this.status = status;
        }

        /** A reason phrase other than the standard one. */
        public Builder reason(String reason) {
            this.reason = Objects.requireNonNull(reason);
            return this;
        }

        /** Adds a header field (names may repeat). */
        public Builder header(String name, String value) {
            headers.add(Map.entry(Objects.requireNonNull(name), Objects.requireNonNull(value)));
            return this;
        }

        public Builder body(byte[] bytes) {
            this.body = bytes.clone();
            this.stream = null;
            return this;
        }

        /** The body as UTF-8 text. */
        public Builder body(String text) {
            return body(text.getBytes(StandardCharsets.UTF_8));
        }

        /** A body the server reads to its end after {@code handle} returns, then closes. */
        public Builder body(InputStream stream) {
            this.stream = Objects.requireNonNull(stream);
            this.body = new byte[0];
            return this;
        }

        public Response build() {
            return new Response(this);
        }
    }
}
