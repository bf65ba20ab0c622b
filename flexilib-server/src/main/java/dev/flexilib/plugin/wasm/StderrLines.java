package dev.flexilib.plugin.wasm;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A module's standard error as log lines under its name ({@code wasm.log}), at most
 * {@link #LIMIT} bytes a request: a module cannot flood the log.
 */
final class StderrLines extends OutputStream {
    static final int LIMIT = 64 * 1024;
    private static final int LONGEST_LINE = 4096;
    private final String name;
    private final Diagnostics diagnostics;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int written;

    StderrLines(String name, Diagnostics diagnostics) {
        this.name = name;
        this.diagnostics = diagnostics;
    }

    @Override
    public void write(int b) {
        if (written++ >= LIMIT) {
            if (written == LIMIT + 1) {
                line.reset();
                diagnostics.warn(Event.WASM_LOG, name + ": (more than " + LIMIT + " bytes on stderr in one request;"
                        + " the rest is dropped)");
            }
            return;
        }
        if (b == '\n') {
            flush();
        } else if (line.size() < LONGEST_LINE) {
            line.write(b);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        for (int i = 0; i < length; i++) {
            write(bytes[offset + i]);
        }
    }

    /** Logs the line written so far, if any. */
    @Override
    public void flush() {
        if (line.size() > 0) {
            diagnostics.info(Event.WASM_LOG, name + ": " + line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }
}
