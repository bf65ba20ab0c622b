package dev.flexilib.supervisor;

import java.time.Duration;

/**
 * How long to wait before the next child: at once after a child that ran well,
 * then doubling while children keep dying young, up to a cap. It never gives up.
 */
final class Backoff {
    static final Duration HEALTHY_UPTIME = Duration.ofSeconds(10);
    private static final Duration FIRST = Duration.ofMillis(250);
    private static final Duration CAP = Duration.ofSeconds(10);

    private Duration next = Duration.ZERO;

    /** The delay before restarting a child that ran for {@code uptime}. */
    Duration after(Duration uptime) {
        if (uptime.compareTo(HEALTHY_UPTIME) >= 0) {
            next = Duration.ZERO;
        }
        Duration delay = next;
        next = next.isZero() ? FIRST : min(next.multipliedBy(2), CAP);
        return delay;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
