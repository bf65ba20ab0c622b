package dev.flexilib.plugin.natives;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One native worker's request memory: a bump allocator over a preallocated
 * block, with overflow blocks for requests that need more. Everything a request
 * allocates (its marshalled form and what the plugin takes through the Zig
 * allocator) lives until {@link #reset}, after the response was copied out.
 *
 * <p>Confined to its worker thread, like the plugin calls that use it.
 */
final class WorkerArena implements AutoCloseable {
    /** Refuse single allocations beyond this: a plugin asking for more is broken. */
    private static final long MAX_ALLOCATION = 1L << 31;

    private final Arena permanent = Arena.ofConfined();
    private final int preallocationBytes;
    private final MemorySegment block;
    private final MemorySegment zigAllocator;
    private long offset;
    private long used;
    private Arena overflow;

    WorkerArena(int preallocationBytes) {
        this.preallocationBytes = preallocationBytes;
        this.block = permanent.allocate(Math.max(preallocationBytes, 1), 16);
        this.zigAllocator = ZigAllocator.newInstance(permanent);
    }

    /** Bytes preallocated for this worker. */
    long preallocated() {
        return preallocationBytes;
    }

    /** Bytes allocated since the last reset, alignment padding included. */
    long used() {
        return used;
    }

    /** This worker's {@code std.mem.Allocator}, for {@code zigInit}. */
    MemorySegment zigAllocator() {
        return zigAllocator;
    }

    /** Allocates {@code size} bytes aligned to {@code alignment}; NULL when the request is absurd. */
    MemorySegment allocate(long size, long alignment) {
        if (size < 0 || size > MAX_ALLOCATION || Long.bitCount(alignment) != 1) {
            return MemorySegment.NULL;
        }
        long start = (offset + alignment - 1) & -alignment;
        if (start + size <= block.byteSize()) {
            used += start + size - offset;
            offset = start + size;
            return block.asSlice(start, size);
        }
        if (overflow == null) {
            overflow = Arena.ofConfined();
        }
        used += size;
        return overflow.allocate(Math.max(size, 1), alignment);
    }

    /** Frees everything allocated since the last reset. */
    void reset() {
        offset = 0;
        used = 0;
        if (overflow != null) {
            overflow.close();
            overflow = null;
        }
    }

    @Override
    public void close() {
        reset();
        permanent.close();
    }
}
