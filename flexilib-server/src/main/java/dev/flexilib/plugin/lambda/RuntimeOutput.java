package dev.flexilib.plugin.lambda;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * What an execution environment's runtime prints, stdout and stderr as one: the
 * process writes to a file (appending, so the two streams keep the order they
 * were written in), and this reads what is new in it, line by line. A file
 * rather than a pipe, because when the runtime answers an invocation everything
 * it printed before is in the file already: reading it then puts the
 * invocation's lines before its END, and into its log tail, every time.
 * Read by the host's timer every few hundred milliseconds, and at each end.
 */
final class RuntimeOutput implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private long position;

    RuntimeOutput(Path file) throws IOException {
        this.file = file;
        Files.deleteIfExists(file);
        Files.createFile(file);
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
    }

    /** Where the runtime's process writes. */
    Path file() {
        return file;
    }

    /**
     * Hands every complete line written since the last call to {@code lines}; with
     * {@code all}, a last line without its newline too (a logger that writes none).
     */
    synchronized void read(Consumer<String> lines, boolean all) {
        try {
            for (int read = channel.read(buffer.clear(), position); read > 0; read = channel.read(buffer.clear(), position)) {
                position += read;
                byte[] bytes = buffer.array();
                for (int i = 0; i < read; i++) {
                    if (bytes[i] == '\n') {
                        lines.accept(line());
                    } else {
                        partial.write(bytes[i]);
                    }
                }
            }
        } catch (IOException e) {
            // the environment is being removed with its file
        }
        if (all && partial.size() > 0) {
            lines.accept(line());
        }
    }

    private String line() {
        String line = partial.toString(StandardCharsets.UTF_8);
        partial.reset();
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover file goes with the host's scratch directory
        }
    }
}
