package dev.flexilib.http;

import dev.flexilib.RequestBody;
import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A request body left where Netty read it (usually pooled direct memory, in
 * one or more pieces). The connection keeps the buffer until the request's
 * handler returns, then releases it; nothing may read the body after that.
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
}
