package dev.flexilib.plugin.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.RequestBody;
import dev.flexilib.Response;
import dev.flexilib.ResponseBody;
import dev.flexilib.ResponseMemory;
import dev.flexilib.plugin.PluginFailure;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * FlexiLib's C structs, byte for byte (x86_64, LP64, no padding):
 * <pre>
 * header   { name_ptr, name_len, value_ptr, value_len }                              32 bytes
 * request  { target, target_len, method, method_len, content, content_len,
 *            headers, headers_len }                                                  64 bytes
 * response { ptr, len, headers, headers_len, status, reason_ptr, reason_len }        56 bytes
 * </pre>
 * Strings cross as one byte per char (ISO-8859-1), so arbitrary bytes survive.
 */
final class NativeAbi {
    static final long HEADER_SIZE = 32;
    static final long REQUEST_SIZE = 64;
    static final long RESPONSE_SIZE = 56;
    /** More response headers than this means the plugin handed back garbage. */
    private static final long MAX_RESPONSE_HEADERS = 100_000;

    private NativeAbi() {}

    /** Writes {@code request} into {@code arena}; valid until the arena is reset. */
    static MemorySegment writeRequest(WorkerArena arena, Request request) {
        MemorySegment struct = allocate(arena, REQUEST_SIZE, 8);
        byte[] method = request.method().getBytes(StandardCharsets.ISO_8859_1);
        MemorySegment methodZ = allocate(arena, method.length + 1L, 1);
        MemorySegment.copy(method, 0, methodZ, JAVA_BYTE, 0, method.length);
        methodZ.set(JAVA_BYTE, method.length, (byte) 0);
        putBytes(arena, struct, 0, request.target().getBytes(StandardCharsets.ISO_8859_1));
        struct.set(ADDRESS, 16, methodZ);
        struct.set(JAVA_LONG, 24, method.length);
        putBody(arena, struct, 32, request.body());
        List<Header> headers = request.headers();
        MemorySegment array = allocate(arena, HEADER_SIZE * Math.max(headers.size(), 1), 8);
        for (int i = 0; i < headers.size(); i++) {
            Header header = headers.get(i);
            putBytes(arena, array, i * HEADER_SIZE, header.name().getBytes(StandardCharsets.ISO_8859_1));
            putBytes(arena, array, i * HEADER_SIZE + 16, header.value().getBytes(StandardCharsets.ISO_8859_1));
        }
        struct.set(ADDRESS, 48, array);
        struct.set(JAVA_LONG, 56, headers.size());
        return struct;
    }

    /**
     * Copies the plugin's response out of native memory, the body into {@code memory} (last, once the rest
     * was found well-formed); throws {@link PluginFailure} if it is malformed.
     */
    static Response readResponse(MemorySegment pointer, ResponseMemory memory) {
        MemorySegment struct = pointer.reinterpret(RESPONSE_SIZE);
        MemorySegment body = segment(struct, 0, "body");
        long count = struct.get(JAVA_LONG, 24);
        if (count < 0 || count > MAX_RESPONSE_HEADERS) {
            throw new PluginFailure("response headers_len " + count + " is not a plausible header count");
        }
        List<Header> headers = new ArrayList<>((int) count);
        if (count > 0) {
            MemorySegment array = pointerAt(struct, 16, count * HEADER_SIZE, "headers");
            for (long i = 0; i < count; i++) {
                headers.add(new Header(text(array, i * HEADER_SIZE, "header name"),
                        text(array, i * HEADER_SIZE + 16, "header value")));
            }
        }
        long status = struct.get(JAVA_LONG, 32);
        if (status != 0 && (status < 100 || status > 999)) {
            throw new PluginFailure("response status " + Long.toUnsignedString(status) + " is not an HTTP status");
        }
        String reason = text(struct, 40, "reason");
        return new Response(status == 0 ? 200 : (int) status, reason, headers,
                body.byteSize() == 0 ? ResponseBody.EMPTY : memory.copyOf(body));
    }

    private static MemorySegment allocate(WorkerArena arena, long size, long alignment) {
        MemorySegment segment = arena.allocate(size, alignment);
        if (segment.equals(MemorySegment.NULL)) {
            throw new PluginFailure("the request is too large to pass to a native plugin");
        }
        return segment;
    }

    /** Writes a (pointer, length) pair at {@code offset} of {@code struct}, pointing at a copy of {@code bytes}. */
    private static void putBytes(WorkerArena arena, MemorySegment struct, long offset, byte[] bytes) {
        MemorySegment copy = allocate(arena, Math.max(bytes.length, 1), 1);
        MemorySegment.copy(bytes, 0, copy, JAVA_BYTE, 0, bytes.length);
        struct.set(ADDRESS, offset, copy);
        struct.set(JAVA_LONG, offset + 8, bytes.length);
    }

    /** Like {@link #putBytes}, for the body, which may sit outside the Java heap: one copy, no array. */
    private static void putBody(WorkerArena arena, MemorySegment struct, long offset, RequestBody body) {
        int length = body.length();
        MemorySegment copy = allocate(arena, Math.max(length, 1), 1);
        body.copyTo(copy);
        struct.set(ADDRESS, offset, copy);
        struct.set(JAVA_LONG, offset + 8, length);
    }

    private static String text(MemorySegment struct, long offset, String what) {
        return new String(bytes(struct, offset, what), StandardCharsets.ISO_8859_1);
    }

    /** Reads the (pointer, length) pair at {@code offset} of {@code struct} and copies the bytes it names. */
    private static byte[] bytes(MemorySegment struct, long offset, String what) {
        return segment(struct, offset, what).toArray(JAVA_BYTE);
    }

    /** The memory the (pointer, length) pair at {@code offset} of {@code struct} names (empty for a length of 0). */
    private static MemorySegment segment(MemorySegment struct, long offset, String what) {
        long length = struct.get(JAVA_LONG, offset + 8);
        if (length == 0) {
            return MemorySegment.NULL;
        }
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new PluginFailure("response " + what + " length " + Long.toUnsignedString(length) + " is too large");
        }
        return pointerAt(struct, offset, length, what);
    }

    private static MemorySegment pointerAt(MemorySegment struct, long offset, long length, String what) {
        MemorySegment pointer = struct.get(ADDRESS, offset);
        if (pointer.equals(MemorySegment.NULL)) {
            throw new PluginFailure("response " + what + " is NULL with a length of " + length);
        }
        return pointer.reinterpret(length);
    }
}
