package dev.flexilib;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * Where a plugin host copies a response body that lives in memory it is about
 * to reuse (a native plugin's arena). The network layer's own memory, given by
 * the server, lets the socket be written from the copy; {@link #HEAP} copies
 * into an array, for callers without a network layer.
 */
@FunctionalInterface
public interface ResponseMemory {
    ResponseMemory HEAP = bytes -> ResponseBody.of(bytes.toArray(JAVA_BYTE));

    /** A body holding a copy of {@code bytes}, which may be reused once this returns. */
    ResponseBody copyOf(MemorySegment bytes);
}
