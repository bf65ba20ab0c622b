package dev.flexilib.plugin.java;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;

/**
 * Bytes allocated by a request's handler, for the access log. The JDK does not
 * count allocations per virtual thread, so this counts them on the carrier
 * thread the handler runs on: exact for a handler that never blocks; when the
 * handler blocked and came back on another carrier the figure is unknown (-1).
 * Reading the carrier needs {@code --add-opens java.base/java.lang=ALL-UNNAMED},
 * which the launcher passes; without it every figure is -1.
 */
final class AllocationMeter {
    static final long UNKNOWN = -1;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final MethodHandle CARRIER = carrierAccessor();

    private final Thread carrier;
    private final long start;

    private AllocationMeter(Thread carrier, long start) {
        this.carrier = carrier;
        this.start = start;
    }

    /** Starts counting on the calling thread. */
    static AllocationMeter start() {
        Thread carrier = carrier();
        return new AllocationMeter(carrier, carrier == null ? UNKNOWN : THREADS.getThreadAllocatedBytes(carrier.threadId()));
    }

    /** Bytes allocated since {@link #start}, or {@link #UNKNOWN}. */
    long allocated() {
        if (carrier == null || start < 0 || carrier() != carrier) {
            return UNKNOWN;
        }
        long now = THREADS.getThreadAllocatedBytes(carrier.threadId());
        return now < 0 ? UNKNOWN : now - start;
    }

    private static Thread carrier() {
        Thread current = Thread.currentThread();
        if (!current.isVirtual()) {
            return current;
        }
        if (CARRIER == null) {
            return null;
        }
        try {
            return (Thread) CARRIER.invokeExact();
        } catch (Throwable e) {
            return null;
        }
    }

    private static MethodHandle carrierAccessor() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            return lookup.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
