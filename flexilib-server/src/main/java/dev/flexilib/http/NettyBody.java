package dev.flexilib.http;

import dev.flexilib.RequestBody;
import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A request body left where Netty read it (usually pooled direct memory, in
 * one or more pieces). It owns the aggregated request's reference: the
 * connection calls {@link #release} once the request's handler returned (or
 * the request is dropped); nothing may read the body after that.
 */
final class NettyBody implements RequestBody {
    private final ByteBuf content;

    NettyBody(ByteBuf content) {
        this.content = content;
    }

    @Override
    public int length() {
        return content.readableBytes();
    }

    @Override
    public void copyTo(MemorySegment target) {
        long offset = 0;
        for (ByteBuffer piece : content.nioBuffers()) {
            int length = piece.remaining();
            MemorySegment.copy(MemorySegment.ofBuffer(piece), 0, target, offset, length);
            offset += length;
        }
    }

    void release() {
        content.release();
    }
}
