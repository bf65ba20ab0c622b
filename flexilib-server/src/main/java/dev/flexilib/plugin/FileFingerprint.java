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
record FileFingerprint(Object fileKey, long size, long modifiedNanos) {

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

    boolean exists() {
        return size >= 0;
    }
}
