package dev.flexilib.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request and response bodies the server holds at once, shared by
 * every connection: a body is admitted only if it fits, so many large uploads
 * at once are refused with 503 instead of exhausting the process's memory.
 * Thread-safe; a reservation may be given back from any thread.
 */
final class MemoryBudget {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    /** Takes {@code bytes} from the budget if they fit; returns whether they did. */
    boolean tryReserve(long bytes) {
        long now;
        do {
            now = held.get();
            if (now + bytes > limit) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    /**
     * Counts {@code bytes} that are held already and cannot be refused (a response
     * the client is slow to take): they leave less room for the bodies after them.
     */
    void force(long bytes) {
        held.addAndGet(bytes);
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }

    long held() {
        return held.get();
    }
}
