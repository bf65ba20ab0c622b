package dev.flexilib.plugin.lambda;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One call of a function: the event, what the runtime is told about it (request
 * id, deadline, trace id, client context), how it ended, and its log lines
 * (kept for the Invoke API's {@code X-Amz-Log-Type: Tail}).
 */
final class Invocation {
    /** The log tail the Invoke API returns: its last 4 KB. */
    static final int TAIL_BYTES = 4096;

    final String requestId = randomUuid();
    final byte[] event;
    final long deadlineEpochMillis;
    final String traceId;
    final Optional<String> clientContext;
    final long startNanos = System.nanoTime();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final CompletableFuture<Outcome> reported = new CompletableFuture<>();
    private final StringBuilder log = new StringBuilder();

    Invocation(byte[] event, long timeoutMillis, Optional<String> clientContext) {
        this.event = event;
        this.deadlineEpochMillis = System.currentTimeMillis() + timeoutMillis;
        this.traceId = traceId();
        this.clientContext = clientContext;
    }

    /**
     * A random version 4 UUID, as Lambda's request ids are, from a fast generator: the
     * JDK's own draws on SecureRandom, which costs an invocation more than it needs.
     */
    private static String randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xF000L | 0x4000L;
        long low = random.nextLong() & ~(0xC000L << 48) | (0x8000L << 48);
        return new UUID(high, low).toString();
    }

    /** X-Ray's header format: {@code Root=1-<epoch seconds, hex>-<24 hex>;Parent=<16 hex>;Sampled=0}. */
    private static String traceId() {
        String random = randomUuid().replace("-", "");
        return "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-" + random.substring(0, 24)
                + ";Parent=" + random.substring(16, 32) + ";Sampled=0";
    }

    /** Ends the invocation with {@code result} unless it ended already; returns whether this call ended it. */
    boolean complete(Outcome result) {
        return outcome.complete(result);
    }

    boolean done() {
        return outcome.isDone();
    }

    /** How it ended, as soon as it did (its END and REPORT lines may not be logged yet). */
    CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    /** How it ended, once its log is complete: what invokers wait for. */
    CompletableFuture<Outcome> reported() {
        return reported;
    }

    void reported(Outcome result) {
        reported.complete(result);
    }

    void log(String line) {
        synchronized (log) {
            log.append(line).append('\n');
            if (log.length() > 4 * TAIL_BYTES) {
                log.delete(0, log.length() - 2 * TAIL_BYTES);
            }
        }
    }

    /** The last 4 KB of the invocation's log, base64, as {@code X-Amz-Log-Result} carries it. */
    String logTail() {
        byte[] bytes;
        synchronized (log) {
            bytes = log.toString().getBytes(StandardCharsets.UTF_8);
        }
        int from = Math.max(0, bytes.length - TAIL_BYTES);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(bytes, from, bytes.length));
    }
}
