package dev.flexilib.proxy;

import dev.flexilib.config.ProxySpec;
import dev.flexilib.config.ProxySpec.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The upstream servers of one proxy route, taken in turn (round-robin), with
 * passive health: an upstream that refused a connection is skipped for a while.
 * Thread-safe; shared by every event loop.
 */
public final class UpstreamGroup {
    /** How long an upstream that refused a connection is left out. */
    static final Duration DOWN_FOR = Duration.ofSeconds(10);

    private final ProxySpec spec;
    private final List<Upstream> upstreams;
    private final AtomicInteger turn = new AtomicInteger();
    private final AtomicLongArray downUntil;

    public UpstreamGroup(ProxySpec spec) {
        this.spec = spec;
        this.upstreams = spec.upstreams();
        this.downUntil = new AtomicLongArray(upstreams.size());
    }

    public ProxySpec spec() {
        return spec;
    }

    /** The next upstream in turn that is not down; if all are down, the next in turn anyway. */
    public Upstream choose() {
        int first = Math.floorMod(turn.getAndIncrement(), upstreams.size());
        long now = System.nanoTime();
        for (int i = 0; i < upstreams.size(); i++) {
            int index = (first + i) % upstreams.size();
            if (downUntil.get(index) - now <= 0) {
                return upstreams.get(index);
            }
        }
        return upstreams.get(first);
    }

    /** The upstream refused a connection: skip it for {@link #DOWN_FOR}. */
    public void refused(Upstream upstream) {
        int index = upstreams.indexOf(upstream);
        if (index >= 0) {
            downUntil.set(index, System.nanoTime() + DOWN_FOR.toNanos());
        }
    }

    /** The upstream answered: take it back at once. */
    public void answered(Upstream upstream) {
        int index = upstreams.indexOf(upstream);
        if (index >= 0 && downUntil.get(index) != 0) {
            downUntil.set(index, 0);
        }
    }
}
