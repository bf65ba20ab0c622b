package dev.flexilib.http;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * Netty's response writer, told by the {@link Connection} whether the response
 * being written answers a HEAD request, whose body is never sent (a proxied
 * HEAD response may announce a chunked body that does not follow).
 */
final class ResponseEncoder extends HttpResponseEncoder {
    private final Connection connection;

    ResponseEncoder(Connection connection) {
        this.connection = connection;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse response) {
        if (response.status().codeClass() != HttpStatusClass.INFORMATIONAL && connection.answeringHead()) {
            return true;
        }
        return super.isContentAlwaysEmpty(response);
    }
}
