package dev.flexilib.plugin;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Removing the temporary directories the plugin hosts work in. */
public final class FileTrees {
    private FileTrees() {}

    /**
     * Deletes {@code root} and everything under it, as far as it can, without
     * following links. A file that goes meanwhile (a process still closing its
     * own) is no error, and nothing it cannot delete stops the rest: whatever is
     * left lies under the system's temporary directory.
     */
    public static void delete(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    deleteQuietly(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException e) {
                    deleteQuietly(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // the visitor throws none; what is left behind is described above
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // left behind, as above
        }
    }
}
