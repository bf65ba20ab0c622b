package dev.flexilib.plugin.wasm;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A module's standard output, kept in memory up to a limit. Writing past the limit throws
 * {@link LimitExceeded}, which no WASI call catches: it ends the module's run at once.
 */
final class BoundedOutput extends OutputStream {
    private final long limit;
    private byte[] bytes = new byte[1024];
    private int count;

    BoundedOutput(long limit) {
        this.limit = limit;
    }

    /** The run wrote more than its output_limit. */
    static final class LimitExceeded extends RuntimeException {
        LimitExceeded(long limit) {
            super("the module wrote more than its output_limit of " + limit + " bytes to stdout");
        }
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] source, int offset, int length) {
        if ((long) count + length > limit) {
            throw new LimitExceeded(limit);
        }
        if (count + length > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(Math.max(bytes.length * 2L, count + length), limit));
        }
        System.arraycopy(source, offset, bytes, count, length);
        count += length;
    }

    byte[] bytes() {
        return bytes;
    }

    int length() {
        return count;
    }
}
