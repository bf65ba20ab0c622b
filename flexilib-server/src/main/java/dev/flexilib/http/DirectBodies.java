package dev.flexilib.http;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.flexilib.ResponseBody;
import dev.flexilib.ResponseMemory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/**
 * Response bodies copied into Netty's pooled direct memory, from which the
 * socket is written without another copy. A small body is copied into an array
 * instead: the response encoder copies it beside the headers anyway.
 */
final class DirectBodies implements ResponseMemory {
    static final DirectBodies INSTANCE = new DirectBodies();
    /** Bodies up to this size are merged into the buffer of the response's head when it is encoded. */
    private static final int SMALL = 1024;
    /** Bodies made and neither taken for writing nor released: a response dropped without its release shows here. */
    private static final LongAdder HELD = new LongAdder();

    private DirectBodies() {}

    @Override
    public ResponseBody copyOf(MemorySegment bytes) {
        int length = Math.toIntExact(bytes.byteSize());
        if (length <= SMALL) {
            return ResponseBody.of(bytes.toArray(JAVA_BYTE));
        }
        ByteBuf buffer;
        try {
            buffer = ByteBufAllocator.DEFAULT.directBuffer(length, length);
        } catch (OutOfMemoryError e) {
            // Netty's direct memory is full (request bodies and unsent responses share it): the heap may have room
            return ResponseBody.of(bytes.toArray(JAVA_BYTE));
        }
        try {
            MemorySegment.copy(bytes, 0, MemorySegment.ofBuffer(buffer.nioBuffer(0, length)), 0, length);
        } catch (RuntimeException e) {
            buffer.release();
            throw e;
        }
        buffer.writerIndex(length);
        HELD.increment();
        return new Direct(buffer);
    }

    /** How many direct bodies are held now, neither written nor released. */
    static long held() {
        return HELD.sum();
    }

    /**
     * The content to write for {@code body}: a direct body's buffer, whose ownership passes to the
     * caller, or the bytes of any other body wrapped.
     */
    static ByteBuf content(ResponseBody body) {
        return switch (body) {
            case Direct direct -> direct.take();
            case ResponseBody.Bytes bytes -> Unpooled.wrappedBuffer(bytes.bytes());
            default -> throw new IllegalArgumentException("a response body of " + body.getClass() + " cannot be written");
        };
    }

    /** A body in a buffer of Netty's, owned until it is {@linkplain #take taken} for writing or released. */
    private static final class Direct implements ResponseBody {
        private final int length;
        private ByteBuf buffer;

        Direct(ByteBuf buffer) {
            this.buffer = buffer;
            this.length = buffer.readableBytes();
        }

        @Override
        public int length() {
            return length;
        }

        ByteBuf take() {
            ByteBuf taken = buffer;
            if (taken == null) {
                throw new IllegalStateException("the body was written or released already");
            }
            buffer = null;
            HELD.decrement();
            return taken;
        }

        @Override
        public void release() {
            ByteBuf held = buffer;
            buffer = null;
            if (held != null) {
                HELD.decrement();
                held.release();
            }
        }
    }
}
