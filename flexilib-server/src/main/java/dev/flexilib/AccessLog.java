package dev.flexilib;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log: one line per request on stdout, in FlexiLib's format
 * <pre>127.0.0.1:59940 - - "GET / HTTP/1.1" 200 ttfb 2000.420ms 11 ttlb 2000.568ms (pre-alloc: 1569, alloc: 4350)</pre>
 * Lines are formatted by the caller and written by one background thread in
 * batches, so a slow stdout never stalls an event loop. The writer wakes by
 * itself every few milliseconds (or when a batch is full) rather than being
 * woken for each line: waking a parked thread per request cost as much as a
 * small request's own work.
 */
public final class AccessLog implements AutoCloseable {
    private static final int BATCH = 256;
    private static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** What one access-log line says; times in nanoseconds. */
    public record Entry(InetSocketAddress client, String method, String target, String protocol, int status,
                        long ttfbNanos, long bodyBytes, long ttlbNanos, long preAllocated, long allocated) {}

    private final OutputStream out;
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Thread writer;
    private volatile boolean closed;

    public AccessLog(OutputStream out) {
        this.out = out;
        this.writer = Thread.ofPlatform().name("flexilib-access-log").daemon().start(this::drain);
    }

    public void log(Entry entry) {
        lines.add(format(entry));
        if (pending.incrementAndGet() == BATCH) {
            LockSupport.unpark(writer);
        }
    }

    /** Formats by hand: String.format costs more than the rest of a small request's logging. */
    static String format(Entry e) {
        StringBuilder line = new StringBuilder(128 + e.target().length());
        appendAddress(line, e.client());
        line.append(" - - \"");
        appendEscaped(line, e.method());
        line.append(' ');
        appendEscaped(line, e.target());
        line.append(' ');
        appendEscaped(line, e.protocol());
        line.append("\" ").append(e.status()).append(" ttfb ");
        appendMillis(line, e.ttfbNanos());
        line.append("ms ").append(e.bodyBytes()).append(" ttlb ");
        appendMillis(line, e.ttlbNanos());
        return line.append("ms (pre-alloc: ").append(e.preAllocated()).append(", alloc: ").append(e.allocated())
                .append(")\n").toString();
    }

    /**
     * A field as the client sent it, with what could forge a line or a field (control
     * bytes, quotes, backslashes) and bytes beyond ASCII written as {@code \xHH}, as nginx
     * writes them: a log line is always one line of plain text.
     */
    static void appendEscaped(StringBuilder line, String field) {
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                line.append("\\x").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            } else {
                line.append(c);
            }
        }
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Milliseconds with three decimals, as FlexiLib prints them. */
    private static void appendMillis(StringBuilder line, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        long fraction = micros % 1000;
        line.append(micros / 1000).append('.');
        if (fraction < 100) {
            line.append(fraction < 10 ? "00" : "0");
        }
        line.append(fraction);
    }

    private static void appendAddress(StringBuilder line, InetSocketAddress client) {
        String host = client.getAddress() != null ? client.getAddress().getHostAddress() : client.getHostString();
        if (host.indexOf(':') >= 0) {
            line.append('[').append(host).append(']');
        } else {
            line.append(host);
        }
        line.append(':').append(client.getPort());
    }

    private void drain() {
        StringBuilder text = new StringBuilder();
        while (true) {
            boolean stopping = closed;
            int count = 0;
            for (String line = lines.poll(); line != null; line = lines.poll()) {
                text.append(line);
                if (++count % BATCH == 0) {
                    write(text);
                }
            }
            write(text);
            pending.addAndGet(-count);
            if (stopping) {
                return;
            }
            if (count < BATCH) {
                LockSupport.parkNanos(this, FLUSH_INTERVAL_NANOS);
            }
        }
    }

    private void write(StringBuilder text) {
        if (text.isEmpty()) {
            return;
        }
        try {
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the access log", e);
        } finally {
            text.setLength(0);
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
