package dev.flexilib.plugin.natives;

import java.util.Optional;

/**
 * A platform thread that runs native plugin calls. It owns its arena, so that a
 * plugin's {@code zigInit} and {@code handle_request} share one allocator and
 * no two requests share memory.
 */
final class NativeWorker extends Thread {
    private final int preallocationBytes;
    private WorkerArena arena;

    NativeWorker(Runnable work, String name, int preallocationBytes) {
        super(work, name);
        this.preallocationBytes = preallocationBytes;
        setDaemon(true);
    }

    /** The arena of the calling thread, if it is a native worker. */
    static Optional<WorkerArena> currentArena() {
        return Thread.currentThread() instanceof NativeWorker worker ? Optional.ofNullable(worker.arena)
                : Optional.empty();
    }

    @Override
    public void run() {
        // the arena is confined to this thread, so it is created here rather than in the constructor
        try (WorkerArena owned = new WorkerArena(preallocationBytes)) {
            arena = owned;
            super.run();
        }
    }
}
