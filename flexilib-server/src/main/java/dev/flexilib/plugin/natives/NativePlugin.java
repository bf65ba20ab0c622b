package dev.flexilib.plugin.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.flexilib.Request;
import dev.flexilib.Response;
import dev.flexilib.ResponseMemory;
import dev.flexilib.Handled;
import dev.flexilib.plugin.Plugin;
import dev.flexilib.plugin.PluginFailure;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * One loaded generation of a native library. A request runs entirely on one
 * native worker: marshal into the worker's arena, {@code zigInit} (if
 * exported), {@code handle_request}, copy the response out,
 * {@code request_deinit} (if exported), reset the arena. The body is copied
 * into the network layer's memory ({@link ResponseMemory}), once. A library that
 * exports {@code flexilib_nonblocking} runs the same way on the network event
 * loop that read the request, with an arena of that event loop's own.
 */
final class NativePlugin implements Plugin {
    private static final Linker LINKER = Linker.nativeLinker();
    // address-first handles shared by every library: invokeExact on a constant handle is the fast path
    private static final MethodHandle POINTER_TO_POINTER = LINKER.downcallHandle(FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle POINTER_TO_VOID = LINKER.downcallHandle(FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle VOID_TO_VOID = LINKER.downcallHandle(FunctionDescriptor.ofVoid());

    private final DynamicLibrary library;
    private final MemorySegment handleRequest;
    private final MemorySegment zigInit;
    private final MemorySegment requestDeinit;
    private final boolean nonBlocking;
    private final ThreadLocal<WorkerArena> eventLoopArenas;
    private final ResponseMemory responseMemory;

    NativePlugin(DynamicLibrary library, MemorySegment handleRequest, Optional<MemorySegment> zigInit,
                 Optional<MemorySegment> requestDeinit, boolean nonBlocking, ThreadLocal<WorkerArena> eventLoopArenas,
                 ResponseMemory responseMemory) {
        this.library = library;
        this.handleRequest = handleRequest;
        this.zigInit = zigInit.orElse(MemorySegment.NULL);
        this.requestDeinit = requestDeinit.orElse(MemorySegment.NULL);
        this.nonBlocking = nonBlocking;
        this.eventLoopArenas = eventLoopArenas;
        this.responseMemory = responseMemory;
    }

    @Override
    public Handled handle(Request request) {
        Optional<WorkerArena> worker = NativeWorker.currentArena();
        if (worker.isPresent()) {
            return handle(request, worker.get());
        }
        if (!nonBlocking) {
            throw new IllegalStateException("a library that may block runs on native worker threads only");
        }
        return handle(request, eventLoopArenas.get());
    }

    @Override
    public boolean nonBlocking() {
        return nonBlocking;
    }

    /** One call with {@code arena} as the worker's memory; the arena must belong to the calling thread. */
    Handled handle(Request request, WorkerArena arena) {
        try {
            MemorySegment nativeRequest = NativeAbi.writeRequest(arena, request);
            Response response;
            try {
                response = call(arena, nativeRequest);
            } catch (RuntimeException e) {
                deinit();
                throw e;
            }
            try {
                deinit();
            } catch (RuntimeException e) {
                response.body().release();
                throw e;
            }
            return new Handled(response, arena.preallocated(), arena.used());
        } finally {
            arena.reset();
        }
    }

    private Response call(WorkerArena arena, MemorySegment nativeRequest) {
        MemorySegment result;
        try {
            if (!zigInit.equals(MemorySegment.NULL)) {
                POINTER_TO_VOID.invokeExact(zigInit, arena.zigAllocator());
            }
            result = (MemorySegment) POINTER_TO_POINTER.invokeExact(handleRequest, nativeRequest);
        } catch (Throwable e) {
            throw new PluginFailure("calling " + library.file().getFileName() + " failed: " + e, e);
        }
        if (result.equals(MemorySegment.NULL)) {
            throw new PluginFailure("handle_request returned NULL");
        }
        return NativeAbi.readResponse(result, responseMemory);
    }

    private void deinit() {
        if (requestDeinit.equals(MemorySegment.NULL)) {
            return;
        }
        try {
            VOID_TO_VOID.invokeExact(requestDeinit);
        } catch (Throwable e) {
            throw new PluginFailure("request_deinit failed: " + e, e);
        }
    }

    @Override
    public void close() {
        library.close();
    }
}
