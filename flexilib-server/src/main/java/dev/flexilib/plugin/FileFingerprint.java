package dev.flexilib.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * What a plugin file looked like at one moment: identity, size and modification
 * time. Equal fingerprints mean "nothing to reload"; a file replaced by rename
 * or rewritten in place changes at least one of them.
 */
public record FileFingerprint(Object fileKey, long size, long modifiedNanos) {

    static final FileFingerprint MISSING = new FileFingerprint("missing", -1, -1);

    static FileFingerprint of(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileFingerprint(Objects.requireNonNullElse(attributes.fileKey(), "none"), attributes.size(),
                    attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        } catch (IOException e) {
            return MISSING;
        }
    }

    /**
     * What a directory tree looks like: its files' count and total size and the
     * latest modification among them (a file replaced, added or removed anywhere in
     * it changes one of those).
     */
    static FileFingerprint ofTree(Path directory) {
        try (var files = Files.walk(directory)) {
            long[] summary = new long[3];
            files.forEach(file -> {
                FileFingerprint print = of(file);
                summary[0]++;
                summary[1] += Math.max(0, print.size());
                summary[2] = Math.max(summary[2], print.modifiedNanos());
            });
            return new FileFingerprint("tree of " + summary[0], summary[1], summary[2]);
        } catch (IOException | java.io.UncheckedIOException e) {
            return MISSING;
        }
    }

    boolean exists() {
        return size >= 0;
    }
}
