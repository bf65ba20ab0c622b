package dev.flexilib.plugin.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * A Zig 0.11 {@code std.mem.Allocator} backed by the calling worker's arena:
 * the 16-byte struct {@code { ctx, vtable }} with the three C-convention
 * functions alloc, resize and free. Zig plugins receive it through
 * {@code zigInit} and allocate their whole response from it.
 *
 * <p>The functions find the arena through the calling thread, which the ABI
 * requires to be the worker that called {@code zigInit}; called from any other
 * thread, alloc answers NULL. An exception must never unwind into native code,
 * so each entry point catches everything.
 */
final class ZigAllocator {
    private static final MemorySegment VTABLE = vtable();

    private ZigAllocator() {}

    /** A new allocator struct in {@code arena}, pointing at the shared vtable. */
    static MemorySegment newInstance(Arena arena) {
        MemorySegment allocator = arena.allocate(16, 8);
        allocator.set(ADDRESS, 0, MemorySegment.NULL);
        allocator.set(ADDRESS, 8, VTABLE);
        return allocator;
    }

    static MemorySegment alloc(MemorySegment ctx, long length, byte log2Align, long returnAddress) {
        try {
            return NativeWorker.currentArena()
                    .map(arena -> arena.allocate(length, 1L << (log2Align & 0x3f)))
                    .orElse(MemorySegment.NULL);
        } catch (Throwable e) {
            return MemorySegment.NULL;
        }
    }

    /** Shrinking is always possible in place; growth is refused, and Zig then allocates and copies. */
    static boolean resize(MemorySegment ctx, MemorySegment buffer, long length, byte log2Align, long newLength,
                          long returnAddress) {
        return newLength <= length;
    }

    /** Arena memory is freed all at once after the request. */
    static void free(MemorySegment ctx, MemorySegment buffer, long length, byte log2Align, long returnAddress) {
    }

    private static MemorySegment vtable() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            Arena global = Arena.global();
            MemorySegment alloc = linker.upcallStub(
                    lookup.findStatic(ZigAllocator.class, "alloc", MethodType.methodType(
                            MemorySegment.class, MemorySegment.class, long.class, byte.class, long.class)),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_BYTE, JAVA_LONG), global);
            MemorySegment resize = linker.upcallStub(
                    lookup.findStatic(ZigAllocator.class, "resize", MethodType.methodType(boolean.class,
                            MemorySegment.class, MemorySegment.class, long.class, byte.class, long.class, long.class)),
                    FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, ADDRESS, JAVA_LONG, JAVA_BYTE, JAVA_LONG, JAVA_LONG),
                    global);
            MemorySegment free = linker.upcallStub(
                    lookup.findStatic(ZigAllocator.class, "free", MethodType.methodType(void.class,
                            MemorySegment.class, MemorySegment.class, long.class, byte.class, long.class)),
                    FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG, JAVA_BYTE, JAVA_LONG), global);
            MemorySegment table = global.allocate(24, 8);
            table.set(ADDRESS, 0, alloc);
            table.set(ADDRESS, 8, resize);
            table.set(ADDRESS, 16, free);
            return table;
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
