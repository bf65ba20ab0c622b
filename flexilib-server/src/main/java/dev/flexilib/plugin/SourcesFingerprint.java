package dev.flexilib.plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a plugin's sources looked like at one moment: its own file first, then,
 * for a kind whose code lives elsewhere (a Lambda function's settings name its
 * code), that code, a file or a directory tree. Equal fingerprints: nothing to reload
 * (a host compares them too: a SAM application's new generation keeps a function whose code did not change).
 */
public record SourcesFingerprint(List<FileFingerprint> files) {

    public static SourcesFingerprint of(List<Path> sources) {
        return new SourcesFingerprint(sources.stream()
                .map(source -> Files.isDirectory(source) ? FileFingerprint.ofTree(source) : FileFingerprint.of(source))
                .toList());
    }

    /** Whether the plugin's own file exists. */
    boolean exists() {
        return files.getFirst().exists();
    }
}
