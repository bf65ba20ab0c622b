package dev.flexilib.plugin;

import dev.flexilib.Diagnostics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One loaded version of a plugin file. Requests retain it while they run; the
 * slot's own reference goes when a newer generation replaces it, and the last
 * request to finish closes it and deletes its private copy.
 */
final class Generation extends RefCounted {
    private final int number;
    private final Plugin plugin;
    private final Path copy;
    private final SourcesFingerprint source;
    private final Diagnostics diagnostics;

    Generation(int number, Plugin plugin, Path copy, SourcesFingerprint source, Diagnostics diagnostics) {
        this.number = number;
        this.plugin = plugin;
        this.copy = copy;
        this.source = source;
        this.diagnostics = diagnostics;
    }

    int number() {
        return number;
    }

    Plugin plugin() {
        return plugin;
    }

    SourcesFingerprint source() {
        return source;
    }

    @Override
    protected void closed() {
        try {
            plugin.close();
        } catch (RuntimeException e) {
            diagnostics.error(Diagnostics.Event.GENERATION_UNLOADED, "closing " + copy + " failed", e);
        }
        try {
            Files.deleteIfExists(copy);
        } catch (IOException e) {
            diagnostics.warn(Diagnostics.Event.GENERATION_UNLOADED, "cannot delete " + copy + ": " + e);
        }
        diagnostics.info(Diagnostics.Event.GENERATION_UNLOADED, "generation " + number + " (" + copy.getFileName() + ") unloaded");
    }
}
