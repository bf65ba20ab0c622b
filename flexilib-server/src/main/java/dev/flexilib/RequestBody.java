package dev.flexilib;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A request's body as the server holds it: bytes of its own, or a view of the
 * network layer's buffer, which lives until the request's handler returns, so
 * that a large body reaches a native plugin with one copy and never touches
 * the Java heap. Read it while handling the request; copy what must outlive it.
 */
public interface RequestBody {
    RequestBody EMPTY = of(new byte[0]);

    /** Bytes in the body. */
    int length();

    /** Copies the whole body into {@code target}, which holds at least {@link #length()} bytes. */
    void copyTo(MemorySegment target);

    /** The body in a new array. */
    default byte[] toArray() {
        byte[] bytes = new byte[length()];
        copyTo(MemorySegment.ofArray(bytes));
        return bytes;
    }

    /** A body of these bytes, which the caller hands over and no longer changes. */
    static RequestBody of(byte[] bytes) {
        return new Bytes(bytes);
    }

    /** A body held in an array. */
    record Bytes(byte[] bytes) implements RequestBody {
        public Bytes {
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public int length() {
            return bytes.length;
        }

        @Override
        public void copyTo(MemorySegment target) {
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, target, 0, bytes.length);
        }

        @Override
        public byte[] toArray() {
            return bytes.clone();
        }
    }
}
