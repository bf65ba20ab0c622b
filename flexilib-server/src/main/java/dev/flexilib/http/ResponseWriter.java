package dev.flexilib.http;

import dev.flexilib.Header;
import dev.flexilib.Response;
import dev.flexilib.ResponseBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Set;

/** Turns a plugin's {@link Response} into HTTP/1.1, with the server in charge of framing. */
final class ResponseWriter {
    /** Headers that describe the connection or the framing, which only the server may set. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "connection", "keep-alive");

    private ResponseWriter() {}

    /**
     * The response as Netty writes it, which from then on owns the response's body. Throws
     * IllegalArgumentException when the plugin's status, reason or headers cannot be sent as valid
     * HTTP; the body is still the caller's then.
     */
    static FullHttpResponse toNetty(Response response, boolean headRequest) {
        int code = response.status();
        if (code < 200 || code > 999) {
            throw new IllegalArgumentException("status " + code + " cannot be a final response");
        }
        HttpResponseStatus status = response.reason().isEmpty() ? HttpResponseStatus.valueOf(code)
                : new HttpResponseStatus(code, response.reason());
        boolean bodyAllowed = code != 204 && code != 304;
        ResponseBody body = response.body();
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        boolean contentType = false;
        for (Header header : response.headers()) {
            String name = header.name();
            if (FRAMING.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                continue;
            }
            contentType |= name.equalsIgnoreCase("content-type");
            headers.add(name, header.value());
        }
        if (!contentType) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        }
        if (bodyAllowed) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, body.length());
        }
        ByteBuf content;
        if (headRequest || !bodyAllowed) {
            body.release();
            content = Unpooled.EMPTY_BUFFER;
        } else {
            content = DirectBodies.content(body);
        }
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content, headers,
                DefaultHttpHeadersFactory.trailersFactory().newHeaders());
    }
}
