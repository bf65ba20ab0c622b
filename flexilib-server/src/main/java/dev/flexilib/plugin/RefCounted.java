package dev.flexilib.plugin;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A resource that closes when its last user lets go. It starts with one
 * reference, its owner's; {@link #tryRetain} fails once the count reached zero,
 * so a reader that lost a race with the owner's release simply looks again.
 */
abstract class RefCounted {
    private final AtomicInteger references = new AtomicInteger(1);

    /** Takes a reference unless the resource is already closed. */
    public final boolean tryRetain() {
        while (true) {
            int count = references.get();
            if (count == 0) {
                return false;
            }
            if (references.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    public final void release() {
        if (references.decrementAndGet() == 0) {
            closed();
        }
    }

    /** Called once, by the thread that let go of the last reference. */
    protected abstract void closed();
}
