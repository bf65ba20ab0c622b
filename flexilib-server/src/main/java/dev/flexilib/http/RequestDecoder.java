package dev.flexilib.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.util.List;

/**
 * Netty's request parser, made to decode only as many requests as the
 * connection takes: between two requests it asks the {@link Connection}
 * whether it accepts another, and if not it leaves the bytes where they are
 * (the connection stops reading meanwhile) until {@link #resume}. So a client
 * that pipelines thousands of requests in one write has at most a few of them
 * decoded at a time. It also measures each head as received, line endings
 * included, for the header-size and header-count limits.
 */
final class RequestDecoder extends HttpRequestDecoder {
    private final Connection connection;
    private final int maxHeaderBytes;
    private final int maxHeaders;
    private ChannelHandlerContext context;
    /** No byte of the next request has been taken yet. */
    private boolean betweenRequests = true;
    /** Bytes of the current head taken so far: request line, header lines, line endings. */
    private int headBytes;

    RequestDecoder(Connection connection, int maxRequestLineBytes, int maxHeaderBytes, int maxHeaders) {
        // Netty counts header lines without their line endings: its limit is a first, cheaper bound
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(maxRequestLineBytes)
                .setMaxHeaderSize(maxHeaderBytes)
                .setMaxChunkSize(64 * 1024));
        this.connection = connection;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxHeaders = maxHeaders;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        context = ctx;
        super.handlerAdded(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (connection.discardsInput()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (betweenRequests) {
            if (!connection.acceptsRequest()) {
                connection.decodingPaused();
                return; // the bytes stay in the cumulation until resume()
            }
            headBytes = 0;
        }
        int before = in.readerIndex();
        int outputs = out.size();
        super.decode(ctx, in, out);
        int taken = in.readerIndex() - before;
        if (out.size() == outputs) {
            if (betweenRequests && (taken > 0 || in.isReadable())) {
                connection.headStarted();
            }
            if (taken > 0 && betweenRequests) {
                betweenRequests = false;
            }
            headBytes += betweenRequests ? 0 : taken;
            return;
        }
        for (int i = outputs; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpRequest head) {
                headBytes += taken;
                checkHeadSize(head);
                betweenRequests = false;
            }
            if (message instanceof LastHttpContent || message instanceof HttpRequest head && head.decoderResult().isFailure()) {
                betweenRequests = true;
            }
        }
    }

    /**
     * The header section as received (every header line with its line ending, and
     * the empty line that ends the head) against the limit, and the number of fields.
     */
    private void checkHeadSize(HttpRequest head) {
        if (head.decoderResult().isFailure()) {
            return;
        }
        int requestLine = head.method().name().length() + head.uri().length() + head.protocolVersion().text().length() + 4;
        if (headBytes - requestLine > maxHeaderBytes) {
            head.setDecoderResult(DecoderResult.failure(
                    new TooLongHttpHeaderException("the header section is larger than " + maxHeaderBytes + " bytes")));
        } else if (head.headers().size() > maxHeaders) {
            head.setDecoderResult(DecoderResult.failure(
                    new TooLongHttpHeaderException("more than " + maxHeaders + " header fields")));
        }
    }

    /**
     * Decodes what arrived while the connection took no more requests. Runs as a
     * task of its own on the event loop, never from within a decode.
     */
    void resume() {
        if (context == null || context.isRemoved()) {
            return;
        }
        try {
            channelRead(context, Unpooled.EMPTY_BUFFER);
        } catch (Exception e) {
            context.fireExceptionCaught(e);
        }
    }
}
