package dev.flexilib.http;

import dev.flexilib.Request;
import dev.flexilib.RequestBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * A request whose head has arrived and whose body is being read: the parts
 * read so far, in Netty's buffers as the parser sliced them, the bytes of the
 * shared budget they hold, and when they came (for the body timeouts). Used on
 * the connection's event loop only.
 */
final class IncomingRequest {
    /** The request as its head described it, with an empty body. */
    final Request head;
    final long headNanos;
    final boolean keepAlive;
    final boolean headMethod;
    final boolean chunked;
    long bytes;
    long reserved;
    /** When the body's time began: the head, or the 100 Continue that asked for it. */
    long startNanos;
    long lastReadNanos;
    /** The client waits for 100 Continue, which goes out once every earlier response has. */
    boolean continuePending;
    private ByteBuf body;

    IncomingRequest(Request head, long headNanos, boolean keepAlive, boolean headMethod, boolean chunked,
                    long reserved) {
        this.head = head;
        this.headNanos = headNanos;
        this.keepAlive = keepAlive;
        this.headMethod = headMethod;
        this.chunked = chunked;
        this.reserved = reserved;
        this.startNanos = headNanos;
        this.lastReadNanos = headNanos;
    }

    /** Takes {@code part} (and the reference to it) as the next bytes of the body. */
    void add(ByteBuf part, ChannelHandlerContext context) {
        bytes += part.readableBytes();
        lastReadNanos = System.nanoTime();
        if (body == null) {
            body = part;
            return;
        }
        if (!(body instanceof CompositeByteBuf)) {
            // no limit on the parts: consolidating them would copy the whole body once more
            body = context.alloc().compositeBuffer(Integer.MAX_VALUE).addComponent(true, body);
        }
        ((CompositeByteBuf) body).addComponent(true, part);
    }

    /**
     * The whole request. A body up to {@code heapBytes} is copied onto the heap and
     * Netty's buffer let go at once; a larger one stays where it is, in a {@link NettyBody}.
     */
    Request complete(int heapBytes) {
        RequestBody content;
        if (body == null) {
            content = RequestBody.EMPTY;
        } else if (bytes > heapBytes) {
            content = new NettyBody(body);
        } else {
            content = RequestBody.of(ByteBufUtil.getBytes(body));
            body.release();
        }
        body = null;
        return new Request(head.method(), head.target(), head.protocol(), head.headers(), content,
                head.remoteAddress());
    }

    /** Lets go of the parts read and of their share of the budget: the request will not be answered. */
    void release(MemoryBudget budget) {
        if (body != null) {
            body.release();
            body = null;
        }
        budget.release(reserved);
        reserved = 0;
    }
}
