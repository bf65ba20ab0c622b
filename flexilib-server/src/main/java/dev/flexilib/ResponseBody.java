package dev.flexilib;

import java.util.Objects;

/**
 * A response's body as a plugin host handed it over: bytes of its own, or
 * memory of the network layer's that the host copied the body into (see
 * {@link ResponseMemory}), so that a native plugin's body goes from its memory
 * to the socket with one copy. Whoever holds the response when it is dropped
 * unwritten calls {@link #release}.
 */
public interface ResponseBody {
    ResponseBody EMPTY = of(new byte[0]);

    /** Bytes in the body. */
    int length();

    /** Gives back memory the body holds outside the Java heap; for a body of bytes, nothing. */
    default void release() {
    }

    /** A body of these bytes, which the caller hands over and no longer changes. */
    static ResponseBody of(byte[] bytes) {
        return new Bytes(bytes);
    }

    /** A body held in an array. */
    record Bytes(byte[] bytes) implements ResponseBody {
        public Bytes {
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public int length() {
            return bytes.length;
        }
    }
}
