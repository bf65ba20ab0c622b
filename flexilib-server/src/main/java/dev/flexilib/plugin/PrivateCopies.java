package dev.flexilib.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each generation is loaded from its own copy of the plugin file, at a path
 * used once: the original can then be replaced while the old generation still
 * runs, and the dynamic loader can never hand back a cached older copy.
 */
final class PrivateCopies implements AutoCloseable {
    private static final int ATTEMPTS = 5;

    private final Path directory;
    private final AtomicLong counter = new AtomicLong();

    PrivateCopies() {
        try {
            directory = Files.createTempDirectory("flexilib-" + ProcessHandle.current().pid() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for plugin copies", e);
        }
    }

    /** A private copy and what the original looked like when it was taken. */
    record Copy(Path path, FileFingerprint source) {}

    /**
     * Copies {@code source} to a fresh path. Retries while the file changes under
     * the copy, so a half-written file is not taken.
     */
    Copy copy(Path source) throws PluginLoadException {
        FileFingerprint before = FileFingerprint.of(source);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (!before.exists()) {
                throw new PluginLoadException("plugin file " + source + " does not exist");
            }
            Path target = directory.resolve(counter.incrementAndGet() + "-" + source.getFileName());
            try {
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                FileTrees.deleteQuietly(target);
                throw new PluginLoadException("cannot copy plugin file " + source + ": " + e, e);
            }
            FileFingerprint after = FileFingerprint.of(source);
            if (after.equals(before)) {
                return new Copy(target, after);
            }
            FileTrees.deleteQuietly(target);
            before = after;
        }
        throw new PluginLoadException("plugin file " + source + " kept changing while it was copied");
    }

    @Override
    public void close() {
        FileTrees.delete(directory);
    }
}
