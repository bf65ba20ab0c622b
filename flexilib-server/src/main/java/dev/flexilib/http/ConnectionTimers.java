package dev.flexilib.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The timeouts of every connection on one event loop, checked by one sweep
 * every {@value #SWEEP_MILLIS} ms rather than by a timer per request: setting
 * and cancelling a timer for each request cost more than checking a few
 * thousand connections a few times a second, and an idle connection then
 * holds no timer at all. Used on its event loop only.
 */
final class ConnectionTimers {
    static final long SWEEP_MILLIS = 100;

    private static final FastThreadLocal<ConnectionTimers> LOOP = new FastThreadLocal<>();

    private final ArrayList<Connection> connections = new ArrayList<>();

    private ConnectionTimers(EventLoop loop) {
        loop.scheduleAtFixedRate(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The timers of {@code loop}; call on that loop. */
    static ConnectionTimers of(EventLoop loop) {
        ConnectionTimers timers = LOOP.get();
        if (timers == null) {
            timers = new ConnectionTimers(loop);
            LOOP.set(timers);
        }
        return timers;
    }

    /** Watches {@code connection}; returns its place, which {@link #remove} takes back. */
    int add(Connection connection) {
        connections.add(connection);
        return connections.size() - 1;
    }

    /** Stops watching the connection at {@code index} (the last one moves into its place). */
    void remove(int index) {
        Connection last = connections.removeLast();
        if (index < connections.size()) {
            connections.set(index, last);
            last.movedTo(index);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        // backwards: a connection that closes while it is checked may move the last one into its place
        for (int i = connections.size() - 1; i >= 0; i--) {
            if (i < connections.size()) {
                connections.get(i).checkTimeouts(now);
            }
        }
    }
}
